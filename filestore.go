package configmgr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configmgr/configmgr/internal/atomicfile"
	"github.com/configmgr/configmgr/internal/backupid"
)

// FileStore keeps each environment in a JSON file, in the layout of the
// original design:
//
//	configDir/<env>.json               the current document
//	configDir/schema.json              the JSON Schema
//	backupDir/<env>.json.backup_<ID>   earlier versions (see [Backup])
//	configDir/.<env>.lock              lock file, never renamed or deleted
//
// Writes are atomic and durable: a temporary file in the same directory,
// fsync, rename over the target, fsync of the directory. Writers of one
// environment exclude each other, in this process and in others, with an
// advisory lock on the lock file held across the whole read, backup, write
// and rotation. Readers take no lock: a rename is atomic, so a reader sees
// the old document or the new one, never part of either. Temporary files
// left by an interrupted write are removed by the next write of the same
// environment.
//
// Backup IDs are UTC times with nanoseconds (20060102_150405.000000000Z);
// IDs written by the design document's Python tool (20060102_150405, local
// time) and JavaScript tool (2006-01-02T15-04-05) are listed and restored
// too.
//
// Errors from the file system keep their *fs.PathError in the chain, since
// the caller chose the paths.
//
// A read of an unchanged file costs one stat: the content is remembered by
// the file's stat. On Linux the stat key is device, inode, size, mtime and
// ctime, which no replacement can keep. Elsewhere it is size and mtime
// only, so a replacement of the same size that keeps the old mtime (cp -p,
// rsync -a) within the same second may be served stale until the file
// changes again; write through the Manager, or touch the file, there.
//
// Advisory locks and atomic renames are only as good as the file system:
// on NFS, locks need a working lock manager, and a reader's cached view of a
// file may lag behind other clients' writes.
//
// A FileStore is safe for concurrent use by multiple goroutines. The zero
// value cannot be used; call [NewFileStore].
type FileStore struct {
	dir, backupDir string
	opts           fileOptions
	locks          envLocks
	schemaLock     schemaLock
	closed         atomic.Bool

	mu    sync.Mutex
	cache map[string]statEntry
	// written has, by environment, the stat of the file this store last
	// wrote, synced, in place (see wroteThis).
	written map[string]statKey
	schema  statEntry // schema.json's revision by its stat
	watch   *dirWatch // started by the first Watch

	sizes backupSizes // of the backups Backups has listed
}

// statEntry remembers a file's content by the key of its last stat, so that
// reading an unchanged file costs one stat.
type statEntry struct {
	key  statKey
	data []byte
	rev  Revision
}

var (
	_ UpdateStore      = (*FileStore)(nil)
	_ HistoryStore     = (*FileStore)(nil)
	_ SchemaStore      = (*FileStore)(nil)
	_ ImportStore      = (*FileStore)(nil)
	_ LocationStore    = (*FileStore)(nil)
	_ RetentionStore   = (*FileStore)(nil)
	_ SchemaGuardStore = (*FileStore)(nil)
)

// NewFileStore returns a store over configDir, which must exist, keeping
// backups in backupDir, which is created (mode 0700) if needed.
func NewFileStore(configDir, backupDir string, opts ...FileOption) (*FileStore, error) {
	o := fileOptions{perm: 0o600, maxSize: defaultMaxSize}
	for _, opt := range opts {
		opt(&o)
	}
	fi, err := os.Stat(configDir)
	if err != nil {
		return nil, &OpError{Op: "new file store", Err: fmt.Errorf("config directory: %w", err)}
	}
	if !fi.IsDir() {
		return nil, &OpError{Op: "new file store", Err: fmt.Errorf("config directory %s is not a directory", configDir)}
	}
	if !o.readOnly {
		if err := os.MkdirAll(backupDir, 0o700); err != nil {
			return nil, &OpError{Op: "new file store", Err: fmt.Errorf("backup directory: %w", err)}
		}
	}
	return &FileStore{dir: configDir, backupDir: backupDir, opts: o, cache: map[string]statEntry{}, written: map[string]statKey{}}, nil
}

// Dir returns the configuration directory.
func (s *FileStore) Dir() string { return s.dir }

// BackupDir returns the backup directory.
func (s *FileStore) BackupDir() string { return s.backupDir }

func (s *FileStore) path(env string) string { return filepath.Join(s.dir, env+".json") }

