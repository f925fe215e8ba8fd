package sqlite_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestErrorTexts pins what a user of the SQLite store sees for the common
// mistakes: the call, the environment, the database, "configmgr:" once,
// and never the store's own verbs.
func TestErrorTexts(t *testing.T) {
	m, path := newManager(t)
	dir := filepath.Dir(path)
	var out bytes.Buffer
	say := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		msg := strings.ReplaceAll(err.Error(), dir, "$DIR")
		if n := strings.Count(msg, "configmgr:") + strings.Count(msg, "sqlite:"); n != 1 {
			t.Errorf("%s: %q has %d prefixes", what, msg, n)
		}
		for _, verb := range []string{" get ", " put ", "read backup"} {
			if strings.Contains(msg, verb) {
				t.Errorf("%s: %q shows the store's verb %q", what, msg, verb)
			}
		}
		fmt.Fprintf(&out, "%s\n\t%s\n", what, msg)
	}
	var cfg map[string]any
	say("Load of a mistyped environment", m.Load("prodution", &cfg))
	say("Update of an environment that does not exist", m.Update("qa", map[string]any{"a": 1}))
	say("Restore of a backup ID that is not one", m.Restore("production", "latest"))
	say("Restore of a backup that does not exist", m.Restore("production", "20240101_000000.000000000Z"))
	say("Write of an invalid document", m.Write("dev", map[string]any{"environment": "dev"}))
	if _, err := rawDB(t, path).Exec(`UPDATE documents SET data = '{"a": 1,}' WHERE env = 'staging'`); err != nil {
		t.Fatal(err)
	}
	say("Load of a document that does not parse", m.Load("staging", &cfg))
	_, err := sqlite.New(filepath.Join(dir, "missing.db"))
	say("New of a missing database", err)
	_, err = configmgr.New(dir, filepath.Join(dir, "backups"), sqlite.WithCreate())
	say("configmgr.New with a sqlite option", err)

	golden := filepath.Join("testdata", "golden", "error_texts.golden")
	if *update {
		os.MkdirAll(filepath.Dir(golden), 0o755)
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run TestErrorTexts -update creates it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("the error texts differ from %s:\n--- got\n%s\n--- want\n%s", golden, out.Bytes(), want)
	}
}
