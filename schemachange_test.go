package configmgr_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
)

func TestSetSchema(t *testing.T) {
	m, configDir, backupDir := newManager(t, true)
	old := readFile(t, filepath.Join(configDir, "schema.json"))

	// A schema that two environments fail is refused, with every failure.
	strict := strings.Replace(old, `"required": ["environment", "database", "logging"]`, `"required": ["environment", "database", "logging", "cache"], "properties2": {}`, 1)
	strict = strings.Replace(strict, `"ttl": { "type": "integer", "minimum": 0, "default": 3600 }`, `"ttl": { "type": "integer", "minimum": 1000, "default": 3600 }`, 1)
	err := m.SetSchema([]byte(strict))
	var sce *configmgr.SchemaChangeError
	if !errors.As(err, &sce) {
		t.Fatalf("SetSchema(stricter) = %v; want *SchemaChangeError", err)
	}
	if len(sce.Failures) != 1 || sce.Failures["dev"] == nil {
		t.Fatalf("failures = %v; want dev (ttl 300 < 1000)", sce.Failures)
	}
	var ve *configmgr.ValidationError
	if !errors.As(sce.Failures["dev"], &ve) || ve.Violations[0].Pointer != "/cache/ttl" {
		t.Fatalf("dev's failure = %v", sce.Failures["dev"])
	}
	if readFile(t, filepath.Join(configDir, "schema.json")) != old {
		t.Fatal("a refused schema was saved")
	}
	if err := m.SetSchema([]byte(`{"type": 5}`)); !errors.Is(err, configmgr.ErrInvalidSchema) {
		t.Fatalf("SetSchema(invalid) = %v", err)
	}

	// A schema every environment meets is saved, the old one backed up,
	// and used from then on.
	looser := strings.Replace(old, `"maximum": 65535`, `"maximum": 9999`, 1)
	if err := m.SetSchema([]byte(looser)); err != nil {
		t.Fatal(err)
	}
	if readFile(t, filepath.Join(configDir, "schema.json")) != looser {
		t.Fatal("the new schema was not saved")
	}
	bs, _ := filepath.Glob(filepath.Join(backupDir, "schema.json.backup_*"))
	if len(bs) != 1 || readFile(t, bs[0]) != old {
		t.Fatalf("schema backups = %v", bs)
	}
	if err := m.Update("dev", map[string]any{"database": map[string]any{"port": 10000}}); !errors.As(err, &ve) {
		t.Fatalf("a write the new schema refuses = %v", err)
	}
	if envs, _ := m.Environments(); len(envs) != 3 {
		t.Fatalf("the schema backup shows up as an environment: %v", envs)
	}
	m2, err := configmgr.New(configDir, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if err := m2.Update("dev", map[string]any{"database": map[string]any{"port": 10000}}); !errors.As(err, &ve) {
		t.Fatalf("a new Manager does not use the new schema: %v", err)
	}
	_ = os.Remove
}

func TestDiff(t *testing.T) {
	m, _, _ := newManager(t, true)
	m.Update("dev", map[string]any{
		"cache":    map[string]any{"ttl": 600, "max_size": nil},
		"features": map[string]any{"new": true},
	})
	bs, _ := m.Backups("dev")
	changes, err := m.Diff("dev", bs[0].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	want := []string{
		"/cache/max_size removed (was 100)",
		"/cache/ttl: 300 -> 600",
		"/features/new added: true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// What a Restore would change is the reverse.
	rev, _ := m.Diff("dev", "", bs[0].ID)
	if len(rev) != 3 || rev[1].String() != "/cache/ttl: 600 -> 300" {
		t.Fatalf("reverse Diff = %v", rev)
	}
	if _, err := m.Diff("dev", "20200101_000000.000000000Z", ""); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("Diff from an unknown backup = %v", err)
	}
}
