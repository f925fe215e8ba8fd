//go:build linux

package configmgr

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// eachEntry calls fn with each entry of dir but . and ..: its name (valid
// during the call), whether it is a regular file (not following a
// symlink) and its inode number. It reads the directory with getdents
// itself, since os.ReadDir drops the inode numbers, and so makes no
// string of a name that fn does not keep.
func eachEntry(dir string, fn func(name []byte, regular bool, ino uint64)) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n <= 0 {
			return nil
		}
		// Each record is a struct linux_dirent64: d_ino (8 bytes), d_off
		// (8), d_reclen (2), d_type (1), and the name, NUL-terminated.
		for off := 0; off+19 <= n; {
			reclen := int(binary.NativeEndian.Uint16(buf[off+16:]))
			if reclen < 19 || off+reclen > n {
				return &os.PathError{Op: "readdirent", Path: dir, Err: unix.EIO}
			}
			rec := buf[off : off+reclen]
			off += reclen
			name := rec[19:]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if len(name) == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			var regular bool
			switch rec[18] {
			case unix.DT_REG:
				regular = true
			case unix.DT_UNKNOWN: // a file system that does not say
				var st unix.Stat_t
				regular = unix.Fstatat(fd, string(name), &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG
			}
			fn(name, regular, binary.NativeEndian.Uint64(rec))
		}
	}
}

// sizesIn returns the sizes of the regular files names in dir, -1 for
// one that is gone or is not a regular file. It stats each by its name
// relative to the open directory (one lookup, not a walk of the whole
// path), a long list on two goroutines, and honours ctx every 256 files.
func sizesIn(ctx context.Context, dir string, names []string) ([]int64, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	fd := int(d.Fd())
	sizes := make([]int64, len(names))
	part := func(lo, hi int) error {
		var st unix.Stat_t
		for i := lo; i < hi; i++ {
			if (i-lo)%256 == 255 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			sizes[i] = -1
			if unix.Fstatat(fd, names[i], &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
				sizes[i] = st.Size
			}
		}
		return nil
	}
	if len(names) < 1024 {
		return sizes, part(0, len(names))
	}
	var wg sync.WaitGroup
	var errA error
	half := len(names) / 2
	wg.Go(func() { errA = part(0, half) })
	errB := part(half, len(names))
	wg.Wait()
	if errA != nil {
		return nil, errA
	}
	return sizes, errB
}
