package configmgr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFull runs writes on a tiny tmpfs until the disk is full, and
// checks that a failed write leaves the configuration and its backups whole
// and that writes work again once there is room.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v); the write path's failures are covered by TestWriteFaults", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	copySchema(t, dir)
	bdir := filepath.Join(dir, "b")
	m, err := New(dir, bdir, WithBackups(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Write("dev", jsonRaw(devDoc)); err != nil {
		t.Fatal(err)
	}
	// Fill the disk with padding, leaving less than one document of room.
	pad, err := os.Create(filepath.Join(dir, "padding"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 512)
	for {
		if _, err := pad.Write(chunk); err != nil {
			break
		}
	}
	pad.Sync()
	b0, _ := os.ReadFile(filepath.Join(dir, "dev.json"))
	lastGood := string(b0)
	var failed error
	for i := range 200 {
		err := m.Update("dev", map[string]any{"database": map[string]any{"host": fmt.Sprintf("host-%d-%s", i, strings.Repeat("x", 100))}})
		if err != nil {
			failed = err
			t.Logf("write %d failed: %v", i, err)
			break
		}
		b, _ := os.ReadFile(filepath.Join(dir, "dev.json"))
		lastGood = string(b)
	}
	if failed == nil {
		t.Fatal("200 writes fitted in a full 64 KiB tmpfs")
	}
	if !errors.Is(failed, syscall.ENOSPC) {
		t.Fatalf("a write on a full disk failed with %v; want ENOSPC in the chain", failed)
	}
	cfg, err := m.Read("dev")
	if err != nil {
		t.Fatalf("after ENOSPC the configuration does not read: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dev.json")); string(b) != lastGood {
		t.Fatal("the failed write changed the configuration")
	}
	if cfg["environment"] != "development" {
		t.Fatalf("Read after ENOSPC = %v", cfg)
	}
	bs, _ := m.Backups("dev")
	for _, b := range bs {
		data, err := os.ReadFile(filepath.Join(bdir, "dev.json.backup_"+b.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseObject(data, b.ID, true); err != nil {
			t.Fatalf("backup %s is damaged: %v", b.ID, err)
		}
	}
	if l := leftovers(dir, bdir); len(l) != 0 {
		t.Fatalf("temporary files left on the full disk: %v", l)
	}
	pad.Close()
	os.Remove(filepath.Join(dir, "padding"))
	if err := m.Update("dev", map[string]any{"database": map[string]any{"host": "after"}}); err != nil {
		t.Fatalf("a write after freeing space failed: %v", err)
	}
}
