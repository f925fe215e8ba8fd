// Command from-viper is a service's configuration loader moved from viper
// to configmgr, as a new user would move one (see package service): the
// config structs keep their mapstructure tags, durations stay strings in
// the file, a map entry is set from an environment variable
// (APP_STORAGE_<NAME>_BRANCH), a flag overrides the port, the database
// password comes from a file named by APP_DB_PASSWORD_FILE (the Docker and
// Kubernetes secrets convention), and the Manager is read-only, as on a
// read-only root file system. It works in a temporary directory and leaves
// nothing behind.
//
//	go run ./examples/from-viper
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr/examples/from-viper/service"
)

func main() {
	log.SetFlags(0)
	dir, err := os.MkdirTemp("", "from-viper")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	secret := filepath.Join(dir, "db-password")
	os.WriteFile(secret, []byte("example-password\n"), 0o600)
	env := []string{"APP_STORAGE_LOCAL_BRANCH=dev", "APP_DB_PASSWORD_FILE=" + secret}
	cfg, origin, err := service.Load(dir, []string{"--server.http_port=9090"}, env)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("log %s/%s, server %s:%d (shutdown %v), db %s\n",
		cfg.Log.Level, cfg.Log.Encoding, cfg.Server.Host, cfg.Server.HTTPPort, cfg.Server.ShutdownTimeout, cfg.DB.URL)
	fmt.Printf("storage main: branch %s every %v; local: branch %s every %v\n",
		cfg.Storage["main"].Branch, cfg.Storage["main"].PollInterval, cfg.Storage["local"].Branch, cfg.Storage["local"].PollInterval)
	fmt.Printf("db password: %d bytes, from %s\n", len(cfg.DB.Password), origin)
}
