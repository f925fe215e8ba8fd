package sqlite_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

// goRun runs `go run args...` from the module, with the race detector if
// this test runs with it and env allows (so that the build cache serves
// it), and returns its output.
func goRun(t *testing.T, env []string, args ...string) string {
	t.Helper()
	if raceEnabled && !slices.Contains(env, "CGO_ENABLED=0") {
		args = append([]string{"-race"}, args...)
	}
	cmd := exec.Command("go", append([]string{"run"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestQuickstartSwap runs the quickstart program twice in empty
// directories: as it is, and with the one line that calls configmgr.New
// changed to sqlite.New (and the import that line needs). Both print the
// same, and the second leaves a database and no JSON file.
func TestQuickstartSwap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs with the go command; skipped in -short")
	}
	src, err := os.ReadFile("../examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	const fileLine = `m, err := configmgr.New(configDir, filepath.Join(dir, "backups"), configmgr.WithSchema(schema))`
	const sqliteLine = `m, err := sqlite.New(filepath.Join(dir, "config.db"), sqlite.WithCreate(), configmgr.WithSchema(schema))`
	if strings.Count(string(src), "configmgr.New(") != 1 || !strings.Contains(string(src), fileLine) {
		t.Fatalf("the quickstart no longer calls configmgr.New once, as %s", fileLine)
	}
	swapped := strings.Replace(string(src), fileLine, sqliteLine, 1)
	swapped = strings.Replace(swapped, "\t\"github.com/configmgr/configmgr\"\n", "\t\"github.com/configmgr/configmgr\"\n\t\"github.com/configmgr/configmgr/sqlite\"\n", 1)
	prog := t.TempDir()
	schema, err := os.ReadFile("../examples/quickstart/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"main.go": []byte(swapped), "schema.json": schema} {
		if err := os.WriteFile(filepath.Join(prog, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	filesDir, sqliteDir := t.TempDir(), t.TempDir()
	want := goRun(t, nil, "../examples/quickstart", "-dir", filesDir)
	got := goRun(t, nil, filepath.Join(prog, "main.go"), "-dir", sqliteDir)
	if got != want {
		t.Fatalf("with SQLite the quickstart printed\n%s\nwith files\n%s", got, want)
	}
	if fi, err := os.Stat(filepath.Join(sqliteDir, "config.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the database: %v, %v; want a 0600 file", fi, err)
	}
	if js, _ := filepath.Glob(filepath.Join(sqliteDir, "config", "*.json")); len(js) != 0 {
		t.Fatalf("the SQLite run wrote JSON files: %v", js)
	}
	// The database keeps the schema it was given: a later open needs no option.
	m, err := sqlite.New(filepath.Join(sqliteDir, "config.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if envs, err := m.Environments(); err != nil || strings.Join(envs, ",") != "dev,production" {
		t.Fatalf("Environments = %v, %v", envs, err)
	}
}

// TestNewOptions: sqlite.New takes this package's options and the
// Manager's in one list; the root constructors refuse this package's.
func TestNewOptions(t *testing.T) {
	schema, err := os.ReadFile("../testdata/config/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.db")
	if _, err := sqlite.New(path); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "WithCreate") {
		t.Fatalf("New of a missing database = %v; want ErrNotExist and a word on WithCreate", err)
	}
	m, err := sqlite.New(path, sqlite.WithCreate(), configmgr.WithSchema(schema), sqlite.WithSynchronous("normal"), configmgr.WithBackups(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Write("dev", sampleConfig(t)); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 7}}); err != nil {
			t.Fatal(err)
		}
	}
	if bs, err := m.Backups("dev"); err != nil || len(bs) != 2 {
		t.Fatalf("WithBackups(2) through sqlite.New: %d backups, %v", len(bs), err)
	}
	m.Close()

	for name, open := range map[string]func() error{
		"configmgr.New": func() error {
			_, err := configmgr.New(dir, filepath.Join(dir, "backups"), sqlite.WithCreate())
			return err
		},
		"configmgr.Open": func() error {
			s, err := sqlite.Open(path)
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = configmgr.Open(s, sqlite.WithReadOnly())
			return err
		},
	} {
		err := open()
		want := "sqlite.WithCreate"
		if name == "configmgr.Open" {
			want = "sqlite.WithReadOnly"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s with a sqlite option = %v; want an error naming %s", name, err, want)
		}
	}
}

// sampleConfig returns testdata/config/dev.json, to Write.
func sampleConfig(t *testing.T) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile("../testdata/config/dev.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}
