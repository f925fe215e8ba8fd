//go:build unix

package configmgr_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/configmgr/configmgr"
)

// withUmask runs fn with the process umask set to mask.
func withUmask(t *testing.T, mask int, fn func()) {
	t.Helper()
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

// privateFiles checks every file and directory in the directories dirs
// (which the store writes in): files 0600, directories 0700.
func privateFiles(t *testing.T, root string, dirs map[string]bool) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !dirs[filepath.Dir(path)] {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v; want %v", path, fi.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d files checked", n)
	}
}

// TestFileModesUnderUmask: every file the file store creates (configs,
// backups, lock files, the schema and its backup) is 0600 and every
// directory it creates 0700, under umask 022 and umask 0.
func TestFileModesUnderUmask(t *testing.T) {
	schema, _ := os.ReadFile("testdata/config/schema.json")
	for _, mask := range []int{0o022, 0} {
		withUmask(t, mask, func() {
			root := t.TempDir()
			configDir := filepath.Join(root, "config")
			if err := os.Mkdir(configDir, 0o755); err != nil {
				t.Fatal(err)
			}
			backupDir := filepath.Join(root, "state", "backups")
			m, err := configmgr.New(configDir, backupDir, configmgr.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := m.Write("dev", validConfig()); err != nil {
				t.Fatal(err)
			}
			if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 5}}); err != nil {
				t.Fatal(err)
			}
			if err := m.SetSchema(schema); err != nil {
				t.Fatal(err)
			}
			// state/ and state/backups are the store's; config/ is the test's.
			privateFiles(t, root, map[string]bool{root: false, configDir: true, backupDir: true, filepath.Dir(backupDir): true})
			if fi, err := os.Stat(filepath.Dir(backupDir)); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("the parent of the backup directory New made: %v, %v; want 0700", fi.Mode(), err)
			}
		})
	}
}
