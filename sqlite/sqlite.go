package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/backupid"
	"github.com/gofrs/flock"
)

// Errors of this package, always returned wrapped.
var (
	// ErrFormat reports a database that this version cannot use: one
	// written by a newer version, or one that is not a configmgr database.
	ErrFormat = errors.New("unsupported database format")

	// ErrReadOnly reports a write to a database opened read-only, or one
	// whose file cannot be written.
	ErrReadOnly = errors.New("database is read-only")
)

// Option configures the store that [Open] or [New] opens. When an option
// is given more than once, the last one wins.
//
// An Option is also a [configmgr.Option], so that [New] takes it in one
// list with the Manager's options:
//
//	m, err := sqlite.New("config.db", sqlite.WithCreate(), configmgr.WithSchema(schema))
//
// [configmgr.New] and [configmgr.Open] refuse it, naming it.
type Option struct {
	configmgr.StoreOption
	apply func(*options)
}

func option(name string, apply func(*options)) Option {
	return Option{StoreOption: configmgr.StoreOption{Name: "sqlite." + name}, apply: apply}
}

type options struct {
	create      bool
	readOnly    bool
	immutable   bool
	synchronous string
	busyPoll    time.Duration
	watchPoll   time.Duration
	importFrom  []string // configDir, backupDir
}

// WithCreate lets [Open] create the database file if it does not exist.
// Without it, a missing file is an error, so that a mistyped path does not
// quietly start an empty configuration.
func WithCreate() Option { return option("WithCreate", func(o *options) { o.create = true }) }

// WithCreateFrom lets [Open] create the database, if it does not exist,
// from the file store in configDir and backupDir (as [configmgr.New] reads
// them): the schema, every environment and every backup, with their IDs,
// as [configmgr.Migrate] copies them. The new database appears whole or not
// at all. An existing database is opened as it is, so a service can keep
// the option for good:
//
//	m, err := sqlite.New("config.db", sqlite.WithCreateFrom("config", "backups"))
func WithCreateFrom(configDir, backupDir string) Option {
	return option("WithCreateFrom", func(o *options) { o.importFrom = []string{configDir, backupDir} })
}

// WithReadOnly opens the database read-only: reads work, writes fail with
// an error wrapping [ErrReadOnly]. A database file that this process cannot
// write, or one on a read-only file system, is opened so anyway.
func WithReadOnly() Option { return option("WithReadOnly", func(o *options) { o.readOnly = true }) }

// WithSynchronous sets SQLite's synchronous mode: "FULL" (the default), in
// which a committed write survives power loss, or "NORMAL", which is faster
// but may lose the last commits on power loss (the database stays
// consistent).
func WithSynchronous(mode string) Option {
	return option("WithSynchronous", func(o *options) { o.synchronous = strings.ToUpper(mode) })
}

// WithPollInterval sets how often [Store.Watch] asks SQLite whether another
// connection has committed (PRAGMA data_version, which reads no table). The
// default is 100ms.
func WithPollInterval(d time.Duration) Option {
	return option("WithPollInterval", func(o *options) { o.watchPoll = d })
}

// Store is a [configmgr.Store] in one SQLite database file. It is also an
// [configmgr.UpdateStore] (a transaction per write), a
// [configmgr.HistoryStore], a [configmgr.SchemaStore] and a
// [configmgr.ImportStore].
//
// A Store is safe for concurrent use by multiple goroutines, and any number
// of processes may open the same file. The zero value cannot be used; call
// [Open].
type Store struct {
	db, ro   *sql.DB
	path     string
	busyPoll time.Duration
	poll     time.Duration
	writer   chan *writer // the connection for writes, one writer of this process at a time
	closed   atomic.Bool
}

var (
	_ configmgr.UpdateStore  = (*Store)(nil)
	_ configmgr.HistoryStore = (*Store)(nil)
	_ configmgr.SchemaStore  = (*Store)(nil)
	_ configmgr.ImportStore  = (*Store)(nil)
	_ configmgr.WatchStore   = (*Store)(nil)

	_ configmgr.LocationStore    = (*Store)(nil)
	_ configmgr.RetentionStore   = (*Store)(nil)
	_ configmgr.SchemaGuardStore = (*Store)(nil)
)