// Location implements [LocationStore]: the path of env's file, or of
// schema.json for "".
func (s *FileStore) Location(env string) string {
	if env == "" {
		return filepath.Join(s.dir, "schema.json")
	}
	return s.path(env)
}

func (s *FileStore) lockPath(env string) string { return filepath.Join(s.dir, "."+env+".lock") }

func (s *FileStore) backupPrefix(env string) string { return env + ".json.backup_" }

func (s *FileStore) check(ctx context.Context, env string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := CheckName(env); err != nil {
		return err
	}
	return ctx.Err()
}

// maxSchemaSize is the largest schema file the store reads, whatever the
// documents' limit: real schemas (compose-spec's is 60 KB) are far smaller.
const maxSchemaSize = 16 << 20

func revisionOf(data []byte) Revision {
	sum := sha256.Sum256(data)
	return Revision(hex.EncodeToString(sum[:16]))
}

// racyWindow is how long after its last change a file's stat is trusted to
// tell a later change. File timestamps come from a coarse clock (a few
// milliseconds on Linux, a second or two on some file systems), so a change
// made within the same tick as the one before can leave every stat field
// but the content the same. Like Git's "racily clean" index entries, a file
// changed this recently is read again rather than trusted.
func racyWindow(changed time.Time) time.Duration {
	if changed.Nanosecond() == 0 {
		return 2 * time.Second // a file system with whole-second timestamps
	}
	return 100 * time.Millisecond
}

// Get implements [Store]. Reading a file whose stat has not changed since
// the last Get costs one stat and a copy.
func (s *FileStore) Get(ctx context.Context, env string) (Document, error) {
	if err := s.check(ctx, env); err != nil {
		return Document{}, &OpError{Op: "get", Env: env, Err: err}
	}
	path := s.path(env)
	if fi, err := os.Stat(path); err == nil {
		key, _ := keyOf(fi)
		s.mu.Lock()
		e, ok := s.cache[env]
		s.mu.Unlock()
		if ok && e.key == key {
			return Document{Data: slices.Clone(e.data), Revision: e.rev}, nil
		}
	}
	doc, _, err := s.read(env, true)
	if err != nil {
		return Document{}, &OpError{Op: "get", Env: env, Err: err}
	}
	return doc, nil
}

// read reads env's file afresh. It returns the file's stat, and remembers
// the content by stat if remember is set and the file is old enough.
func (s *FileStore) read(env string, remember bool) (Document, fs.FileInfo, error) {
	path := s.path(env)
	data, fi, err := readRegular(path, s.opts.maxSize, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Document{}, nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return Document{}, nil, err
	}
	doc := Document{Data: data, Revision: revisionOf(data)}
	if remember {
		key, changed := keyOf(fi)
		if time.Since(changed) > racyWindow(changed) {
			s.mu.Lock()
			s.cache[env] = statEntry{key: key, data: slices.Clone(data), rev: doc.Revision}
			s.mu.Unlock()
		}
	}
	return doc, fi, nil
}

// Put implements [Store].
func (s *FileStore) Put(ctx context.Context, env string, data []byte, opts PutOptions) (Revision, error) {
	return s.update(ctx, "put", env, opts, func(cur Document) ([]byte, error) {
		if cur.Revision != opts.Revision {
			return nil, fmt.Errorf("%w: have %q, want %q", ErrConflict, cur.Revision, opts.Revision)
		}
		return data, nil
	})
}

// Update implements [UpdateStore]. It holds the environment's lock across
// fn, the backup, the write and the rotation of backups.
func (s *FileStore) Update(ctx context.Context, env string, opts PutOptions, fn func(cur Document) ([]byte, error)) (Revision, error) {
	return s.update(ctx, "update", env, opts, fn)
}

