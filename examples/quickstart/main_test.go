package main

import (
	"path/filepath"
	"testing"
)

func TestQuickstart(t *testing.T) {
	root := t.TempDir()
	configDir := filepath.Join(root, "config")
	if err := copyDir(sampleDir(), configDir); err != nil {
		t.Fatal(err)
	}
	if err := run(configDir, filepath.Join(root, "backups")); err != nil {
		t.Fatal(err)
	}
}
