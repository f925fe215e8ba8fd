package configmgr_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// fillDisk moves the two directories onto a 64 KiB tmpfs and fills it.
func fillDisk(t *testing.T, configDir, backupDir string) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v); TestDiskFull and TestWriteFaults cover the write path", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	for _, d := range []string{configDir, backupDir} {
		tmp := filepath.Join(mnt, filepath.Base(d))
		os.Mkdir(tmp, 0o700)
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(d, e.Name()))
			os.WriteFile(filepath.Join(tmp, e.Name()), data, 0o600)
		}
		os.RemoveAll(d)
		if err := os.Symlink(tmp, d); err != nil {
			t.Fatal(err)
		}
	}
	pad, err := os.Create(filepath.Join(mnt, "padding"))
	if err != nil {
		t.Fatal(err)
	}
	defer pad.Close()
	chunk := make([]byte, 512)
	for {
		if _, err := pad.Write(chunk); err != nil {
			return
		}
	}
}