func (s *FileStore) update(ctx context.Context, op, env string, opts PutOptions, fn func(cur Document) ([]byte, error)) (Revision, error) {
	if err := s.check(ctx, env); err != nil {
		return "", &OpError{Op: op, Env: env, Err: err}
	}
	unlock, err := s.locks.lock(ctx, s.lockPath(env))
	if err != nil {
		return "", &OpError{Op: op, Env: env, Err: err}
	}
	defer unlock()
	if opts.Schema != "" {
		unlockSchema, err := s.schemaLock.lock(ctx, s.schemaLockPath(), false)
		if err != nil {
			return "", &OpError{Op: op, Env: env, Err: err}
		}
		defer unlockSchema()
		if rev := s.schemaRevision(); rev != opts.Schema {
			return "", &OpError{Op: op, Env: env, Err: fmt.Errorf("%w: the document was validated against another schema than %s", ErrSchemaChanged, filepath.Join(s.dir, "schema.json"))}
		}
	}

	cur, fi, err := s.read(env, false)
	exists := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", &OpError{Op: op, Env: env, Err: err}
	}
	if !exists {
		cur = Document{}
	}
	data, err := fn(cur)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", &OpError{Op: op, Env: env, Err: err}
	}
	if s.closed.Load() {
		return "", &OpError{Op: op, Env: env, Err: ErrClosed}
	}
	if err := s.commit(env, cur, fi, data, opts.Keep); err != nil {
		return "", &OpError{Op: op, Env: env, Err: err}
	}
	return revisionOf(data), nil
}

// wroteThis reports whether the file of env with the stat fi is the one
// this store last wrote for it, and so whole on disk: the same inode, size
// and modification time. A file written since by anyone else, in place or
// by rename, has another inode or modification time (an edit in place
// within the clock tick of the write, at the same size, would pass for
// it: its backup might then not survive a power loss). Where the platform
// gives no inode numbers, no file is known.
func (s *FileStore) wroteThis(env string, fi fs.FileInfo) bool {
	key, ok := writtenKey(fi)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.written[env]
	return ok && w == key
}

func (s *FileStore) hook(prefix string) atomicfile.Hook {
	if s.opts.hook == nil {
		return nil
	}
	return func(step string) error { return s.opts.hook(prefix + step) }
}

// commit backs up the current document, cur, whose file has the stat fi
// (nil if there is none), writes the new one and rotates the backups. The
// caller holds the environment's lock.
func (s *FileStore) commit(env string, cur Document, fi fs.FileInfo, data []byte, keep int) error {
	exists := fi != nil
	perm := s.opts.perm
	var backup string
	if policy, ok := s.retention(); ok {
		keep = KeepAtLeast(keep, policy)
	}
	// A rotation needs env's backups listed: one listing serves it, the
	// clean-up of interrupted backups and the ID a new backup must follow.
	// Without a rotation (every backup kept) the ID follows the newest
	// noted beside the backups, and no write lists a directory whose size
	// grows with the history.
	var backups []backupEntry
	var newest time.Time
	var listErr error
	var syncBackup func() error
	if keep > 0 {
		backups, newest, listErr = s.listBackupEntries(env, true)
	} else if exists && keep < 0 {
		newest, listErr = s.newestBackup(env)
	}
	if exists {
		perm = fi.Mode().Perm()
		if keep != 0 {
			if listErr != nil {
				return fmt.Errorf("back up: %w", listErr)
			}
			var err error
			var id string
			if backup, id, syncBackup, err = s.backUp(env, newest, cur.Data, perm, s.wroteThis(env, fi)); err != nil {
				if backup != "" {
					os.Remove(backup) // a copy whose directory sync failed
				}
				return fmt.Errorf("back up: %w", err)
			}
			t, _ := backupid.Parse(id)
			backups = append(backups, backupEntry{id: id, t: t})
		}
	}
	// The backup is made durable once the new document's temporary file
	// is, before the rename: see takeBackup. The temporary file is then
	// whole on disk, and its stat is remembered as that of a file this
	// store wrote (see wroteThis).
	var wrote statKey
	var known bool
	beforeRename := func() error {
		if syncBackup != nil {
			if err := syncBackup(); err != nil {
				return err
			}
		}
		if tfi, err := os.Lstat(filepath.Join(s.dir, s.tempName(env))); err == nil {
			wrote, known = writtenKey(tfi)
		}
		return nil
	}
	err := atomicfile.WriteVia(s.path(env), s.tempName(env), data, perm, s.hook("config:"), beforeRename)
	s.mu.Lock()
	if err == nil && known {
		s.written[env] = wrote
	} else {
		delete(s.written, env)
	}
	s.mu.Unlock()
	if err != nil {
		if backup != "" && !errors.Is(err, atomicfile.ErrRenamed) {
			// The backup copies the document that is still current: drop
			// it, so that failed writes do not pile up backups.
			os.Remove(backup)
		}
		return err
	}
	if keep > 0 && len(backups) > keep {
		// A failed rotation loses nothing: the next write tries again.
		s.rotate(env, backups, keep)
	}
	return nil
}