// Open opens the database at path and returns it as a bare [Store]: the
// layer that moves bytes, for [configmgr.Open], [configmgr.Migrate] and SQL
// queries. Most programs want [New] instead, which returns a
// [configmgr.Manager] over it in one call.
//
// The tables are created if they are missing. The file must exist unless
// [WithCreate] or [WithCreateFrom] is given; a new file is made 0600 (its
// -wal and -shm files take its mode), since it holds the configuration's
// secrets, while an existing one keeps its mode. Anything at path but a
// regular file is refused before SQLite touches it.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{synchronous: "FULL", busyPoll: 20 * time.Millisecond, watchPoll: 100 * time.Millisecond}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&o)
		}
	}
	if o.watchPoll <= 0 {
		return nil, fmt.Errorf("sqlite: WithPollInterval(%v): the interval must be positive", o.watchPoll)
	}
	if o.synchronous != "FULL" && o.synchronous != "NORMAL" {
		return nil, fmt.Errorf("sqlite: WithSynchronous(%q): use FULL or NORMAL", o.synchronous)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		return nil, fmt.Errorf("sqlite: open %s: not a regular file (%v)", path, fi.Mode().Type())
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	case err != nil && o.importFrom != nil && !o.readOnly:
		if err := importFiles(abs, o); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		return open(path, abs, o)
	case err != nil && (!o.create || o.readOnly):
		return nil, fmt.Errorf("sqlite: open %s: %w: no database there (WithCreate creates one)", path, fs.ErrNotExist)
	case err != nil:
		created, err := createFile(abs)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		s, err := open(path, abs, o)
		if err != nil && created {
			removeDB(abs)
		}
		return s, err
	}
	if f, err := os.OpenFile(abs, os.O_RDWR, 0); err != nil {
		// A file (or file system) that cannot be written is opened
		// read-only: reads work, writes fail with ErrReadOnly.
		if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EROFS) {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		o.readOnly = true
		// On a read-only file system SQLite cannot make the WAL index it
		// needs to share the file; nobody can change the file there, so
		// it may read it as immutable.
		o.immutable = errors.Is(err, syscall.EROFS)
	} else {
		f.Close()
	}
	return open(path, abs, o)
}

// createFile creates an empty database file, private: SQLite would create
// it 0644 under the usual umask, and makes the -wal and -shm files with
// the database file's mode. It reports false if another process created
// the file first.
func createFile(abs string) (bool, error) {
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, f.Close()
}

// removeDB removes a database file and the files SQLite keeps beside it.
func removeDB(abs string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(abs + suffix)
	}
}

func open(path, abs string, o options) (*Store, error) {
	uri := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	rw, ro := params(o.busyPoll, o.synchronous, true)+"&mode=rwc", params(o.busyPoll, o.synchronous, false)+"&mode=ro"
	if o.immutable {
		ro += "&immutable=1"
	}
	if o.readOnly {
		rw = ro
	}
	s := &Store{path: path, busyPoll: o.busyPoll, poll: o.watchPoll, writer: make(chan *writer, 1)}
	s.writer <- &writer{}
	var err error
	if s.db, err = sql.Open(driverName, uri+rw); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %v", path, err)
	}
	if err := s.init(o.readOnly); err != nil {
		s.closeWriter()
		s.db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if s.ro, err = sql.Open(driverName, uri+ro); err != nil {
		s.closeWriter()
		s.db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %v", path, err)
	}
	return s, nil
}

// importFiles makes a new database at abs from the file store in
// o.importFrom: it builds the database under a temporary name and links it
// into place only when every environment is in, so a crash leaves either
// no database or a whole one. The temporary copy is guarded by a lock file
// for as long as its import runs; the next import removes the copies of
// dead ones.
func importFiles(abs string, o options) error {
	files, err := configmgr.NewFileStore(o.importFrom[0], o.importFrom[1])
	if err != nil {
		return bare(err)
	}
	defer files.Close()
	removeDeadImports(abs)
	tmp, unlock, err := lockedTemp(abs)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := createFile(tmp); err != nil {
		return err
	}
	defer removeDB(tmp)
	s, err := open(tmp, tmp, o)
	if err != nil {
		return err
	}
	if _, err := configmgr.Migrate(context.Background(), s, files); err != nil {
		s.Close()
		return fmt.Errorf("move %s in: %w", o.importFrom[0], bare(err))
	}
	if err := s.Close(); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	// A link, unlike a rename, never replaces a database another process
	// made meanwhile: that one wins, and this copy is dropped.
	if err := os.Link(tmp, abs); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncFile(filepath.Dir(abs))
}

