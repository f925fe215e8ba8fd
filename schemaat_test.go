package configmgr_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

func TestSchemaAt(t *testing.T) {
	schema := `{"type":"object","$defs":{"port":{"type":"integer","description":"the port","maximum":65535}},
	  "properties":{"db":{"type":"object","properties":{"port":{"$ref":"#/$defs/port","default":5432}}},
	    "features":{"type":"object","additionalProperties":{"type":"boolean"}}}}`
	m, err := configmgr.Open(storetest.NewMemStore(), configmgr.WithSchema([]byte(schema)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.SchemaAt("/db/port")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"type": "integer", "description": "the port", "default": json.Number("5432"), "maximum": json.Number("65535")} {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("SchemaAt(/db/port)[%q] = %#v, want %#v (whole: %v)", k, got[k], want, got)
		}
	}
	if got, err := m.SchemaAt("/features/beta"); err != nil || got["type"] != "boolean" {
		t.Errorf("SchemaAt(/features/beta) = %v, %v; want the additionalProperties schema", got, err)
	}
	if _, err := m.SchemaAt("/db/port/x"); !errors.Is(err, configmgr.ErrNotFound) {
		t.Errorf("SchemaAt below an integer: %v, want ErrNotFound", err)
	}
	bare, err := configmgr.Open(storetest.NewMemStore(), configmgr.WithoutSchema())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.SchemaAt(""); !errors.Is(err, configmgr.ErrNotFound) {
		t.Errorf("SchemaAt without a schema: %v, want ErrNotFound", err)
	}
}

func TestParseValue(t *testing.T) {
	m, _, _ := newManager(t, true)
	for _, c := range []struct {
		pointer, text string
		want          any
	}{
		{"/database/port", "6543", json.Number("6543")},
		{"/database/host", "6543", "6543"},
		{"/cache/enabled", "false", false},
		{"/features/beta", "true", true},
		{"/database", `{"host":"h"}`, map[string]any{"host": "h"}},
		{"/unknown", "42", "42"}, // the schema gives no type: a string
	} {
		got, err := m.ParseValue(c.pointer, c.text)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseValue(%q, %q) = %#v, %v; want %#v", c.pointer, c.text, got, err, c.want)
		}
	}
	_, err := m.ParseValue("/database/port", "hunter2-SECRET")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("ParseValue of a non-number for an integer: %v; want an error that does not quote the value", err)
	}
}

func TestValidateWritesNothing(t *testing.T) {
	m, configDir, backupDir := newManager(t, true)
	before := readFile(t, filepath.Join(configDir, "dev.json"))
	backupsBefore, _ := os.ReadDir(backupDir)
	doc, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(doc); err != nil {
		t.Errorf("Validate of a stored document: %v", err)
	}
	doc["database"].(map[string]any)["port"] = 70000
	var ve *configmgr.ValidationError
	if err := m.Validate(doc); !errors.As(err, &ve) || len(ve.Violations) != 1 || ve.Violations[0].Pointer != "/database/port" {
		t.Errorf("Validate with port 70000: %v; want one violation at /database/port", err)
	}
	if err := m.Validate([]int{1}); !errors.Is(err, configmgr.ErrNotObject) {
		t.Errorf("Validate of an array: %v; want ErrNotObject", err)
	}
	if got := readFile(t, filepath.Join(configDir, "dev.json")); got != before {
		t.Error("Validate changed the stored document")
	}
	if after, _ := os.ReadDir(backupDir); len(after) != len(backupsBefore) {
		t.Errorf("Validate made a backup: %d entries, %d before", len(after), len(backupsBefore))
	}
}

func TestCompareRedactsSecrets(t *testing.T) {
	m, _, _ := newManager(t, true)
	old, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	new, _ := m.Read("dev")
	db := new["database"].(map[string]any)
	db["password"] = "hunter2-SECRET"
	db["port"] = json.Number("6543")
	delete(new, "logging")
	got := m.Compare(old, new)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	text := strings.Join(lines, "\n")
	if strings.Contains(text, "hunter2") || len(got) != 3 {
		t.Fatalf("Compare = %s; want three changes, the password redacted", text)
	}
	if got[0].Pointer != "/database/password" || got[0].New != configmgr.Redacted || got[1].Pointer != "/database/port" || got[2].Kind != "removed" {
		t.Errorf("Compare = %s", text)
	}
}

func TestMigrateProgress(t *testing.T) {
	m, _, _ := newManager(t, true)
	dst := storetest.NewMemStore()
	var calls []string
	progress := configmgr.WithProgress(func(env string, done, total int) {
		calls = append(calls, env+":"+strings.Repeat("#", done)+strings.Repeat(".", total-done))
	})
	for range 2 { // a copy, then a run that finds everything in place
		calls = nil
		if _, err := configmgr.Migrate(context.Background(), dst, m.Store(), progress); err != nil {
			t.Fatal(err)
		}
		want := []string{"dev:#..", "production:##.", "staging:###"}
		if !reflect.DeepEqual(calls, want) {
			t.Errorf("progress calls %q, want %q", calls, want)
		}
	}
}