// backUp keeps data, env's current document, as a new backup whose ID is
// later than newest, and returns its path and ID. It notes the ID (see
// newestBackup) before it takes the backup, so that the note is never
// behind the newest backup there is. An ID that exists already (the clock
// went back past the note) is passed over for a later one: no backup is
// ever replaced. The backup is durable once the returned sync has
// succeeded (see takeBackup); synced says the current file is on disk
// already.
func (s *FileStore) backUp(env string, newest time.Time, data []byte, perm fs.FileMode, synced bool) (path, id string, sync func() error, err error) {
	now := time.Now()
	for range 100 {
		var t time.Time
		id, t = backupid.After(now, newest)
		s.noteNewest(env, id)
		path = filepath.Join(s.backupDir, s.backupPrefix(env)+id)
		sync, err = s.takeBackup(s.path(env), path, data, perm, synced)
		if !errors.Is(err, errBackupExists) {
			return path, id, sync, err
		}
		newest = t
	}
	return "", "", nil, errors.New("no free backup ID after 100 tries")
}

// errBackupExists reports a backup ID in use.
var errBackupExists = errors.New("backup exists")

// newestFile is the note of the newest backup ID of env, in the backup
// directory.
func (s *FileStore) newestFile(env string) string {
	return filepath.Join(s.backupDir, "."+env+".json.newest")
}

// noteNewest notes id as the newest backup ID of env. The note needs no
// fsync: a note lost in a crash is found again by listing (see
// newestBackup), and one left behind the backups only matters if the clock
// also went back, which backUp survives. IDs are all of one length, so the
// note is overwritten in place: truncating it would have ext4 flush it on
// close (its guard for files replaced by truncation), at the cost of a
// write. A planted symlink is not followed.
func (s *FileStore) noteNewest(env, id string) {
	f, err := os.OpenFile(s.newestFile(env), os.O_WRONLY|os.O_CREATE|oNoFollow|oNonBlock, s.opts.perm)
	if err != nil {
		return
	}
	f.WriteAt([]byte(id+"\n"), 0)
	f.Close()
}

// newestBackup returns the time of env's newest backup: from its note, or,
// without one, by listing the backups (which also cleans up interrupted
// ones), and then notes it.
func (s *FileStore) newestBackup(env string) (time.Time, error) {
	if data, _, err := readRegular(s.newestFile(env), 64, true); err == nil {
		if t, ok := backupid.Parse(strings.TrimSpace(string(data))); ok {
			return t, nil
		}
	}
	es, newest, err := s.listBackupEntries(env, true)
	if err == nil && len(es) > 0 {
		s.noteNewest(env, backupid.Format(newest))
	}
	return newest, err
}

// rotate deletes all but the newest keep of env's backups.
func (s *FileStore) rotate(env string, backups []backupEntry, keep int) {
	sortNewestFirst(backups)
	for _, b := range backups[keep:] {
		// Removals need no sync: an old backup that reappears after a
		// crash is rotated away by the next write.
		os.Remove(filepath.Join(s.backupDir, s.backupPrefix(env)+b.id))
	}
}

// takeBackup makes dst a backup of src, whose content is data, and returns
// the func that makes it durable, which the caller calls before it
// replaces src.
//
// It hard-links the current file into the backup directory rather than
// copying it: the write that follows replaces src by rename, after which the
// old inode belongs to the backup alone, so no bytes are written twice and
// only the backup directory needs an fsync, with the old file's in case it
// was not on disk yet (unless synced says it is: a file this store wrote).
// The caller makes those syncs after the fsync of the file that replaces
// src: on a journaling file system (ext4, XFS) that fsync has committed the
// link already, and these find less left to write. Where a link cannot be
// made (another file system, or one without hard links) it copies,
// durably, and the func returned does nothing.
func (s *FileStore) takeBackup(src, dst string, data []byte, perm fs.FileMode, synced bool) (func() error, error) {
	err := s.step("backup:link")
	if err == nil {
		// Link only a regular file: a link to a symlink would keep the
		// symlink, whose target may be relative or change.
		var fi fs.FileInfo
		if fi, err = os.Lstat(src); err == nil && !fi.Mode().IsRegular() {
			err = errors.New("not a regular file")
		}
	}
	if err == nil {
		err = os.Link(src, dst)
	}
	if errors.Is(err, fs.ErrExist) {
		return nil, errBackupExists
	}
	if err != nil {
		if _, err := os.Lstat(dst); err == nil {
			return nil, errBackupExists
		}
		// One temporary file for env's backups, as for its document.
		err := atomicfile.WriteVia(dst, "."+filepath.Base(src)+".backup"+atomicfile.TempMarker+"w", data, perm, s.hook("backup:"), nil)
		return func() error { return nil }, err
	}
	return func() error {
		var err error
		if !synced {
			if err = s.step("backup:syncsrc"); err == nil {
				err = atomicfile.Sync(dst)
			}
		}
		if err == nil {
			if err = s.step("backup:syncdir"); err == nil {
				err = atomicfile.SyncDir(s.backupDir)
			}
		}
		if err != nil {
			return fmt.Errorf("back up: %w", err)
		}
		return nil
	}, nil
}

