//go:build !unix

package configmgr

// Flags for opening a file the store reads or locks; the systems without
// FIFOs and O_NOFOLLOW need none.
const (
	oNonBlock = 0
	oNoFollow = 0
)