const importSuffix = ".import-"

// lockedTemp returns a new temporary name beside abs whose lock file this
// process holds, and the func that releases and removes the lock.
func lockedTemp(abs string) (string, func(), error) {
	for attempt := 0; ; attempt++ {
		tmp := fmt.Sprintf("%s%s%d-%d", abs, importSuffix, os.Getpid(), time.Now().UnixNano())
		fl := flock.New(tmp+".lock", flock.SetPermissions(0o600))
		ok, err := fl.TryLock()
		if err != nil {
			return "", nil, err
		}
		// A lock on a file that a cleaner removed in between guards nothing.
		if _, err := os.Stat(fl.Path()); ok && err == nil {
			return tmp, func() { os.Remove(fl.Path()); fl.Unlock() }, nil
		}
		fl.Unlock()
		if attempt == 10 {
			return "", nil, errors.New("cannot lock a temporary file for the import")
		}
	}
}

// removeDeadImports removes the temporary copies, beside abs, of imports
// whose process died: their lock files are no longer locked.
func removeDeadImports(abs string) {
	locks, _ := filepath.Glob(abs + importSuffix + "*.lock")
	for _, lock := range locks {
		fl := flock.New(lock)
		if ok, _ := fl.TryLock(); ok {
			removeDB(strings.TrimSuffix(lock, ".lock"))
			os.Remove(lock)
			fl.Unlock()
		}
	}
}