func (s *FileStore) step(name string) error {
	if s.opts.hook == nil {
		return nil
	}
	return s.opts.hook(name)
}

// tempName is the temporary file of a write of env's document: one name,
// since writes of env hold its lock, so that a write replaces what an
// interrupted one left without listing the directory.
func (s *FileStore) tempName(env string) string {
	return "." + env + ".json" + atomicfile.TempMarker + "w"
}

// List implements [Store]: the names of the *.json files in the
// configuration directory, less schema.json, hidden files and names that
// are not valid environment names.
func (s *FileStore) List(ctx context.Context) ([]string, error) {
	if s.closed.Load() {
		return nil, &OpError{Op: "list", Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return nil, &OpError{Op: "list", Err: err}
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, &OpError{Op: "list", Err: err}
	}
	envs := []string{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if ok && ValidName(name) && (e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) {
			envs = append(envs, name)
		}
	}
	sort.Strings(envs)
	return envs, nil
}

// Backups implements [HistoryStore].
func (s *FileStore) Backups(ctx context.Context, env string) ([]Backup, error) {
	if err := s.check(ctx, env); err != nil {
		return nil, &OpError{Op: "backups", Env: env, Err: err}
	}
	es, _, err := s.listBackupEntries(env, false)
	if err != nil {
		return nil, &OpError{Op: "backups", Env: env, Err: err}
	}
	sortNewestFirst(es)
	sizes, err := s.sizes.sizes(ctx, s.backupDir, s.backupPrefix(env), env, es)
	if err != nil {
		return nil, &OpError{Op: "backups", Env: env, Err: err}
	}
	out := make([]Backup, 0, len(es))
	for i, e := range es {
		if sizes[i] < 0 {
			continue // rotated away meanwhile
		}
		out = append(out, Backup{ID: e.id, Time: e.t, Size: sizes[i]})
	}
	return out, nil
}

// ReadBackup implements [HistoryStore].
func (s *FileStore) ReadBackup(ctx context.Context, env, id string) ([]byte, error) {
	if err := s.check(ctx, env); err != nil {
		return nil, &OpError{Op: "read backup", Env: env, Err: fmt.Errorf("backup %s: %w", id, err)}
	}
	if _, ok := backupid.Parse(id); !ok {
		return nil, &OpError{Op: "read backup", Env: env, Err: backupid.Invalid(ErrInvalidName, id)}
	}
	// A backup that is not a regular file (a planted symlink, say) is not
	// one, here as in Backups and rotation.
	path := filepath.Join(s.backupDir, s.backupPrefix(env)+id)
	data, _, err := readRegular(path, s.opts.maxSize, true)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) {
		return nil, &OpError{Op: "read backup", Env: env, Err: fmt.Errorf("backup %s: %w: %s", id, ErrNotFound, path)}
	}
	if err != nil {
		return nil, &OpError{Op: "read backup", Env: env, Err: fmt.Errorf("backup %s: %w", id, err)}
	}
	return data, nil
}

