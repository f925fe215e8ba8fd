package configmgr_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupsSizesFollowFiles: Backups reports each backup's size as its
// file has it, also when it has listed the backup before (and remembers
// its size) and the file was replaced since, or rotated away.
func TestBackupsSizesFollowFiles(t *testing.T) {
	m, _, backupDir := newManager(t, true)
	for i := range 3 {
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": i}}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) map[string]int64 {
		t.Helper()
		bs, err := m.Backups("dev")
		if err != nil {
			t.Fatal(err)
		}
		sizes := map[string]int64{}
		for _, b := range bs {
			fi, err := os.Stat(filepath.Join(backupDir, "dev.json.backup_"+b.ID))
			if err != nil {
				t.Fatalf("%s: Backups lists %s: %v", when, b.ID, err)
			}
			if b.Size != fi.Size() {
				t.Fatalf("%s: Backups gives %s %d bytes; the file has %d", when, b.ID, b.Size, fi.Size())
			}
			sizes[b.ID] = b.Size
		}
		return sizes
	}
	first := check("first listing")
	if len(first) != 3 {
		t.Fatalf("%d backups listed, want 3", len(first))
	}
	// Replace one backup by another file under its name, as a copy or a
	// restore from an archive does: a new inode, another size.
	bs, _ := m.Backups("dev")
	path := filepath.Join(backupDir, "dev.json.backup_"+bs[1].ID)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(`{"environment": "development", "note": "`+strings.Repeat("x", 500)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if second := check("after a replacement"); second[bs[1].ID] == first[bs[1].ID] {
		t.Fatalf("the replaced backup is listed with its old size %d", first[bs[1].ID])
	}
	// Backups removed and added since are listed as they are.
	os.Remove(filepath.Join(backupDir, "dev.json.backup_"+bs[0].ID))
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 99}}); err != nil {
		t.Fatal(err)
	}
	third := check("after a removal and a new backup")
	if _, ok := third[bs[0].ID]; ok || len(third) != 3 {
		t.Fatalf("after removing %s and one more Update, Backups lists %v", bs[0].ID, third)
	}
}
