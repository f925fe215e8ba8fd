package configmgr

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func copySchema(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile("testdata/config/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "schema.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

const devDoc = `{"environment": "development", "database": {"host": "h", "port": 1, "name": "n", "username": "u", "password": "p"}, "logging": {"level": "INFO"}}`

// leftovers lists the temporary files in dirs.
func leftovers(dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// TestWriteFaults fails each step of the write path in turn and checks
// that the configuration keeps its old content (up to the rename), that no
// temporary file is left, and that the next write works.
func TestWriteFaults(t *testing.T) {
	steps := []string{"create", "write", "chown", "chmod", "sync", "close", "rename", "syncdir"}
	// The backup is a hard link where one can be made, and a copy where not
	// (the copy's steps are tried with the link failing first).
	all := []string{"backup:link+syncsrc", "backup:link+syncdir"}
	for _, s := range steps {
		if s != "chown" { // a backup copy is a new file: it has no owner to keep
			all = append(all, "backup:copy+"+s)
		}
		all = append(all, "config:"+s)
	}
	for _, step := range all {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			copySchema(t, dir)
			bdir := filepath.Join(dir, "backups")
			var fail string
			injected := errors.New("injected fault")
			m, err := New(dir, bdir, WithFileOptions(withFaults(func(s string) error {
				prefix, rest, _ := strings.Cut(fail, ":")
				how, last, ok := strings.Cut(rest, "+")
				switch {
				case !ok && s == fail:
					return injected
				case ok && how == "copy" && s == "backup:link":
					return errors.New("no hard links here")
				case ok && s == prefix+":"+last:
					return injected
				}
				return nil
			})))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := m.Write("dev", []byte(devDoc)); err == nil {
				t.Fatal("Write of []byte succeeded; it encodes to a JSON string")
			}
			if err := m.Write("dev", jsonRaw(devDoc)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "dev.json")
			// The document as an editor leaves it (another size than the
			// one written): the backup syncs it (see takeBackup).
			if err := os.WriteFile(path, []byte(devDoc+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(path)

			fail = step
			err = m.Update("dev", map[string]any{"logging": map[string]any{"level": "ERROR"}})
			if !errors.Is(err, injected) {
				t.Fatalf("Update with %s failing = %v; want the injected fault", step, err)
			}
			after, _ := os.ReadFile(path)
			renamed := step == "config:syncdir"
			if !renamed && string(after) != string(before) {
				t.Fatalf("the configuration changed although %s failed", step)
			}
			if renamed && !strings.Contains(string(after), "ERROR") {
				t.Fatalf("after a failed directory sync the new content should be in place")
			}
			if l := leftovers(dir, bdir); len(l) != 0 {
				t.Fatalf("temporary files left after %s failed: %v", step, l)
			}
			if !renamed {
				if bs, _ := m.Backups("dev"); len(bs) != 0 {
					t.Fatalf("a write that failed at %s left backups: %v", step, bs)
				}
			}
			fail = ""
			if err := m.Update("dev", map[string]any{"logging": map[string]any{"level": "DEBUG"}}); err != nil {
				t.Fatalf("the write after the fault failed: %v", err)
			}
			if _, err := m.Read("dev"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestBackupSyncsOnlyFilesNotWrittenHere: the backup of a document syncs
// the old file (backup:syncsrc) unless this store wrote that very file;
// after an edit by hand, in place or by rename, it syncs it again.
func TestBackupSyncsOnlyFilesNotWrittenHere(t *testing.T) {
	dir := t.TempDir()
	copySchema(t, dir)
	syncs := 0
	m, err := New(dir, filepath.Join(dir, "backups"), WithFileOptions(withFaults(func(s string) error {
		if s == "backup:syncsrc" {
			syncs++
		}
		return nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	path := filepath.Join(dir, "dev.json")
	update := func(level string, want int, after string) {
		t.Helper()
		syncs = 0
		if err := m.Update("dev", map[string]any{"logging": map[string]any{"level": level}}); err != nil {
			t.Fatal(err)
		}
		if syncs != want {
			t.Fatalf("after %s, the Update synced the old file %d times; want %d", after, syncs, want)
		}
	}
	if err := m.Write("dev", jsonRaw(devDoc)); err != nil {
		t.Fatal(err)
	}
	update("ERROR", 0, "a Write of this store")
	update("INFO", 0, "an Update of this store")
	if err := os.WriteFile(path, []byte(devDoc+"\n\n"), 0o600); err != nil { // in place
		t.Fatal(err)
	}
	update("ERROR", 1, "an edit in place")
	update("INFO", 0, "an Update of this store")
	other := filepath.Join(dir, "edited")
	if err := os.WriteFile(other, []byte(devDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil { // as most editors save
		t.Fatal(err)
	}
	update("ERROR", 1, "an edit by rename")
}

type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// TestTempFilesCleanedUp: temporary files left by a writer that died are
// removed by the next write of the same environment, and only of it.
func TestTempFilesCleanedUp(t *testing.T) {
	dir := t.TempDir()
	copySchema(t, dir)
	bdir := filepath.Join(dir, "b")
	m, err := New(dir, bdir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Write("dev", jsonRaw(devDoc))
	m.Write("dev.json", jsonRaw(devDoc))
	stale := []string{
		filepath.Join(dir, ".dev.json.tmp-w"), // the one temporary file of dev's writes
		filepath.Join(bdir, ".dev.json.backup_20240120_100000.tmp-9"),
	}
	keep := []string{
		filepath.Join(dir, ".dev.json.json.tmp-5"), // belongs to env "dev.json"
		filepath.Join(dir, "notes.tmp-1"),
	}
	for _, p := range append(stale, keep...) {
		os.WriteFile(p, []byte("partial"), 0o600)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived the next write", p)
		}
	}
	// A symlink planted as the temporary file is removed, never written
	// through.
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, []byte("untouched"), 0o600)
	if err := os.Symlink(outside, stale[0]); err != nil {
		t.Fatal(err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 5}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(outside); string(got) != "untouched" {
		t.Errorf("the write went through a planted symlink: %q", got)
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}
