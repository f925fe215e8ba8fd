package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/configmgr/configmgr/examples/from-viper/service"
)

func TestFromViper(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "pw")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	cfg, origin, err := service.Load(dir, []string{"--server.http_port=9090"}, []string{"APP_STORAGE_LOCAL_BRANCH=dev", "APP_DB_PASSWORD_FILE=" + secret})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.HTTPPort != 9090 || cfg.Server.ShutdownTimeout != 10*time.Second || cfg.Log.Encoding != "console" ||
		cfg.Storage["local"].Branch != "dev" || cfg.Storage["local"].PollInterval != 30*time.Second || cfg.DB.Password != "s3cret" ||
		origin.Name != "APP_DB_PASSWORD_FILE" {
		t.Fatalf("Load = %+v, %v", cfg, origin)
	}
}