// bare returns the cause of a configmgr.OpError, with its environment, so
// that a message of this package does not carry a second prefix.
func bare(err error) error {
	var oe *configmgr.OpError
	if !errors.As(err, &oe) {
		return err
	}
	if oe.Env != "" {
		return fmt.Errorf("%s: %w", oe.Env, oe.Err)
	}
	return oe.Err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// init checks the format version and creates the tables.
func (s *Store) init(readOnly bool) error {
	ctx := context.Background()
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table'`).Scan(&tables); err != nil {
		return driverError(err)
	}
	var version string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'format_version'`).Scan(&version)
	switch {
	case err == nil:
		v, perr := strconv.Atoi(version)
		if perr != nil || v > formatVersion {
			return fmt.Errorf("%w: format version %s is newer than this version's %d: upgrade configmgr", ErrFormat, version, formatVersion)
		}
		return nil
	case tables > 0:
		return fmt.Errorf("%w: the database has tables but no configmgr format version", ErrFormat)
	case readOnly:
		return fmt.Errorf("%w: the database is empty and opened read-only", ErrFormat)
	}
	err = s.write(ctx, func(t txn) error {
		if err := t.script(ddl); err != nil {
			return err
		}
		return t.exec(`INSERT OR IGNORE INTO meta (key, value) VALUES ('format_version', ?)`, strconv.Itoa(formatVersion))
	})
	if err != nil {
		return driverError(err)
	}
	return nil
}

// DB returns a read-only handle on the database, for SQL queries such as
// those on the config_values view. Writing through it fails.
func (s *Store) DB() *sql.DB { return s.ro }

// Path returns the database file's path as given to [Open].
func (s *Store) Path() string { return s.path }

// Location implements [configmgr.LocationStore]: the database and the
// environment, as "config.db[dev]", or the database for the schema ("").
func (s *Store) Location(env string) string {
	if env == "" {
		return s.path
	}
	return s.path + "[" + env + "]"
}

func (s *Store) check(ctx context.Context, op, env string) error {
	var err error
	switch {
	case s.closed.Load():
		err = configmgr.ErrClosed
	case env != "" || op == "get" || op == "update":
		err = configmgr.CheckName(env)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return configmgr.NewStoreError("sqlite", op, env, err)
	}
	return nil
}

// driverError turns a driver error into one of this package's, keeping the
// driver's types out of the error chain.
func driverError(err error) error {
	if code, ok := errorCode(err); ok && code == codeReadOnly {
		return fmt.Errorf("%w: %v", ErrReadOnly, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%v", err)
}

func isBusy(err error) bool {
	code, ok := errorCode(err)
	return ok && (code == codeBusy || code == codeLocked)
}

// SQLite's primary result codes, the same for every driver.
const (
	codeBusy     = 5
	codeLocked   = 6
	codeReadOnly = 8
)

// Get implements [configmgr.Store].
func (s *Store) Get(ctx context.Context, env string) (configmgr.Document, error) {
	if err := s.check(ctx, "get", env); err != nil {
		return configmgr.Document{}, err
	}
	var data string
	var rev int64
	err := s.db.QueryRowContext(ctx, `SELECT data, revision FROM documents WHERE env = ?`, env).Scan(&data, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return configmgr.Document{}, configmgr.NewStoreError("sqlite", "get", env, fmt.Errorf("%w: %s", configmgr.ErrNotFound, s.Location(env)))
	}
	if err != nil {
		return configmgr.Document{}, configmgr.NewStoreError("sqlite", "get", env, driverError(err))
	}
	return configmgr.Document{Data: []byte(data), Revision: revision(rev)}, nil
}

func revision(n int64) configmgr.Revision { return configmgr.Revision(strconv.FormatInt(n, 10)) }

// Put implements [configmgr.Store].
func (s *Store) Put(ctx context.Context, env string, data []byte, opts configmgr.PutOptions) (configmgr.Revision, error) {
	return s.Update(ctx, env, opts, func(cur configmgr.Document) ([]byte, error) {
		if cur.Revision != opts.Revision {
			return nil, fmt.Errorf("%w: have %q, want %q", configmgr.ErrConflict, cur.Revision, opts.Revision)
		}
		return data, nil
	})
}

// Update implements [configmgr.UpdateStore]: the read, fn, the backup, the
// write and the rotation are one transaction.
func (s *Store) Update(ctx context.Context, env string, opts configmgr.PutOptions, fn func(cur configmgr.Document) ([]byte, error)) (configmgr.Revision, error) {
	if err := s.check(ctx, "update", env); err != nil {
		return "", err
	}
	var newRev int64
	var fnErr error
	err := s.write(ctx, func(t txn) error {
		// One query reads what the write needs: the document, the
		// schema's revision, the retention policy and env's newest backup.
		var data, schemaRev, policy, newestID sql.NullString
		var rev sql.NullInt64
		err := t.queryRow(`SELECT d.data, d.revision,
				(SELECT value FROM meta WHERE key = 'schema_revision'),
				(SELECT value FROM meta WHERE key = 'retention'),
				(SELECT id FROM backups WHERE env = CAST(?1 AS TEXT) ORDER BY taken_at DESC, id DESC LIMIT 1)
			FROM (SELECT 1) LEFT JOIN documents AS d ON d.env = CAST(?1 AS TEXT)`, env).Scan(&data, &rev, &schemaRev, &policy, &newestID)
		if err != nil {
			return err
		}
		exists := data.Valid
		if opts.Schema != "" {
			have := configmgr.Revision(schemaRev.String)
			if !schemaRev.Valid { // a database from before schema_revision
				if have, err = schemaRevision(t); err != nil {
					return err
				}
			}
			if have != opts.Schema {
				fnErr = fmt.Errorf("%w: the document was validated against another schema than %s's", configmgr.ErrSchemaChanged, s.path)
				return fnErr
			}
		}
		var cur configmgr.Document
		if exists {
			cur = configmgr.Document{Data: []byte(data.String), Revision: revision(rev.Int64)}
		}
		next, err := fn(cur)
		if err != nil {
			fnErr = err
			return err
		}
		keep := opts.Keep
		if n, err := strconv.Atoi(policy.String); policy.Valid && err == nil {
			keep = configmgr.KeepAtLeast(keep, n)
		}
		if exists && keep != 0 {
			var newest []string
			if newestID.Valid {
				newest = []string{newestID.String}
			}
			if err := addBackup(t, env, data.String, keep, newest); err != nil {
				return err
			}
		}
		newRev = rev.Int64 + 1
		return t.exec(`INSERT INTO documents (env, data, revision) VALUES (?, ?, ?)
			ON CONFLICT (env) DO UPDATE SET data = excluded.data, revision = excluded.revision`, env, string(next), newRev)
	})
	if fnErr != nil {
		return "", fnErr
	}
	if err != nil {
		return "", configmgr.NewStoreError("sqlite", "update", env, driverError(err))
	}
	return revision(newRev), nil
}

// backup keeps data as env's newest backup and drops all but the newest
// keep (all are kept if keep is negative).
func backup(t txn, env, data string, keep int) error {
	var newest []string
	var id string
	err := t.queryRow(`SELECT id FROM backups WHERE env = CAST(? AS TEXT) ORDER BY taken_at DESC, id DESC LIMIT 1`, env).Scan(&id)
	if err == nil {
		newest = []string{id}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return addBackup(t, env, data, keep, newest)
}

// addBackup is backup for a caller that has read env's newest backup ID
// (newest, empty if there is none).
func addBackup(t txn, env, data string, keep int, newest []string) error {
	id, at := backupid.Next(time.Now(), newest)
	if err := t.exec(`INSERT INTO backups (env, id, taken_at, data) VALUES (?, ?, ?, ?)`, env, id, at.UnixNano(), data); err != nil {
		return err
	}
	if keep > 0 {
		// The backups past the newest keep, found through the index on
		// (env, taken_at, id): none to look at when there is none to drop.
		// (Parameters go through CAST here and in the other queries on
		// that index: SQLite compiles a statement again whenever a new
		// value is bound to a parameter whose value may change its plan,
		// such as one compared with an indexed column before an ORDER BY,
		// or an OFFSET. A CAST is no bare parameter, and costs nothing.)
		return t.exec(`DELETE FROM backups WHERE env = CAST(?1 AS TEXT) AND (taken_at, id) <
			(SELECT taken_at, id FROM backups WHERE env = CAST(?1 AS TEXT) ORDER BY taken_at DESC, id DESC LIMIT 1 OFFSET CAST(?2 AS INTEGER) - 1)`, env, keep)
	}
	return nil
}

// List implements [configmgr.Store].
func (s *Store) List(ctx context.Context) ([]string, error) {
	if err := s.check(ctx, "list", ""); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT env FROM documents ORDER BY env`)
	if err != nil {
		return nil, configmgr.NewStoreError("sqlite", "list", "", driverError(err))
	}
	defer rows.Close()
	envs := []string{}
	for rows.Next() {
		var env string
		if err := rows.Scan(&env); err != nil {
			return nil, configmgr.NewStoreError("sqlite", "list", "", driverError(err))
		}
		envs = append(envs, env)
	}
	if err := rows.Err(); err != nil {
		return nil, configmgr.NewStoreError("sqlite", "list", "", driverError(err))
	}
	return envs, nil
}