// Schema implements [SchemaStore]: the content of configDir/schema.json.
func (s *FileStore) Schema(ctx context.Context) ([]byte, error) {
	if s.closed.Load() {
		return nil, &OpError{Op: "schema", Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return nil, &OpError{Op: "schema", Err: err}
	}
	path := filepath.Join(s.dir, "schema.json")
	data, _, err := readRegular(path, max(s.opts.maxSize, maxSchemaSize), false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &OpError{Op: "schema", Err: fmt.Errorf("%w: %s", ErrNotFound, path)}
	}
	if err != nil {
		return nil, &OpError{Op: "schema", Err: err}
	}
	return data, nil
}

// SetSchema implements [SchemaStore]: it replaces configDir/schema.json
// atomically and durably. The previous schema, if any, is kept as
// backupDir/schema.json.backup_<ID>.
func (s *FileStore) SetSchema(ctx context.Context, schema []byte) error {
	return s.setSchema(ctx, "set schema", schema, nil)
}

// SetSchemaIf implements [SchemaGuardStore]: under the schema lock, which
// every write of a Manager whose schema is this store's holds shared, it
// checks that the stored documents are exactly docs, then stores schema.
func (s *FileStore) SetSchemaIf(ctx context.Context, schema []byte, docs map[string]Revision) error {
	return s.setSchema(ctx, "set schema", schema, docs)
}

func (s *FileStore) setSchema(ctx context.Context, op string, schema []byte, docs map[string]Revision) error {
	if s.closed.Load() {
		return &OpError{Op: op, Err: ErrClosed}
	}
	unlock, err := s.schemaLock.lock(ctx, s.schemaLockPath(), true)
	if err != nil {
		return &OpError{Op: op, Err: err}
	}
	defer unlock()
	if docs != nil {
		if err := s.sameDocuments(docs); err != nil {
			return &OpError{Op: op, Err: err}
		}
	}
	path := filepath.Join(s.dir, "schema.json")
	perm := s.opts.perm
	var backup string
	var syncBackup func() error
	atomicfile.RemoveTemps(s.dir, func(target string) bool { return target == "schema.json" })
	atomicfile.RemoveTemps(s.backupDir, func(target string) bool { return strings.HasPrefix(target, "schema.json.backup_") })
	if old, fi, err := readRegular(path, max(s.opts.maxSize, maxSchemaSize), false); err == nil {
		perm = fi.Mode().Perm()
		_, newest, err := s.listBackupEntries("schema", false)
		if err != nil {
			return &OpError{Op: op, Err: fmt.Errorf("back up: %w", err)}
		}
		id, _ := backupid.After(time.Now(), newest)
		backup = filepath.Join(s.backupDir, "schema.json.backup_"+id)
		if syncBackup, err = s.takeBackup(path, backup, old, perm, false); err != nil {
			return &OpError{Op: op, Err: fmt.Errorf("back up: %w", err)}
		}
	}
	if err := atomicfile.WriteVia(path, "", schema, perm, s.hook("schema:"), syncBackup); err != nil {
		if backup != "" && !errors.Is(err, atomicfile.ErrRenamed) {
			os.Remove(backup) // a backup of the schema still in place
		}
		return &OpError{Op: op, Err: err}
	}
	return nil
}

// sameDocuments reports an error wrapping ErrConflict unless the stored
// environments and their revisions are exactly docs.
func (s *FileStore) sameDocuments(docs map[string]Revision) error {
	envs, err := s.List(context.Background())
	if err != nil {
		return cause(err)
	}
	if len(envs) != len(docs) {
		return fmt.Errorf("%w: %d environments are stored, %d were checked", ErrConflict, len(envs), len(docs))
	}
	for _, env := range envs {
		doc, _, err := s.read(env, false)
		if err != nil {
			return err
		}
		if rev, ok := docs[env]; !ok || rev != doc.Revision {
			return fmt.Errorf("%w: %s changed since it was checked", ErrConflict, env)
		}
	}
	return nil
}

func (s *FileStore) schemaLockPath() string { return filepath.Join(s.dir, ".schema.lock") }

// schemaRevision returns the SchemaRevision of schema.json ("" if there is
// none), hashing it only when its stat has changed.
func (s *FileStore) schemaRevision() Revision {
	path := filepath.Join(s.dir, "schema.json")
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	key, changed := keyOf(fi)
	s.mu.Lock()
	e := s.schema
	s.mu.Unlock()
	if e.rev != "" && e.key == key {
		return e.rev
	}
	data, _, err := readRegular(path, max(s.opts.maxSize, maxSchemaSize), false)
	if err != nil {
		return ""
	}
	rev := SchemaRevision(data)
	if time.Since(changed) > racyWindow(changed) {
		s.mu.Lock()
		s.schema = statEntry{key: key, rev: rev}
		s.mu.Unlock()
	}
	return rev
}

// Import implements [ImportStore]. It writes the backups first and the
// configuration file last, and removes the backups it wrote again if
// anything fails, so a failed import leaves no trace. An import that was
// killed before it wrote the configuration file may leave backups; the
// next import of the same environment takes those whose content it
// brings, so that Migrate can always be run again.
func (s *FileStore) Import(ctx context.Context, snap Snapshot) error {
	env := snap.Env
	if err := s.check(ctx, env); err != nil {
		return &OpError{Op: "import", Env: env, Err: err}
	}
	for _, b := range snap.Backups {
		if _, ok := backupid.Parse(b.ID); !ok {
			return &OpError{Op: "import", Env: env, Err: backupid.Invalid(ErrInvalidName, b.ID)}
		}
	}
	unlock, err := s.locks.lock(ctx, s.lockPath(env))
	if err != nil {
		return &OpError{Op: "import", Env: env, Err: err}
	}
	defer unlock()
	if _, err := os.Lstat(s.path(env)); err == nil {
		return &OpError{Op: "import", Env: env, Err: fmt.Errorf("%w: it exists already", ErrConflict)}
	}
	s.listBackupEntries(env, true) // for its clean-up of interrupted backups; the listing is not needed here
	// The backups imported may be newer than the note of the newest: drop
	// it, and the next write lists the backups.
	os.Remove(s.newestFile(env))
	var written []string
	fail := func(err error) error {
		for _, p := range written {
			os.Remove(p)
		}
		return &OpError{Op: "import", Env: env, Err: err}
	}
	for _, b := range snap.Backups {
		p := filepath.Join(s.backupDir, s.backupPrefix(env)+b.ID)
		if have, _, err := readRegular(p, s.opts.maxSize, true); err == nil && bytes.Equal(have, b.Data) {
			// An import that was killed before it wrote the config left
			// this backup: take it, so that imports can be resumed.
			continue
		} else if _, err := os.Lstat(p); err == nil {
			return fail(fmt.Errorf("%w: backup %s exists already, with other content", ErrConflict, b.ID))
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if err := atomicfile.Write(p, b.Data, s.opts.perm, s.hook("import:")); err != nil {
			return fail(err)
		}
		written = append(written, p)
	}
	if err := atomicfile.WriteVia(s.path(env), s.tempName(env), snap.Data, s.opts.perm, s.hook("config:"), nil); err != nil {
		if !errors.Is(err, atomicfile.ErrRenamed) {
			return fail(err)
		}
		return &OpError{Op: "import", Env: env, Err: err}
	}
	return nil
}

// Close implements [Store]. Calls after Close fail with [ErrClosed]; a write
// already holding its lock finishes or fails whole.
func (s *FileStore) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	dw := s.watch
	s.watch = nil
	s.mu.Unlock()
	if dw != nil {
		dw.close()
	}
	return nil
}

// String describes the store by its directories.
func (s *FileStore) String() string {
	return fmt.Sprintf("configmgr.FileStore{%s, backups in %s}", s.dir, s.backupDir)
}

// GoString is String.
func (s *FileStore) GoString() string { return s.String() }

// retentionFile holds the store's retention policy, in the backup
// directory: a number, as [WithBackups] takes it.
const retentionFile = ".retention"

// retention reads the stored retention policy.
func (s *FileStore) retention() (int, bool) {
	data, _, err := readRegular(filepath.Join(s.backupDir, retentionFile), 64, true)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	return n, err == nil
}

// Retention implements [RetentionStore].
func (s *FileStore) Retention(ctx context.Context) (int, bool, error) {
	if s.closed.Load() {
		return 0, false, &OpError{Op: "retention", Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return 0, false, &OpError{Op: "retention", Err: err}
	}
	n, ok := s.retention()
	return n, ok, nil
}

// SetRetention implements [RetentionStore]: backupDir/.retention, written
// atomically.
func (s *FileStore) SetRetention(ctx context.Context, keep int) error {
	if s.closed.Load() {
		return &OpError{Op: "set retention", Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return &OpError{Op: "set retention", Err: err}
	}
	if n, ok := s.retention(); ok && n == keep {
		return nil
	}
	atomicfile.RemoveTemps(s.backupDir, func(target string) bool { return target == retentionFile })
	if err := atomicfile.Write(filepath.Join(s.backupDir, retentionFile), []byte(strconv.Itoa(keep)+"\n"), s.opts.perm, nil); err != nil {
		return &OpError{Op: "set retention", Err: err}
	}
	return nil
}
