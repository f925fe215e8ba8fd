package configmgr_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
)

const layersSchema = `{"type": "object", "properties": {
  "log": {"type": "object", "properties": {"level": {"type": "string", "enum": ["debug", "info", "warn"], "default": "info"}}},
  "server": {"type": "object", "properties": {"port": {"type": "integer", "maximum": 65535}, "hosts": {"type": "array", "items": {"type": "string"}}, "ports": {"type": "array", "items": {"type": "integer"}}}},
  "db": {"type": "object", "properties": {"password": {"type": "string", "writeOnly": true}, "user": {"type": "string"}}},
  "storage": {"type": "object", "additionalProperties": {"type": "object", "properties": {"branch": {"type": "string"}, "poll_interval": {"type": "string"}}}},
  "features": {"type": "object", "patternProperties": {"^[a-z]+$": {"type": "boolean"}}}
}}`

func layersManager(t *testing.T, env []string, opts ...configmgr.Option) (*configmgr.Manager, error) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"server": {"port": 8080}, "storage": {"main": {"branch": "main"}}}`), 0o600)
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"), append([]configmgr.Option{
		configmgr.WithSchema([]byte(layersSchema)), configmgr.WithEnvOverrides("APP"),
		configmgr.WithEnviron(func() []string { return env })}, opts...)...)
	if err == nil {
		t.Cleanup(func() { m.Close() })
	}
	return m, err
}

// TestEnvironmentLayer: variables reach map entries through
// additionalProperties and patternProperties, lists of scalars come
// delimited, NAME_FILE reads a writeOnly value from a file, the
// environment is injectable, and unknown variables are an error unless
// ignored, when they are listed.
func TestEnvironmentLayer(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "password")
	os.WriteFile(secret, []byte("hunter2-SECRET-file\n"), 0o600)
	m, err := layersManager(t, []string{
		"APP_STORAGE_LOCAL_BRANCH=dev", "APP_STORAGE_MAIN_POLL_INTERVAL=30s",
		"APP_FEATURES_BETA=true",
		"APP_SERVER_HOSTS=a.example, b.example", "APP_SERVER_PORTS=80,443",
		"APP_DB_PASSWORD_FILE=" + secret,
		"OTHER_THING=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	got := jsonOf(t, doc)
	for _, want := range []string{`"local":{"branch":"dev"}`, `"main":{"branch":"main","poll_interval":"30s"}`, `"features":{"beta":true}`,
		`"hosts":["a.example","b.example"]`, `"ports":[80,443]`, `"password":"hunter2-SECRET-file"`} {
		if !strings.Contains(got, want) {
			t.Errorf("Read lacks %s", want)
		}
	}
	if o, _ := m.Origin("dev", "/db/password"); o.Name != "APP_DB_PASSWORD_FILE" {
		t.Errorf("Origin(/db/password) = %v", o)
	}
	// A _FILE for a property that is not writeOnly is unknown.
	if _, err := layersManager(t, []string{"APP_DB_USER_FILE=" + secret}); err == nil || !strings.Contains(err.Error(), "APP_DB_USER_FILE") {
		t.Errorf("a _FILE variable for a plain property = %v; want it refused, named", err)
	}
	// Unknown variables: an error, or ignored and listed.
	if _, err := layersManager(t, []string{"APP_NOPE=1"}); err == nil || !strings.Contains(err.Error(), "APP_NOPE") {
		t.Errorf("an unknown variable = %v; want it named", err)
	}
	m, err = layersManager(t, []string{"APP_NOPE=1", "APP_ALSO_NOT=2", "APP_SERVER_PORT=9"}, configmgr.WithIgnoreUnknownEnv())
	if err != nil {
		t.Fatal(err)
	}
	if got := m.IgnoredEnv(); !reflect.DeepEqual(got, []string{"APP_ALSO_NOT", "APP_NOPE"}) {
		t.Errorf("IgnoredEnv = %v", got)
	}
}

// TestFlagLayer: flags the user set override the document and the
// environment, bound by name or by a mapping; unset flags do nothing; a
// flag's value is validated with the rest, so it never reaches a struct
// unvalidated; Origin names the flag.
func TestFlagLayer(t *testing.T) {
	fs := flag.NewFlagSet("app", flag.ContinueOnError)
	port := fs.Int("server.port", 1, "")
	fs.String("log-level", "info", "")
	fs.String("dbuser", "", "")
	fs.String("unset", "", "")
	if err := fs.Parse([]string{"--server.port=9090", "--log-level=debug", "--dbuser=ops"}); err != nil {
		t.Fatal(err)
	}
	_ = port
	m, err := layersManager(t, []string{"APP_SERVER_PORT=7070", "APP_LOG_LEVEL=warn"},
		configmgr.WithFlags(configmgr.StdFlags(fs), map[string]string{"dbuser": "/db/user", "unset": "/nowhere"}))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Server struct {
			Port int `json:"port"`
		} `json:"server"`
		Log struct {
			Level string `json:"level"`
		} `json:"log"`
		DB struct {
			User string `json:"user"`
		} `json:"db"`
	}
	if err := m.Load("dev", &cfg); err != nil || cfg.Server.Port != 9090 || cfg.Log.Level != "debug" || cfg.DB.User != "ops" {
		t.Fatalf("Load = %+v, %v; want the flags' 9090, debug and ops", cfg, err)
	}
	if o, _ := m.Origin("dev", "/server/port"); o.Source != "flag" || o.Name != "server.port" {
		t.Errorf("Origin(/server/port) = %v; want flag server.port", o)
	}
	// A flag value the schema refuses is refused with the document.
	bad := flag.NewFlagSet("app", flag.ContinueOnError)
	bad.Int("server.port", 1, "")
	bad.Parse([]string{"--server.port=99999"})
	m, err = layersManager(t, nil, configmgr.WithFlags(configmgr.StdFlags(bad), nil))
	if err != nil {
		t.Fatal(err)
	}
	var ve *configmgr.ValidationError
	if err := m.Load("dev", &cfg); !errors.As(err, &ve) {
		t.Fatalf("Load with an out-of-range flag = %v; want a *ValidationError", err)
	}
	// A set flag that names no property fails New, naming it.
	odd := flag.NewFlagSet("app", flag.ContinueOnError)
	odd.String("colour", "", "")
	odd.Parse([]string{"--colour=blue"})
	if _, err := layersManager(t, nil, configmgr.WithFlags(configmgr.StdFlags(odd), nil)); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("a flag for no property = %v", err)
	}
}