// Backups implements [configmgr.HistoryStore].
func (s *Store) Backups(ctx context.Context, env string) ([]configmgr.Backup, error) {
	if err := s.check(ctx, "backups", env); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, length(CAST(data AS BLOB)) FROM backups WHERE env = ? ORDER BY taken_at DESC, id DESC`, env)
	if err != nil {
		return nil, configmgr.NewStoreError("sqlite", "backups", env, driverError(err))
	}
	defer rows.Close()
	out := []configmgr.Backup{}
	for rows.Next() {
		var b configmgr.Backup
		if err := rows.Scan(&b.ID, &b.Size); err != nil {
			return nil, configmgr.NewStoreError("sqlite", "backups", env, driverError(err))
		}
		b.Time, _ = backupid.Parse(b.ID)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, configmgr.NewStoreError("sqlite", "backups", env, driverError(err))
	}
	return out, nil
}

// ReadBackup implements [configmgr.HistoryStore].
func (s *Store) ReadBackup(ctx context.Context, env, id string) ([]byte, error) {
	if err := s.check(ctx, "read backup", env); err != nil {
		return nil, err
	}
	if _, ok := backupid.Parse(id); !ok {
		return nil, configmgr.NewStoreError("sqlite", "read backup", env, backupid.Invalid(configmgr.ErrInvalidName, id))
	}
	var data string
	err := s.db.QueryRowContext(ctx, `SELECT data FROM backups WHERE env = ? AND id = ?`, env, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, configmgr.NewStoreError("sqlite", "read backup", env, fmt.Errorf("backup %s: %w in %s", id, configmgr.ErrNotFound, s.path))
	}
	if err != nil {
		return nil, configmgr.NewStoreError("sqlite", "read backup", env, fmt.Errorf("backup %s: %w", id, driverError(err)))
	}
	return []byte(data), nil
}

// Schema implements [configmgr.SchemaStore].
func (s *Store) Schema(ctx context.Context) ([]byte, error) {
	if err := s.check(ctx, "schema", ""); err != nil {
		return nil, err
	}
	var schema string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema'`).Scan(&schema)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, configmgr.NewStoreError("sqlite", "schema", "", fmt.Errorf("%w: %s has none (configmgr.Migrate or SetSchema puts one there)", configmgr.ErrNotFound, s.path))
	}
	if err != nil {
		return nil, configmgr.NewStoreError("sqlite", "schema", "", driverError(err))
	}
	return []byte(schema), nil
}

