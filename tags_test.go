package configmgr_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// Structs tagged for viper (mapstructure), as Flipt's are: json tags that
// differ from the file's keys, json:"-" fields, embedded sections.
type mapstructureConfig struct {
	Log struct {
		Level    string `json:"level,omitempty" mapstructure:"level"`
		Encoding string `json:"-" mapstructure:"encoding"`
	} `json:"log,omitempty" mapstructure:"log"`
	Server struct {
		HTTPPort  int           `json:"httpPort,omitempty" mapstructure:"http_port"`
		GRPCPort  int           `json:"-" mapstructure:"grpc_port"`
		Timeout   time.Duration `json:"timeout" mapstructure:"shutdown_timeout"`
		Protected bool          `mapstructure:"protected"`
	} `json:"server,omitempty" mapstructure:"server"`
	Storage map[string]struct {
		Branch string `json:"-" mapstructure:"branch"`
	} `json:"storage" mapstructure:"storage"`
	Meta `mapstructure:",squash"`
}

type Meta struct {
	CheckForUpdates bool `json:"checkForUpdates" mapstructure:"check_for_updates"`
}

// TestTagName: WithTagName decodes by another tag, json:"-" fields and
// embedded sections included, in Load, LoadSection and Watch.
func TestTagName(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{
	  "log": {"level": "debug", "encoding": "json"},
	  "server": {"http_port": 8080, "grpc_port": 9000, "shutdown_timeout": "30s", "protected": true},
	  "storage": {"local": {"branch": "main"}},
	  "check_for_updates": true}`), 0o600)
	schema := `{"type": "object", "properties": {
	  "log": {"type": "object", "properties": {"level": {"type": "string"}, "encoding": {"type": "string", "default": "console"}}},
	  "server": {"type": "object", "properties": {"http_port": {"type": "integer"}, "grpc_port": {"type": "integer"}, "shutdown_timeout": {"type": "string"}, "protected": {"type": "boolean"}}},
	  "storage": {"type": "object", "additionalProperties": {"type": "object", "properties": {"branch": {"type": "string"}}}},
	  "check_for_updates": {"type": "boolean"}}}`
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(schema)), configmgr.WithTagName("mapstructure"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var cfg mapstructureConfig
	if err := m.Load("dev", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Level != "debug" || cfg.Log.Encoding != "json" || cfg.Server.HTTPPort != 8080 || cfg.Server.GRPCPort != 9000 ||
		cfg.Server.Timeout != 30*time.Second || !cfg.Server.Protected || cfg.Storage["local"].Branch != "main" || !cfg.CheckForUpdates {
		t.Fatalf("Load by mapstructure tags = %+v", cfg)
	}
	var server struct {
		GRPCPort int `json:"-" mapstructure:"grpc_port"`
	}
	if err := m.LoadSection("dev", "/server", &server); err != nil || server.GRPCPort != 9000 {
		t.Fatalf("LoadSection by mapstructure tags = %+v, %v", server, err)
	}
	l, err := configmgr.Watch[mapstructureConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Latest().Server.GRPCPort != 9000 || l.Latest().Log.Encoding != "json" {
		t.Fatalf("Watch by mapstructure tags = %+v", l.Latest())
	}
}
