//go:build !linux

package configmgr_test

import "testing"

// fillDisk needs a tmpfs to fill; elsewhere the test is skipped.
func fillDisk(t *testing.T, configDir, backupDir string) {
	t.Skip("filling a disk needs Linux's tmpfs; TestWriteFaults covers the write path")
}
