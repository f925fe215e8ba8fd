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
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
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
	padSize, _ := pad.Seek(0, 1)
	// Free the disk a little at a time, so that writes fail at different
	// steps: the backup, the new file, the rename.
	var fails, oks int
	for i := 0; padSize > 0 && oks < 5; i++ {
		padSize = max(padSize-256, 0)
		if err := pad.Truncate(padSize); err != nil {
			t.Fatal(err)
		}
		err := m.Update("dev", map[string]any{"database": map[string]any{"host": fmt.Sprintf("host-%d-%s", i, strings.Repeat("x", 100))}})
		cur, _ := os.ReadFile(filepath.Join(dir, "dev.json"))
		if err != nil {
			fails++
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("a write on a full disk failed with %v; want ENOSPC in the chain", err)
			}
			if string(cur) != lastGood {
				t.Fatalf("the failed write changed the configuration")
			}
		} else {
			oks++
			lastGood = string(cur)
		}
		if _, err := m.Read("dev"); err != nil {
			t.Fatalf("after write %d (%v) the configuration does not read: %v", i, err, err)
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
	}
	t.Logf("%d writes failed with ENOSPC, %d succeeded as space was freed", fails, oks)
	if fails == 0 || oks == 0 {
		t.Fatalf("want both failed and successful writes; got %d and %d", fails, oks)
	}
	pad.Close()
	os.Remove(filepath.Join(dir, "padding"))
	if err := m.Update("dev", map[string]any{"database": map[string]any{"host": "after"}}); err != nil {
		t.Fatalf("a write after freeing space failed: %v", err)
	}
}
