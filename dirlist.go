package configmgr

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/configmgr/configmgr/internal/atomicfile"
	"github.com/configmgr/configmgr/internal/backupid"
)

// backupEntry is one of an environment's backups as a listing of the
// backup directory finds it: its ID, the time the ID names, and the inode
// number of its file (0 where the platform's listing does not give one).
type backupEntry struct {
	id  string
	t   time.Time
	ino uint64
}

// listBackupEntries lists env's backups, in no particular order, with the
// time of the newest; with clean it also removes what interrupted writes of
// env's backups left behind, in the same listing (the caller then holds
// env's lock).
func (s *FileStore) listBackupEntries(env string, clean bool) (es []backupEntry, newest time.Time, err error) {
	prefix := []byte(s.backupPrefix(env))
	err = eachEntry(s.backupDir, func(name []byte, regular bool, ino uint64) {
		if len(name) > 0 && name[0] == '.' {
			// A temporary file: .<prefix><ID>.tmp-<random>.
			if !clean || !bytes.HasPrefix(name[1:], prefix) {
				return
			}
			if i := bytes.LastIndex(name, []byte(atomicfile.TempMarker)); i >= 1+len(prefix) {
				if _, ok := backupid.Parse(string(name[1+len(prefix) : i])); ok {
					os.Remove(filepath.Join(s.backupDir, string(name)))
				}
			}
			return
		}
		rest, ok := bytes.CutPrefix(name, prefix)
		if !ok || !regular {
			return
		}
		id := string(rest)
		if t, ok := backupid.Parse(id); ok {
			es = append(es, backupEntry{id, t, ino})
			if t.After(newest) {
				newest = t
			}
		}
	})
	return es, newest, err
}

// sortNewestFirst sorts backups newest first (by time, then by ID).
func sortNewestFirst(es []backupEntry) {
	slices.SortFunc(es, func(a, b backupEntry) int {
		if c := b.t.Compare(a.t); c != 0 {
			return c
		}
		return strings.Compare(b.id, a.id)
	})
}

// backupSizes remembers the sizes of an environment's backup files by
// their ID and inode number. A backup file is written whole under a new
// name and never changed after (a later backup gets a later ID), so a
// listing can take the sizes of the files it has seen before from here,
// and stat only the new ones: Backups of a long history costs about one
// listing of the directory. A file that replaced a backup has another
// inode, and is statted again.
type backupSizes struct {
	mu    sync.Mutex
	byEnv map[string]map[sizeKey]int64
}

type sizeKey struct {
	id  string
	ino uint64
}

// sizes returns the size of each of env's backups es, -1 for one that is
// gone or is not a regular file, statting those it has not seen.
func (c *backupSizes) sizes(ctx context.Context, dir, prefix, env string, es []backupEntry) ([]int64, error) {
	sizes := make([]int64, len(es))
	var missing []int
	c.mu.Lock()
	known := c.byEnv[env]
	for i, e := range es {
		size, ok := known[sizeKey{e.id, e.ino}]
		if !ok || e.ino == 0 {
			missing = append(missing, i)
		}
		sizes[i] = size
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return sizes, nil
	}
	names := make([]string, len(missing))
	for j, i := range missing {
		names[j] = prefix + es[i].id
	}
	found, err := sizesIn(ctx, dir, names)
	if err != nil {
		return nil, err
	}
	for j, i := range missing {
		sizes[i] = found[j]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	known = c.byEnv[env]
	if len(known)+len(missing) > len(es) {
		// Backups were rotated away since: keep only the listed ones.
		known = make(map[sizeKey]int64, len(es))
		for i, e := range es {
			if e.ino != 0 && sizes[i] >= 0 {
				known[sizeKey{e.id, e.ino}] = sizes[i]
			}
		}
	} else {
		if known == nil {
			known = make(map[sizeKey]int64, len(missing))
		}
		for _, i := range missing {
			if e := es[i]; e.ino != 0 && sizes[i] >= 0 {
				known[sizeKey{e.id, e.ino}] = sizes[i]
			}
		}
	}
	if c.byEnv == nil {
		c.byEnv = map[string]map[sizeKey]int64{}
	}
	c.byEnv[env] = known
	return sizes, nil
}
