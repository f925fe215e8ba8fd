//go:build !linux

package configmgr

import (
	"io/fs"
	"time"
)

// statKey identifies one state of a file as cheaply as a stat can: if any
// of these changed, the content may have.
type statKey struct {
	size  int64
	mtime int64
}

// keyOf returns the file's key and the last time it changed.
func keyOf(fi fs.FileInfo) (statKey, time.Time) {
	return statKey{size: fi.Size(), mtime: fi.ModTime().UnixNano()}, fi.ModTime()
}

// writtenKey would be the key of a file just written, to know it again
// later; without inode numbers a file cannot be told from one that replaced
// it, so it reports false.
func writtenKey(fi fs.FileInfo) (statKey, bool) { return statKey{}, false }