// SetSchema implements [configmgr.SchemaStore]. The schema it replaces is
// kept in the backups table under the name "schema".
func (s *Store) SetSchema(ctx context.Context, schema []byte) error {
	return s.setSchema(ctx, schema, nil)
}

// SetSchemaIf implements [configmgr.SchemaGuardStore]: the check of the
// documents' revisions and the change of the schema are one transaction.
func (s *Store) SetSchemaIf(ctx context.Context, schema []byte, docs map[string]configmgr.Revision) error {
	return s.setSchema(ctx, schema, docs)
}

func (s *Store) setSchema(ctx context.Context, schema []byte, docs map[string]configmgr.Revision) error {
	if err := s.check(ctx, "set schema", ""); err != nil {
		return err
	}
	var conflict error
	err := s.write(ctx, func(t txn) error {
		if docs != nil {
			if conflict = sameDocuments(t, docs); conflict != nil {
				return conflict
			}
		}
		var old string
		err := t.queryRow(`SELECT value FROM meta WHERE key = 'schema'`).Scan(&old)
		if err == nil {
			if err := backup(t, "schema", old, -1); err != nil {
				return err
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return t.exec(`INSERT INTO meta (key, value) VALUES ('schema', ?1), ('schema_revision', ?2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, string(schema), string(configmgr.SchemaRevision(schema)))
	})
	if conflict != nil {
		return configmgr.NewStoreError("sqlite", "set schema", "", conflict)
	}
	if err != nil {
		return configmgr.NewStoreError("sqlite", "set schema", "", driverError(err))
	}
	return nil
}

// sameDocuments returns an error wrapping configmgr.ErrConflict unless the
// stored environments and their revisions are exactly docs.
func sameDocuments(t txn, docs map[string]configmgr.Revision) error {
	rows, err := t.query(`SELECT env, revision FROM documents`)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var env string
		var rev int64
		if err := rows.Scan(&env, &rev); err != nil {
			return err
		}
		if docs[env] != revision(rev) {
			return fmt.Errorf("%w: %s changed since it was checked", configmgr.ErrConflict, env)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != len(docs) {
		return fmt.Errorf("%w: %d environments are stored, %d were checked", configmgr.ErrConflict, n, len(docs))
	}
	return nil
}

// schemaRevision returns the configmgr.SchemaRevision of the stored schema
// ("" if there is none): the one SetSchema stored beside it, or, for a
// schema stored before that, a hash of its text.
func schemaRevision(t txn) (configmgr.Revision, error) {
	var rev string
	err := t.queryRow(`SELECT value FROM meta WHERE key = 'schema_revision'`).Scan(&rev)
	if err == nil {
		return configmgr.Revision(rev), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	var schema string
	err = t.queryRow(`SELECT value FROM meta WHERE key = 'schema'`).Scan(&schema)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return configmgr.SchemaRevision([]byte(schema)), nil
}

// Retention implements [configmgr.RetentionStore]: the policy is kept in
// the meta table.
func (s *Store) Retention(ctx context.Context) (int, bool, error) {
	if err := s.check(ctx, "retention", ""); err != nil {
		return 0, false, err
	}
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'retention'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, configmgr.NewStoreError("sqlite", "retention", "", driverError(err))
	}
	n, err := strconv.Atoi(v)
	return n, err == nil, nil
}

// SetRetention implements [configmgr.RetentionStore].
func (s *Store) SetRetention(ctx context.Context, keep int) error {
	if err := s.check(ctx, "set retention", ""); err != nil {
		return err
	}
	if n, ok, err := s.Retention(ctx); err == nil && ok && n == keep {
		return nil
	}
	err := s.write(ctx, func(t txn) error {
		return t.exec(`INSERT INTO meta (key, value) VALUES ('retention', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(keep))
	})
	if err != nil {
		return configmgr.NewStoreError("sqlite", "set retention", "", driverError(err))
	}
	return nil
}

// Import implements [configmgr.ImportStore]: the environment and all its
// backups are inserted in one transaction.
func (s *Store) Import(ctx context.Context, snap configmgr.Snapshot) error {
	env := snap.Env
	if err := s.check(ctx, "import", env); err != nil {
		return err
	}
	for _, b := range snap.Backups {
		if _, ok := backupid.Parse(b.ID); !ok {
			return configmgr.NewStoreError("sqlite", "import", env, backupid.Invalid(configmgr.ErrInvalidName, b.ID))
		}
	}
	var conflict error
	err := s.write(ctx, func(t txn) error {
		var n int
		if err := t.queryRow(`SELECT count(*) FROM documents WHERE env = ?`, env).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			conflict = configmgr.NewStoreError("sqlite", "import", env, fmt.Errorf("%w: it exists already", configmgr.ErrConflict))
			return conflict
		}
		if err := t.exec(`DELETE FROM backups WHERE env = ?`, env); err != nil {
			return err
		}
		for _, b := range snap.Backups {
			at, _ := backupid.Parse(b.ID)
			if err := t.exec(`INSERT INTO backups (env, id, taken_at, data) VALUES (?, ?, ?, ?)`, env, b.ID, at.UnixNano(), string(b.Data)); err != nil {
				return err
			}
		}
		return t.exec(`INSERT INTO documents (env, data, revision) VALUES (?, ?, 1)`, env, string(snap.Data))
	})
	if conflict != nil {
		return conflict
	}
	if err != nil {
		return configmgr.NewStoreError("sqlite", "import", env, driverError(err))
	}
	return nil
}

// Watch implements [configmgr.WatchStore]. It polls, at the interval set
// with [WithPollInterval], SQLite's PRAGMA data_version on a connection of
// its own, which changes when any other connection, in any process,
// commits; only then does it read env's revision.
func (s *Store) Watch(ctx context.Context, env string, rev configmgr.Revision) error {
	if err := s.check(ctx, "watch", env); err != nil {
		return err
	}
	conn, err := s.ro.Conn(ctx)
	if err != nil {
		return configmgr.NewStoreError("sqlite", "watch", env, driverError(err))
	}
	defer conn.Close()
	last := int64(-1)
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		var v int64
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			return configmgr.NewStoreError("sqlite", "watch", env, driverError(err))
		}
		if v != last {
			last = v
			var cur int64
			err := conn.QueryRowContext(ctx, `SELECT revision FROM documents WHERE env = ?`, env).Scan(&cur)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if rev != "" {
					return nil
				}
			case err != nil:
				return configmgr.NewStoreError("sqlite", "watch", env, driverError(err))
			case revision(cur) != rev:
				return nil
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return configmgr.NewStoreError("sqlite", "watch", env, ctx.Err())
		}
	}
}

