//go:build unix

package configmgr_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// within runs fn and fails the test if it has not returned after 5s: the
// calls below must not block, and a hang must fail the test, not stall it.
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s blocked", what)
		return nil
	}
}

// TestNonFilesWhereConfigBelongs: a FIFO, or a symlink to a device, where
// a config or the schema belongs is refused at once, with the lock never
// held for long; other environments go on working.
func TestNonFilesWhereConfigBelongs(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	fifo := filepath.Join(configDir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(configDir, "zero.json")); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"fifo", "zero"} {
		err := within(t, "Read of "+env, func() error { _, err := m.Read(env); return err })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Read(%s) = %v; want a refusal naming a non-regular file", env, err)
		}
		err = within(t, "Update of "+env, func() error { return m.Update(env, map[string]any{"a": 1}) })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Update(%s) = %v; want a refusal naming a non-regular file", env, err)
		}
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 9}}); err != nil {
		t.Fatalf("another environment after the refusals: %v", err)
	}
	os.Remove(filepath.Join(configDir, "schema.json"))
	if err := syscall.Mkfifo(filepath.Join(configDir, "schema.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := within(t, "New with a FIFO schema", func() error {
		_, err := configmgr.New(configDir, t.TempDir())
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("New with a FIFO for schema.json = %v", err)
	}
}

// TestSizeCheckedBeforeReading: a 1 GiB file (sparse, so it costs no
// disk) is refused by its size, before it is read: the call allocates
// next to nothing.
func TestSizeCheckedBeforeReading(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	path := filepath.Join(configDir, "huge.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = m.Read("huge")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, configmgr.ErrTooLarge) {
		t.Fatalf("Read of a 1 GiB file = %v; want ErrTooLarge", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("refusing a 1 GiB file allocated %d bytes; want it refused before reading", alloc)
	}
}

// TestLockSymlinkRefused: a symlink planted at an environment's lock file
// is not followed: the write fails, naming the lock file, and nothing is
// created where the link points.
func TestLockSymlinkRefused(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	target := filepath.Join(t.TempDir(), "created-by-the-writer")
	if err := os.Symlink(target, filepath.Join(configDir, ".dev.lock")); err != nil {
		t.Fatal(err)
	}
	err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}})
	if err == nil || !strings.Contains(err.Error(), ".dev.lock") || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Update with a symlinked lock file = %v; want a refusal naming the lock file", err)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Fatal("the writer created the file the planted link points to")
	}
	if err := syscall.Mkfifo(filepath.Join(configDir, ".staging.lock"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = within(t, "Update with a FIFO lock file", func() error { return m.Update("staging", map[string]any{"cache": map[string]any{"ttl": 1}}) })
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Update with a FIFO lock file = %v", err)
	}
}

// TestBackupSymlinksRefused: a symlink planted in the backup directory
// under a backup's name is not a backup on any path: Backups hides it, and
// ReadBackup, Restore and Diff report it not found, showing and restoring
// nothing.
func TestBackupSymlinksRefused(t *testing.T) {
	m, configDir, backupDir := newManager(t, true)
	private := filepath.Join(t.TempDir(), "private.json")
	dev := readFile(t, filepath.Join(configDir, "dev.json"))
	os.WriteFile(private, []byte(strings.Replace(dev, "dev_password", "hunter2-SECRET-private", 1)), 0o600)
	id := "20240101_000000.000000000Z"
	os.MkdirAll(backupDir, 0o700)
	if err := os.Symlink(private, filepath.Join(backupDir, "dev.json.backup_"+id)); err != nil {
		t.Fatal(err)
	}
	if bs, err := m.Backups("dev"); err != nil || len(bs) != 0 {
		t.Fatalf("Backups = %v, %v; want the link hidden", bs, err)
	}
	ctx := context.Background()
	if _, err := m.Store().(configmgr.HistoryStore).ReadBackup(ctx, "dev", id); !errors.Is(err, configmgr.ErrNotFound) {
		t.Errorf("ReadBackup of a link = %v; want ErrNotFound", err)
	}
	if err := m.Restore("dev", id); !errors.Is(err, configmgr.ErrNotFound) {
		t.Errorf("Restore of a link = %v; want ErrNotFound", err)
	}
	if _, err := m.Diff("dev", id, ""); !errors.Is(err, configmgr.ErrNotFound) {
		t.Errorf("Diff with a link = %v; want ErrNotFound", err)
	}
	if got := readFile(t, filepath.Join(configDir, "dev.json")); got != dev {
		t.Fatal("the config changed")
	}
}

// TestSetSchemaRemovesLeftovers: the temporary files of an interrupted
// SetSchema (or of a Migrate that sets the schema) are removed by the next.
func TestSetSchemaRemovesLeftovers(t *testing.T) {
	m, configDir, backupDir := newManager(t, true)
	os.MkdirAll(backupDir, 0o700)
	left := []string{
		filepath.Join(configDir, ".schema.json.tmp-123456"),
		filepath.Join(backupDir, ".schema.json.backup_20240101_000000.000000000Z.tmp-654321"),
	}
	for _, p := range left {
		os.WriteFile(p, []byte("{"), 0o600)
	}
	if err := m.SetSchema([]byte(readFile(t, filepath.Join(configDir, "schema.json")))); err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is left", p)
		}
	}
}

// TestOwnerKept: a write by another user (here root) keeps the owner and
// group of the file it replaces, so that the service that owns its config
// can still read it: a nobody:nogroup 0640 config stays so.
func TestOwnerKept(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user; CI runs as root")
	}
	m, configDir, _ := newManager(t, true)
	path := filepath.Join(configDir, "dev.json")
	const nobody = 65534
	if err := os.Chown(path, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o640)
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != nobody || st.Gid != nobody || fi.Mode().Perm() != 0o640 {
		t.Fatalf("after root's update: %d:%d %v; want %d:%d 0640", st.Uid, st.Gid, fi.Mode().Perm(), nobody, nobody)
	}
}
