package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestQuickstart runs the program in an empty directory and checks what it
// leaves there: two environments, the schema it was given, and backups.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config/dev.json", "config/production.json", "config/schema.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if bs, _ := filepath.Glob(filepath.Join(dir, "backups", "dev.json.backup_*")); len(bs) != 2 {
		t.Errorf("dev has %d backups; want 2", len(bs))
	}
}
