package configmgr

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// errNotRegular reports something other than a regular file (a FIFO, a
// device, a directory, or a symlink where none may be) where the store
// keeps a file.
var errNotRegular = errors.New("not a regular file")

// readRegular reads the regular file at path, at most limit bytes: it opens
// it without blocking (a FIFO or device would otherwise hang the caller),
// refuses anything but a regular file (and a symlink too, if noFollow),
// refuses a file larger than limit before reading it, and reads no more
// than limit+1 bytes, since the file may grow meanwhile. It returns the
// file's FileInfo too.
func readRegular(path string, limit int64, noFollow bool) ([]byte, fs.FileInfo, error) {
	flags := os.O_RDONLY | oNonBlock
	if noFollow {
		flags |= oNoFollow
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		if noFollow && !errors.Is(err, fs.ErrNotExist) {
			if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
				return nil, nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (a symlink)", errNotRegular)}
			}
		}
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%v)", errNotRegular, fi.Mode().Type())}
	}
	if fi.Size() > limit {
		return nil, nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d (WithMaxSize)", ErrTooLarge, path, fi.Size(), limit)
	}
	data := make([]byte, 0, fi.Size()+1)
	for {
		if int64(len(data)) > limit {
			return nil, nil, fmt.Errorf("%w: %s grew past the limit of %d bytes while it was read (WithMaxSize)", ErrTooLarge, path, limit)
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):min(cap(data), int(limit)+1)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, fi, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}
