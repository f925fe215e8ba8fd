// Package configmgr keeps the per-environment configuration of a service
// (dev, staging, production, ...) safe: every document is validated against
// a JSON Schema, written atomically and durably, locked against concurrent
// writers across processes, backed up before every change and restorable,
// merged on update, and decoded into typed structs.
//
//	m, err := configmgr.New("config", "backups") // config/<env>.json, config/schema.json
//	if err != nil { ... }
//	defer m.Close()
//
//	var cfg Config
//	err = m.Load("production", &cfg) // schema defaults filled in
//	err = m.Update("production", map[string]any{"cache": map[string]any{"ttl": 600}})
//	backups, err := m.Backups("production")
//	err = m.Restore("production", backups[0].ID)
//
// # Stores
//
// A [Manager] works on a [Store], which only moves bytes and revisions. [New]
// uses the [FileStore], JSON files in a directory; [Open] takes any Store,
// such as the SQLite store in the sqlite subpackage or the in-memory
// storetest.MemStore. A program switches stores by changing its constructor
// alone. The package storetest checks that a Store keeps the contract.
//
// # Errors
//
// Failures wrap the sentinels [ErrNotFound], [ErrConflict], [ErrClosed],
// [ErrInvalidName], [ErrNotObject], [ErrTooLarge] and [ErrInvalidSchema]
// (test with [errors.Is]), or are one of the types [*DecodeError] (with file,
// line and column), [*DuplicateKeyError] and [*ValidationError] (every
// violation, each with its JSON Pointer; test with [errors.As]). A call that
// fails never changes what is stored. Bad input never makes the package
// panic.
//
// # Concurrency
//
// A Manager is safe for concurrent use by multiple goroutines, and any
// number of processes may share a store. [Manager.Update] and
// [Manager.UpdateFunc] are atomic read-modify-writes: on the file store they
// hold an advisory lock (flock) on a dedicated lock file across the read,
// backup, write and rotation, so no update is lost and none fails for
// contention. On a store that can only compare-and-swap, they retry. Readers
// take no lock and never see a partial document.
//
// Advisory locks only exclude processes that take them: the original
// Python and JavaScript tools do not, so do not run them against the same
// directory as writers. On NFS, locking needs a working lock manager.
//
// # Backups
//
// Every write keeps the version it replaces as a backup, in the same
// critical section, and keeps the newest five per environment (see
// [WithBackups]). Backup IDs are UTC times with nanoseconds, unique and in
// time order even for many writes in one second. [Manager.Restore] checks
// the backup against the current schema and backs up the current version
// first, so a restore can be undone.
//
// # Live configuration
//
// [Watch] returns a [Live] handle whose Latest method is an atomic load of
// the newest good version, for use on every request; a new version that
// does not parse or validate is reported and never applied. See also
// [WithEnvOverrides] (twelve-factor overrides from environment variables),
// [Manager.Redact] and [Redacted] (secrets: properties marked "writeOnly"),
// [Manager.SetSchema] (a schema change that every stored environment must
// pass) and [Manager.Diff].
//
// # Documents
//
// Documents are JSON objects. Writes keep the existing key order and the
// exact text of numbers and strings that did not change, with a 2-space
// indent and a final newline, so that changing one value changes one line
// of a git diff. Duplicate keys, invalid UTF-8, a UTF-8 byte order mark
// (forbidden by RFC 8259), nesting deeper than 1000 levels and documents
// over the size limit ([WithMaxSize]) are refused.
package configmgr
