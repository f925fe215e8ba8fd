//go:build unix

package sqlite_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

// TestFileModes: a new database, and its -wal and -shm files, are 0600
// under umask 022 and umask 0, whether made empty or from files; an
// existing database keeps its mode, and its -wal and -shm files take it.
func TestFileModes(t *testing.T) {
	schema, err := os.ReadFile("../testdata/config/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	modes := func(path string) map[string]fs.FileMode {
		out := map[string]fs.FileMode{}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if fi, err := os.Stat(path + suffix); err == nil {
				out[suffix] = fi.Mode().Perm()
			}
		}
		return out
	}
	check := func(t *testing.T, m *configmgr.Manager, path string, want fs.FileMode) {
		t.Helper()
		if err := m.Write("dev", sampleConfig(t)); err != nil {
			t.Fatal(err)
		}
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); err != nil {
			t.Fatal(err)
		}
		got := modes(path) // while open: the -wal and -shm files exist
		if len(got) != 3 {
			t.Fatalf("files of an open database: %v; want the database, -wal and -shm", got)
		}
		for suffix, mode := range got {
			if mode != want {
				t.Errorf("config.db%s: mode %v; want %v", suffix, mode, want)
			}
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.import-*")); len(left) > 0 {
			t.Errorf("files left behind: %v", left)
		}
	}
	for _, mask := range []int{0o022, 0} {
		old := syscall.Umask(mask)
		t.Run(fmt.Sprintf("umask %03o new", mask), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.db")
			m, err := sqlite.New(path, sqlite.WithCreate(), configmgr.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			check(t, m, path, 0o600)
		})
		t.Run(fmt.Sprintf("umask %03o from files", mask), func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "schema.json"), schema, 0o644)
			path := filepath.Join(dir, "config.db")
			m, err := sqlite.New(path, sqlite.WithCreateFrom(dir, filepath.Join(dir, "backups")))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			check(t, m, path, 0o600)
		})
		t.Run(fmt.Sprintf("umask %03o existing 0640", mask), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.db")
			m, err := sqlite.New(path, sqlite.WithCreate(), configmgr.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			m.Close()
			if err := os.Chmod(path, 0o640); err != nil {
				t.Fatal(err)
			}
			if m, err = sqlite.New(path); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			check(t, m, path, 0o640)
		})
		syscall.Umask(old)
	}
}

// TestOpenRefusesNonFiles: a directory, a FIFO or a device where the
// database should be is refused before SQLite touches the path, with or
// without WithCreate, and nothing is left beside it.
func TestOpenRefusesNonFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir.db")
	os.Mkdir(sub, 0o700)
	for _, path := range []string{fifo, sub, "/dev/null"} {
		for _, opts := range [][]sqlite.Option{nil, {sqlite.WithCreate()}} {
			s, err := sqlite.Open(path, opts...)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", path)
			}
			if want := "not a regular file"; !strings.Contains(err.Error(), want) {
				t.Errorf("Open(%s) = %v; want %q", path, err, want)
			}
			for _, suffix := range []string{"-journal", "-wal", "-shm"} {
				if _, err := os.Lstat(path + suffix); err == nil {
					t.Errorf("Open(%s) left %s%s", path, path, suffix)
				}
			}
		}
	}
}
