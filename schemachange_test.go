package configmgr_test

import (
	"errors"
	"fmt"
	"github.com/configmgr/configmgr/internal/proctest"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestSetSchemaRacesWrites: SetSchema and a write that the new schema
// refuses, racing in one Manager, never both succeed, and every document
// stays valid under the stored schema (300 trials).
func TestSetSchemaRacesWrites(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	old := readFile(t, filepath.Join(configDir, "schema.json"))
	strict := strings.Replace(old, `"ttl": { "type": "integer", "minimum": 0, "default": 3600 }`, `"ttl": { "type": "integer", "minimum": 0, "maximum": 500, "default": 3600 }`, 1)
	if strict == old {
		t.Fatal("no ttl to restrict")
	}
	both := 0
	for i := range 300 {
		if err := m.SetSchema([]byte(old)); err != nil {
			t.Fatal(err)
		}
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 300}}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var setErr, updErr error
		wg.Add(2)
		go func() { defer wg.Done(); setErr = m.SetSchema([]byte(strict)) }()
		go func() { defer wg.Done(); updErr = m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 900}}) }()
		wg.Wait()
		if setErr == nil && updErr == nil {
			both++
		}
		if _, err := m.Read("dev"); err != nil {
			t.Fatalf("trial %d: after SetSchema (%v) and Update (%v), Read fails: %v", i, setErr, updErr, err)
		}
	}
	if both > 0 {
		t.Fatalf("in %d of 300 trials both the schema and the write it refuses were accepted", both)
	}
}

// TestSetSchemaStaleProcess: a writer in another process, which compiled
// the old schema, cannot store a document that a new schema refuses: the
// store refuses its write, it reloads the schema, and its next write is
// validated against the new one.
func TestSetSchemaStaleProcess(t *testing.T) {
	proctest.SkipShort(t)
	m, configDir, backupDir := newManager(t, true)
	for _, env := range []string{"dev", "staging", "production"} {
		if err := m.Update(env, map[string]any{"cache": map[string]any{"ttl": 0}}); err != nil {
			t.Fatal(err)
		}
	}
	old := readFile(t, filepath.Join(configDir, "schema.json"))
	cmd := proctest.Command("increment", 5000, configDir, backupDir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Wait until it writes, then cap ttl a little above where it is.
	var ttl int64
	for ttl < 20 {
		cfg, err := m.Read("dev")
		if err != nil {
			t.Fatal(err)
		}
		ttl = ttlOf(t, cfg)
	}
	var limit int64
	for attempt := 0; ; attempt++ {
		limit = ttl + 300
		strict := strings.Replace(old, `"ttl": { "type": "integer", "minimum": 0, "default": 3600 }`, fmt.Sprintf(`"ttl": { "type": "integer", "minimum": 0, "maximum": %d, "default": 3600 }`, limit), 1)
		err := m.SetSchema([]byte(strict))
		if err == nil {
			break
		}
		var sce *configmgr.SchemaChangeError
		if !errors.As(err, &sce) || attempt == 20 {
			t.Fatal(err)
		}
		// The writer passed the limit before the schema was set: aim higher.
		cfg, err := m.Read("dev")
		if err != nil {
			t.Fatal(err)
		}
		ttl = ttlOf(t, cfg)
	}
	// The writer goes on until the new schema refuses its write.
	err := cmd.Wait()
	if err == nil || !strings.Contains(stderr.String(), "does not match the schema") {
		t.Fatalf("the stale writer ended with %v: %s", err, stderr.String())
	}
	cfg, err := m.Read("dev")
	if err != nil {
		t.Fatalf("after the stale writer, Read fails: %v", err)
	}
	if got := ttlOf(t, cfg); got != limit {
		t.Fatalf("ttl = %d; want the writer to stop at the new maximum %d", got, limit)
	}
}
