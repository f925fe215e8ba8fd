//go:build unix

package configmgr

import "syscall"

// Flags for opening a file the store reads or locks: never wait on a FIFO
// or device (O_NONBLOCK), and never follow a planted symlink (O_NOFOLLOW).
const (
	oNonBlock = syscall.O_NONBLOCK
	oNoFollow = syscall.O_NOFOLLOW
)
