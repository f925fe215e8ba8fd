// Package service is the configuration of the example service: its
// structs, tagged for viper as they were, its schema, its file, and its
// loader on configmgr. The viper comparison (module compat/viper) loads the
// same with viper.
package service

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"time"

	"github.com/configmgr/configmgr"
)

// Config is the service's configuration, tagged for viper as it was.
type Config struct {
	Log struct {
		Level    string `json:"level,omitempty" mapstructure:"level"`
		Encoding string `json:"-" mapstructure:"encoding"`
	} `json:"log,omitempty" mapstructure:"log"`
	Server struct {
		Host            string        `json:"host" mapstructure:"host"`
		HTTPPort        int           `json:"httpPort,omitempty" mapstructure:"http_port"`
		ShutdownTimeout time.Duration `json:"shutdownTimeout" mapstructure:"shutdown_timeout"`
	} `json:"server" mapstructure:"server"`
	DB struct {
		URL      string `json:"url" mapstructure:"url"`
		Password string `json:"-" mapstructure:"password"`
	} `json:"db" mapstructure:"db"`
	Storage map[string]Storage `json:"storage" mapstructure:"storage"`
}

// Storage is one entry of the storage map.
type Storage struct {
	Branch       string        `json:"branch" mapstructure:"branch"`
	PollInterval time.Duration `json:"pollInterval" mapstructure:"poll_interval"`
}

// Schema is what viper's SetDefault calls and the service's validation
// code said, as a JSON Schema.
const Schema = `{
  "type": "object",
  "properties": {
    "log": {"type": "object", "properties": {
      "level": {"enum": ["debug", "info", "warn", "error"], "default": "info"},
      "encoding": {"enum": ["console", "json"], "default": "console"}}},
    "server": {"type": "object", "properties": {
      "host": {"type": "string", "default": "0.0.0.0"},
      "http_port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 8080},
      "shutdown_timeout": {"type": "string", "default": "30s"}}},
    "db": {"type": "object", "properties": {
      "url": {"type": "string", "format": "uri"},
      "password": {"type": "string", "writeOnly": true}}},
    "storage": {"type": "object", "additionalProperties": {"type": "object", "properties": {
      "branch": {"type": "string", "default": "main"},
      "poll_interval": {"type": "string", "default": "30s"}}}}
  }
}`

// Document is the service's config file (once YAML, now JSON).
const Document = `{
  "log": {"level": "debug"},
  "server": {"shutdown_timeout": "10s"},
  "db": {"url": "postgres://db.internal:5432/app"},
  "storage": {"main": {"poll_interval": "1m"}}
}`

// Load is the service's loader: the file in dir, then the environment,
// then the flags in args, validated together, read-only; the Origin
// says where the database password came from (zero if it is unset).
func Load(dir string, args, environ []string) (Config, configmgr.Origin, error) {
	var cfg Config
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(Document), 0o600); err != nil {
		return cfg, configmgr.Origin{}, err
	}
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	fs.Int("server.http_port", 8080, "the HTTP port")
	if err := fs.Parse(args); err != nil {
		return cfg, configmgr.Origin{}, err
	}
	m, err := configmgr.NewFile(path,
		configmgr.WithSchema([]byte(Schema)),
		configmgr.WithTagName("mapstructure"),
		configmgr.WithEnvOverrides("APP"), configmgr.WithEnviron(func() []string { return environ }),
		configmgr.WithFlags(configmgr.StdFlags(fs), nil),
		configmgr.WithReadOnly())
	if err != nil {
		return cfg, configmgr.Origin{}, err
	}
	defer m.Close()
	if err := m.Load(configmgr.FileEnv(path), &cfg); err != nil {
		return cfg, configmgr.Origin{}, err
	}
	// Where the password came from, if it is set at all.
	origin, err := m.Origin(configmgr.FileEnv(path), "/db/password")
	if errors.Is(err, configmgr.ErrNotFound) {
		return cfg, configmgr.Origin{}, nil
	}
	return cfg, origin, err
}