// Close implements [configmgr.Store].
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.closeWriter()
	return errors.Join(s.db.Close(), s.ro.Close())
}

// closeWriter closes the writer's connection, or, if a write has it, lets
// that write close it when it ends (it sees s.closed).
func (s *Store) closeWriter() {
	s.closed.Store(true)
	select {
	case w := <-s.writer:
		w.close()
		s.writer <- w
	default:
	}
}

// New returns a [configmgr.Manager] over the database at path: the SQLite
// twin of [configmgr.New], and what most programs call. ([Open] returns the
// bare Store, for [configmgr.Migrate] and SQL queries.)
//
// opts mixes this package's options, which open the database, with the
// Manager's:
//
//	m, err := sqlite.New("config.db")                                                // an existing database
//	m, err := sqlite.New("config.db", sqlite.WithCreate(), configmgr.WithSchema(s)) // a new, empty one
//	m, err := sqlite.New("config.db", sqlite.WithCreateFrom("config", "backups"))   // moving the files in
//
// The schema is the one stored in the database, unless opts say otherwise
// ([configmgr.WithSchema], [configmgr.WithoutSchema]). A database that holds
// neither a schema nor any environment keeps the schema given with
// [configmgr.WithSchema] (see [configmgr.Open]), so that later opens need
// no option.
func New(path string, opts ...configmgr.Option) (*configmgr.Manager, error) {
	own, mopts := configmgr.SplitOptions[Option](opts)
	s, err := Open(path, own...)
	if err != nil {
		return nil, err
	}
	m, err := configmgr.Open(s, mopts...)
	if err != nil {
		s.Close()
		return nil, err
	}
	return m, nil
}

// String describes the store by its path.
func (s *Store) String() string { return "sqlite.Store{" + s.path + "}" }

// GoString is String.
func (s *Store) GoString() string { return s.String() }
