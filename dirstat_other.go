//go:build !linux

package configmgr

import (
	"context"
	"os"
	"path/filepath"
)

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
