package sqlite_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

// The tests here mount small tmpfs file systems, which needs Linux and
// root; elsewhere they skip.

// TestMigrateDiskFull migrates onto a database on a tiny tmpfs: the copy
// fails with the disk full, and no environment is left half copied.
func TestMigrateDiskFull(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v)", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	srcDir := t.TempDir()
	src := fileStore(t, srcDir)
	src.SetSchema(ctx, []byte(`{"type": "object"}`))
	big := `{"blob": "` + strings.Repeat("x", 20000) + `"}`
	for i := range 30 {
		env := fmt.Sprintf("env%02d", i)
		os.WriteFile(filepath.Join(srcDir, "config", env+".json"), []byte(big), 0o600)
		for j := range 2 {
			id := fmt.Sprintf("20240120_1000%02d", j)
			os.WriteFile(filepath.Join(srcDir, "backups", env+".json.backup_"+id), []byte(big), 0o600)
		}
	}
	db, err := sqlite.Open(filepath.Join(dir, "config.db"), sqlite.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := configmgr.Migrate(ctx, db, src)
	if err == nil {
		t.Fatal("migrating 1.8 MB onto 256 KiB succeeded")
	}
	if !strings.Contains(err.Error(), "full") {
		t.Fatalf("Migrate on a full disk = %v", err)
	}
	t.Logf("copied %d environments before: %v", len(r.Copied), err)
	envs, err := db.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != len(r.Copied) {
		t.Fatalf("the database lists %d environments; the report copied %d", len(envs), len(r.Copied))
	}
	for _, env := range envs {
		bs, _ := db.Backups(ctx, env)
		if len(bs) != 2 {
			t.Fatalf("%s was copied with %d of its 2 backups", env, len(bs))
		}
	}
	var check string
	rawDB(t, filepath.Join(dir, "config.db")).QueryRow(`PRAGMA integrity_check`).Scan(&check)
	if check != "ok" {
		t.Fatalf("integrity_check = %q", check)
	}
}

// TestReadOnlyFileSystem opens a database on a file system mounted
// read-only: reads work, writes fail with ErrReadOnly.
func TestReadOnlyFileSystem(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v); TestReadOnly covers WithReadOnly", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	src := sampleDB(t)
	path := filepath.Join(dir, "config.db")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// Checkpointed by Close, the database is whole in its main file.
	os.WriteFile(path, data, 0o600)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, "size=1m"); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	m, err := sqlite.New(path)
	if err != nil {
		t.Fatalf("New on a read-only file system = %v", err)
	}
	defer m.Close()
	if _, err := m.Read("dev"); err != nil {
		t.Fatalf("Read = %v", err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Fatalf("Update on a read-only file system = %v; want ErrReadOnly", err)
	}
}

// TestWriteAfterDiskFull fills the file system under a database: the
// Update that does not fit fails, leaving the document as it was, and,
// once there is room again, the next Update goes through on the same
// Manager (the write connection is not left inside a dead transaction).
func TestWriteAfterDiskFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v)", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	data, err := os.ReadFile(sampleDB(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.db")
	os.WriteFile(path, data, 0o600)
	m, err := sqlite.New(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	before, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for _, err = f.Write(make([]byte, 4096)); err == nil; _, err = f.Write(make([]byte, 4096)) {
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the tmpfs ended with %v", err)
	}
	big := map[string]any{"features": map[string]any{}}
	for i := range 4000 {
		big["features"].(map[string]any)[fmt.Sprintf("feature_with_a_long_name_%04d", i)] = true
	}
	if err := m.Update("dev", big); err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("an Update of 150 KB on a full disk = %v; want the disk full", err)
	}
	if after, err := m.Read("dev"); err != nil || !reflect.DeepEqual(after, before) {
		t.Fatalf("after the failed Update, Read = %v, %v; want it unchanged", after, err)
	}
	os.Remove(filler)
	if err := m.Update("dev", big); err != nil {
		t.Fatalf("the Update once there is room = %v", err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 7}}); err != nil {
		t.Fatalf("the next Update = %v", err)
	}
	var check string
	rawDB(t, path).QueryRow(`PRAGMA integrity_check`).Scan(&check)
	if check != "ok" {
		t.Fatalf("integrity_check = %q", check)
	}
}
