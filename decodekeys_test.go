package configmgr_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
)

// portSchema limits database.port, and leaves other keys free, as most
// schemas do.
const portSchema = `{"type": "object", "properties": {"database": {"type": "object",
  "properties": {"port": {"type": "integer", "maximum": 65535}, "host": {"type": "string"}}}}}`

type portConfig struct {
	Database struct {
		Host string `json:"host"`
		Port int    `json:"port"`
	} `json:"database"`
}

func caseManager(t *testing.T, docs map[string]string) (*configmgr.Manager, string) {
	t.Helper()
	dir := t.TempDir()
	for env, doc := range docs {
		if err := os.WriteFile(filepath.Join(dir, env+".json"), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(portSchema)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, dir
}

// TestLoadKeysMatchExactly: a value reaches a struct field only under the
// exact name the schema validated it under. encoding/json alone would
// decode {"Database": {"Port": 99999}} into database.port, past a schema
// that limits database.port to 65535.
func TestLoadKeysMatchExactly(t *testing.T) {
	for _, tc := range []struct {
		name, doc, key, like string
	}{
		{"parent differs", `{"Database": {"Port": 99999}}`, "Database", "database"},
		{"leaf differs", `{"database": {"Port": 99999}}`, "database.Port", "port"},
		{"upper case", `{"DATABASE": {"port": 99999}}`, "DATABASE", "database"},
		{"both spellings, exact first", `{"database": {"port": 5432}, "Database": {"host": "evil", "port": 99999}}`, "Database", "database"},
		{"both spellings, exact last", `{"Database": {"host": "evil", "port": 99999}, "database": {"port": 5432}}`, "Database", "database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := caseManager(t, map[string]string{"dev": tc.doc})
			if _, err := m.Read("dev"); err != nil {
				t.Fatalf("Read = %v; the schema accepts this document", err)
			}
			var cfg portConfig
			err := m.Load("dev", &cfg)
			var de *configmgr.DecodeError
			if !errors.As(err, &de) || de.Key != tc.key || !strings.Contains(err.Error(), `"`+tc.like+`"`) {
				t.Fatalf("Load = %v; want a *DecodeError for key %q naming %q", err, tc.key, tc.like)
			}
			if strings.Contains(err.Error(), "99999") || strings.Contains(err.Error(), "evil") {
				t.Fatalf("the error quotes a value: %v", err)
			}
			if cfg.Database.Port != 0 || cfg.Database.Host != "" {
				t.Fatalf("Load failed but filled the struct: %+v", cfg)
			}
		})
	}
}

// TestLoadKeysMatchExactlyNested covers the places a struct can sit: under
// a map, in a slice, behind a pointer, and promoted from an embedded
// struct.
func TestLoadKeysMatchExactlyNested(t *testing.T) {
	type db struct {
		Port int `json:"port"`
	}
	type Embedded struct {
		Level string `json:"level"`
	}
	var cfg struct {
		ByName map[string]db `json:"by_name"`
		List   []*db         `json:"list"`
		Ptr    **db          `json:"ptr"`
		Embedded
		Free map[string]any `json:"free"`
	}
	for _, tc := range []struct{ doc, key string }{
		{`{"by_name": {"a": {"port": 1}, "b": {"PORT": 2}}}`, "by_name.b.PORT"},
		{`{"list": [{"port": 1}, {"Port": 2}]}`, "list.1.Port"},
		{`{"ptr": {"pOrt": 2}}`, "ptr.pOrt"},
		{`{"Level": "x"}`, "Level"},
	} {
		m, _ := caseManager(t, map[string]string{"dev": tc.doc})
		var de *configmgr.DecodeError
		if err := m.Load("dev", &cfg); !errors.As(err, &de) || de.Key != tc.key {
			t.Errorf("Load(%s) = %v; want a *DecodeError for key %q", tc.doc, err, tc.key)
		}
	}
	// Keys that name no field, keys of maps and keys under values that
	// decode themselves are free.
	m, _ := caseManager(t, map[string]string{"dev": `{"by_name": {"A": {"port": 1}}, "free": {"Port": 1}, "level": "x", "Other": 1}`})
	if err := m.Load("dev", &cfg); err != nil || cfg.ByName["A"].Port != 1 || cfg.Level != "x" {
		t.Fatalf("Load = %v, %+v", err, cfg)
	}
	var raw struct {
		Database map[string]any `json:"database"`
	}
	m, _ = caseManager(t, map[string]string{"dev": `{"database": {"Port": 1}}`})
	if err := m.Load("dev", &raw); err != nil || raw.Database["Port"] == nil {
		t.Fatalf("Load into a map = %v, %+v", err, raw)
	}
}

// TestWatchKeysMatchExactly: Watch refuses a first version whose keys
// differ from the struct's only by case, and rejects such a later
// version, keeping the last good one.
func TestWatchKeysMatchExactly(t *testing.T) {
	m, dir := caseManager(t, map[string]string{
		"bad": `{"Database": {"Port": 99999}}`,
		"dev": `{"database": {"port": 5432}}`,
	})
	var de *configmgr.DecodeError
	if _, err := configmgr.Watch[portConfig](t.Context(), m, "bad"); !errors.As(err, &de) || de.Key != "Database" {
		t.Fatalf("Watch of a document with a case-changed key = %v; want a *DecodeError", err)
	}
	l, err := configmgr.Watch[portConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	saveByRename(t, filepath.Join(dir, "dev.json"), `{"database": {"port": 5432}, "Database": {"port": 99999}}`)
	ctx := t.Context()
	v, err := l.Next(ctx)
	if !errors.Is(err, configmgr.ErrRejected) || !errors.As(err, &de) || de.Key != "Database" {
		t.Fatalf("Next after a case-changed key = %v; want ErrRejected with a *DecodeError", err)
	}
	if v.Database.Port != 5432 || l.Latest().Database.Port != 5432 {
		t.Fatalf("the rejected version was applied: %+v", l.Latest())
	}
}

// TestLoadKeysFoldWhereDeclared: an untagged field still takes the key the
// schema declares in another case, as encoding/json users expect; without a
// schema only two spellings of one field are refused.
func TestLoadKeysFoldWhereDeclared(t *testing.T) {
	var untagged struct {
		Database struct {
			Port int
		}
	}
	m, _ := caseManager(t, map[string]string{"dev": `{"database": {"port": 5432}}`})
	if err := m.Load("dev", &untagged); err != nil || untagged.Database.Port != 5432 {
		t.Fatalf("Load into untagged fields of declared keys = %v, %+v", err, untagged)
	}

	dir := t.TempDir()
	for env, doc := range map[string]string{"one": `{"Database": {"Port": 1}}`, "two": `{"database": {"port": 1}, "Database": {"port": 2}}`} {
		if err := os.WriteFile(filepath.Join(dir, env+".json"), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	free, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithoutSchema())
	if err != nil {
		t.Fatal(err)
	}
	defer free.Close()
	var cfg portConfig
	if err := free.Load("one", &cfg); err != nil || cfg.Database.Port != 1 {
		t.Fatalf("Load without a schema = %v, %+v", err, cfg)
	}
	var de *configmgr.DecodeError
	if err := free.Load("two", &cfg); !errors.As(err, &de) || de.Key != "Database" {
		t.Fatalf("Load of two spellings without a schema = %v; want a *DecodeError", err)
	}
}
