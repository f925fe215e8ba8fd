package configmgr

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func overrideManager(t *testing.T, env ...string) (*Manager, error) {
	t.Helper()
	dir := t.TempDir()
	copySchema(t, dir)
	dev, _ := os.ReadFile("testdata/config/dev.json")
	os.WriteFile(filepath.Join(dir, "dev.json"), dev, 0o600)
	m, err := New(dir, filepath.Join(dir, "b"), WithEnvOverrides("APP"), withEnviron(func() []string {
		return append([]string{"PATH=/bin", "APPLE=1"}, env...)
	}))
	if err == nil {
		t.Cleanup(func() { m.Close() })
	}
	return m, err
}

func TestEnvOverrides(t *testing.T) {
	m, err := overrideManager(t,
		"APP_DATABASE_PORT=6543",
		"APP_DATABASE_POOL_SIZE=42",
		"APP_CACHE_ENABLED=false",
		"APP_LOGGING_LEVEL=ERROR",
		`APP_FEATURES={"only": true}`,
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	db := cfg["database"].(map[string]any)
	if db["port"] != json.Number("6543") || db["pool_size"] != json.Number("42") || db["host"] != "localhost" {
		t.Fatalf("database = %v", db)
	}
	if cfg["cache"].(map[string]any)["enabled"] != false || cfg["logging"].(map[string]any)["level"] != "ERROR" {
		t.Fatalf("cfg = %v", cfg)
	}
	if f := cfg["features"].(map[string]any); len(f) != 1 || f["only"] != true {
		t.Fatalf("features = %v", f)
	}
	var typed struct {
		Database struct {
			Port     int `json:"port"`
			PoolSize int `json:"pool_size"`
		} `json:"database"`
	}
	if err := m.Load("dev", &typed); err != nil || typed.Database.Port != 6543 || typed.Database.PoolSize != 42 {
		t.Fatalf("Load = %+v, %v", typed, err)
	}
	// Overrides are never written: writes work on the stored document.
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 9}}); err != nil {
		t.Fatal(err)
	}
	stored, _ := m.Store().Get(t.Context(), "dev")
	if strings.Contains(string(stored.Data), "6543") || !strings.Contains(string(stored.Data), `"port": 5432`) || !strings.Contains(string(stored.Data), `"ttl": 9`) {
		t.Fatalf("the stored document:\n%s", stored.Data)
	}
	for pointer, want := range map[string]string{
		"/database/port":      "env APP_DATABASE_PORT",
		"/database/pool_size": "env APP_DATABASE_POOL_SIZE",
		"/features/only":      "env APP_FEATURES",
		"/database/host":      "store",
		"/cache/ttl":          "store",
	} {
		o, err := m.Origin("dev", pointer)
		if err != nil || o.String() != want {
			t.Errorf("Origin(%s) = %v, %v; want %s", pointer, o, err, want)
		}
	}
	if _, err := m.Origin("dev", "/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Origin(/nope) = %v", err)
	}
}

func TestEnvOverrideErrors(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want string
	}{
		{"APP_DATABSE_PORT=1", "APP_DATABSE_PORT names no property"},
		{"APP_DATABASE_PORT=abc", "APP_DATABASE_PORT: the value is not of the schema's type integer"},
		{"APP_DATABASE_PORT=1.5", "APP_DATABASE_PORT: the value is not of the schema's type integer"},
		{"APP_CACHE_ENABLED=maybe", "APP_CACHE_ENABLED: the value is not of the schema's type boolean"},
	} {
		_, err := overrideManager(t, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v; want an error saying %q", tc.env, err, tc.want)
		}
	}
	// An override that breaks the schema fails reads, not the store.
	m, err := overrideManager(t, "APP_DATABASE_PORT=70000")
	if err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if _, err := m.Read("dev"); !errors.As(err, &ve) || ve.Violations[0].Pointer != "/database/port" {
		t.Fatalf("Read with an invalid override = %v", err)
	}
}

func TestEnvOverrideAmbiguous(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "schema.json"), []byte(`{"properties": {
		"pool_size": {"type": "integer"},
		"pool": {"properties": {"size": {"type": "integer"}}}}}`), 0o600)
	_, err := New(dir, filepath.Join(dir, "b"), WithEnvOverrides("APP"), withEnviron(func() []string { return []string{"APP_POOL_SIZE=3"} }))
	if err == nil || !strings.Contains(err.Error(), "APP_POOL_SIZE could name any of pool.size, pool_size") {
		t.Fatalf("an ambiguous variable = %v", err)
	}
	if _, err := New(dir, filepath.Join(dir, "b"), WithEnvOverrides("APP"), WithoutSchema()); err == nil {
		t.Fatal("WithEnvOverrides without a schema was accepted")
	}
}
