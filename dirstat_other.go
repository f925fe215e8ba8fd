//go:build !linux

package configmgr

import (
	"context"
	"os"
	"path/filepath"
)

// eachEntry calls fn with each entry of dir: its name, whether it is a
// regular file (not following a symlink) and its inode number, which is 0
// here: this platform's listing does not give it.
func eachEntry(dir string, fn func(name []byte, regular bool, ino uint64)) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	entries, err := d.ReadDir(-1) // unsorted: no order is needed
	d.Close()
	if err != nil {
		return err
	}
	for _, e := range entries {
		fn([]byte(e.Name()), e.Type().IsRegular(), 0)
	}
	return nil
}

// sizesIn returns the sizes of the regular files names in dir, -1 for
// one that is gone or is not a regular file, and honours ctx every 256
// files.
func sizesIn(ctx context.Context, dir string, names []string) ([]int64, error) {
	sizes := make([]int64, len(names))
	for i, name := range names {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		sizes[i] = -1
		if fi, err := os.Lstat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			sizes[i] = fi.Size()
		}
	}
	return sizes, nil
}
