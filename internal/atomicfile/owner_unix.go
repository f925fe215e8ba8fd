//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of prev, the file it replaces,
// where this process may: root keeps both; another user keeps the group if
// it belongs to it. A change it may not make is no error: the file then
// belongs to the writer, as any new file would.
func keepOwner(f *os.File, prev fs.FileInfo) error {
	st, ok := prev.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	uid, gid := int(st.Uid), int(st.Gid)
	if uid == os.Geteuid() && gid == os.Getegid() {
		return nil
	}
	err := f.Chown(uid, gid)
	if errors.Is(err, fs.ErrPermission) {
		err = f.Chown(-1, gid)
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil
	}
	return err
}
