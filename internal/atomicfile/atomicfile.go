// Package atomicfile writes files so that readers see either the old or the
// new content, never a mix, and so that the new content survives a crash
// once Write returns: a temporary file in the same directory, fsync,
// rename over the target, fsync of the directory.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempMarker is part of the name of every temporary file: the temporary
// file for dir/name is dir/.name.tmp-<random>.
const TempMarker = ".tmp-"

// Hook, when set, is called before each step of a write with the step's
// name (create, write, chown, chmod, sync, close, rename, syncdir); an error it
// returns fails that step. Tests use it to inject faults.
type Hook func(step string) error

// Write writes data to path atomically and durably, with permission bits
// perm. A file it replaces keeps its owner and group where this process may
// set them (see keepOwner). On error the temporary file is removed and path is left as it was,
// except after a failed directory sync, when path already has the new
// content but it may not survive a crash.
func Write(path string, data []byte, perm fs.FileMode, hook Hook) (err error) {
	return WriteVia(path, "", data, perm, hook, nil)
}

// WriteVia is Write through the temporary file tmp, a name in path's
// directory, rather than a new random one: for a writer that holds a lock
// on path, so that no other writes it at once, and that would otherwise
// have to list the directory to find what an interrupted write left. A
// file already at tmp (left by such a write) is removed first; tmp is
// created exclusively, so a symlink planted there is never followed.
//
// beforeRename, if not nil, is called once the temporary file is durable,
// before it replaces path; if it fails, so does the write, leaving path as
// it was. It is for other files that must be durable before path changes
// (a backup of its old content): their syncs, made after the temporary
// file's, find on a journaling file system the journal committed already,
// and cost little.
func WriteVia(path, tmp string, data []byte, perm fs.FileMode, hook Hook, beforeRename func() error) (err error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	step := func(s string) error {
		if hook != nil {
			return hook(s)
		}
		return nil
	}
	if err := step("create"); err != nil {
		return &fs.PathError{Op: "create", Path: filepath.Join(dir, "."+name+TempMarker+"*"), Err: err}
	}
	f, err := createTemp(dir, name, tmp)
	if err != nil {
		return err
	}
	tmp = f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	if err = step("write"); err == nil {
		_, err = f.Write(data)
	}
	if err != nil {
		return pathError("write", tmp, err)
	}
	if prev, serr := os.Stat(path); serr == nil {
		if err = step("chown"); err == nil {
			err = keepOwner(f, prev)
		}
		if err != nil {
			return pathError("chown", tmp, err)
		}
	}
	if err = step("chmod"); err == nil {
		err = f.Chmod(perm)
	}
	if err != nil {
		return pathError("chmod", tmp, err)
	}
	if err = step("sync"); err == nil {
		err = f.Sync()
	}
	if err != nil {
		return pathError("sync", tmp, err)
	}
	closed = true
	if err = step("close"); err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		return pathError("close", tmp, err)
	}
	if beforeRename != nil {
		if err = beforeRename(); err != nil {
			return err
		}
	}
	if err = step("rename"); err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: tmp, New: path, Err: err}
	}
	if err = step("syncdir"); err == nil {
		err = SyncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRenamed, pathError("sync", dir, err))
	}
	return nil
}

// createTemp creates the temporary file of a write of name in dir: fixed,
// if not "", else a new random name.
func createTemp(dir, name, fixed string) (*os.File, error) {
	if fixed == "" {
		return os.CreateTemp(dir, "."+name+TempMarker+"*")
	}
	p := filepath.Join(dir, fixed)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if err := os.Remove(p); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	}
	return f, err
}

// ErrRenamed marks a failure after the rename: the new content is in place,
// but the directory sync that makes the rename durable failed.
var ErrRenamed = errors.New("new content in place but not synced")

// pathError returns err as an *fs.PathError, adding op and path unless it
// already is one.
func pathError(op, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// SyncDir fsyncs a directory, making the renames and removals in it durable.
func SyncDir(dir string) error { return Sync(dir) }

// Sync fsyncs the file or directory at path.
func Sync(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return pathError("sync", path, err)
	}
	return nil
}

// RemoveTemps removes the temporary files left in dir by interrupted
// writes of files whose names match keep. The caller must hold whatever
// lock keeps other writers of those files away.
func RemoveTemps(dir string, keep func(target string) bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	var errs []error
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, ".") {
			continue
		}
		i := strings.LastIndex(n, TempMarker)
		if i < 0 || !keep(n[1:i]) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
