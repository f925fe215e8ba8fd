//go:build linux

package configmgr

import (
	"io/fs"
	"syscall"
	"time"
)

// statKey identifies one state of a file as cheaply as a stat can: if any
// of these changed, the content may have.
type statKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

// keyOf returns the file's key and the last time it changed.
func keyOf(fi fs.FileInfo) (statKey, time.Time) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statKey{size: fi.Size(), mtime: fi.ModTime().UnixNano()}, fi.ModTime()
	}
	ctime := time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	return statKey{
		dev:   uint64(st.Dev),
		ino:   uint64(st.Ino),
		size:  st.Size,
		mtime: fi.ModTime().UnixNano(),
		ctime: ctime.UnixNano(),
	}, ctime
}

// writtenKey is the key of a file just written, to know it again later:
// keyOf less the change time, which a rename moves. It reports false for a
// file with no inode number.
func writtenKey(fi fs.FileInfo) (statKey, bool) {
	key, _ := keyOf(fi)
	key.ctime = 0
	return key, key.ino != 0
}
