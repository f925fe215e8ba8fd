package configmgr

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Revision identifies one version of a stored document. It is opaque: a
// Store makes it, and callers only compare it for equality or hand it back.
// The zero value means "no document yet".
type Revision string

// Document is the stored bytes of one environment together with their
// revision.
type Document struct {
	Data     []byte
	Revision Revision
}

// PutOptions control a [Store.Put] or [UpdateStore.Update].
type PutOptions struct {
	// Revision is the revision the caller last saw. Put stores the new data
	// only if the current revision still equals it; the zero Revision means
	// the document must not exist yet. Update ignores it.
	Revision Revision

	// Keep is how many backups of the environment to keep once the write
	// is done, counting the one it takes of the version it replaces. A
	// negative Keep keeps every backup; zero takes no backup.
	Keep int

	// Schema, if not zero, is the [SchemaRevision] of the schema the caller
	// validated the new document against. A [SchemaGuardStore] checks it in
	// the write's critical section and, if its stored schema is another,
	// writes nothing and returns an error wrapping [ErrSchemaChanged].
	Schema Revision
}

// Backup describes one stored earlier version of an environment.
type Backup struct {
	// ID names the backup; pass it to [Manager.Restore].
	ID string
	// Time is when the backup was taken, that is, when the version it holds
	// was replaced.
	Time time.Time
	// Size is the length of the backed-up document in bytes.
	Size int64
}

// Store keeps one JSON document per environment. It moves bytes and
// revisions only: the [Manager] owns parsing, validation, merging, defaults
// and retries, so a new backend implements no policy.
//
// # Implementing a Store
//
// Every method that does I/O takes a context first and returns an error
// wrapping the context's error once it is done. Environment names reach a
// Store already checked by the Manager, but a Store must still refuse a name
// that [ValidName] refuses, with an error wrapping [ErrInvalidName], since it
// can be used on its own. After Close every method returns an error wrapping
// [ErrClosed]; Close itself may be called more than once.
//
//   - Get returns the stored bytes, which the caller may keep and modify, and
//     their revision; a missing environment is an error wrapping [ErrNotFound].
//   - Put is a compare-and-swap: see [PutOptions]. When the revision does not
//     match it returns an error wrapping [ErrConflict] and changes nothing.
//     When it replaces a document it keeps the old bytes as a backup, unless
//     PutOptions.Keep is zero, and drops the oldest backups beyond Keep, all in
//     the same critical section as the write. If the backup cannot be taken,
//     nothing is written.
//   - List returns the names of the stored environments, sorted.
//
// The optional interfaces below add abilities. The Manager finds them with a
// type assertion, so a wrapper that hides them also hides the ability:
//
//   - [UpdateStore]: the store can hold an environment exclusively across a
//     read-modify-write (a lock or a transaction). Without it the Manager
//     retries compare-and-swap on [ErrConflict].
//   - [HistoryStore]: the store can list and read backups. Without it
//     [Manager.Backups] and [Manager.Restore] return an error wrapping
//     [errors.ErrUnsupported].
//   - [SchemaStore]: the store keeps the schema. Without it [Open] needs
//     [WithSchema] or [WithoutSchema].
//   - [SchemaGuardStore]: the store checks the schema's revision in every
//     write's critical section, and changes the schema only if no document
//     changed since it was checked. Without it a write racing a schema
//     change may be validated against the old schema.
//   - [WatchStore]: the store can wait for a change. Without it, [Watch]
//     polls.
//   - [ImportStore]: the store can take in an environment with its history,
//     atomically. [Migrate] needs it to copy backups into the store.
//   - [LocationStore]: the store can say where it keeps a document, so that
//     errors name the place. Without it they name the environment.
//   - [RetentionStore]: the store keeps a retention policy that every
//     writer follows. Without it each write keeps what its Manager says.
//
// The package storetest checks all of this; every Store should pass it.
type Store interface {
	Get(ctx context.Context, env string) (Document, error)
	Put(ctx context.Context, env string, data []byte, opts PutOptions) (Revision, error)
	List(ctx context.Context) ([]string, error)
	Close() error
}

// UpdateStore is a [Store] that can run a read-modify-write of one
// environment exclusively, so that no concurrent writer, in this process or
// another, can interleave.
//
// Update calls fn with the current document (a zero Document if there is
// none) while it holds the environment, then stores what fn returns as
// [Store.Put] would, backup and rotation included, before letting go. If fn
// returns an error, Update stores nothing and returns that error unchanged.
// fn is called exactly once unless ctx ends first.
type UpdateStore interface {
	Store
	Update(ctx context.Context, env string, opts PutOptions, fn func(cur Document) ([]byte, error)) (Revision, error)
}

// HistoryStore is a [Store] whose backups can be listed and read.
//
// Backups returns the backups of env, newest first; an environment with none
// has an empty list. ReadBackup returns the bytes of one backup, or an error
// wrapping [ErrNotFound].
type HistoryStore interface {
	Store
	Backups(ctx context.Context, env string) ([]Backup, error)
	ReadBackup(ctx context.Context, env, id string) ([]byte, error)
}

// SchemaStore is a [Store] that keeps the JSON Schema of its documents.
// Schema returns an error wrapping [ErrNotFound] if there is none.
// SetSchema stores a schema atomically; it does not check it, which is the
// caller's business.
type SchemaStore interface {
	Store
	Schema(ctx context.Context) ([]byte, error)
	SetSchema(ctx context.Context, schema []byte) error
}

// Snapshot is one environment with its history, as [Migrate] copies it.
type Snapshot struct {
	Env  string
	Data []byte
	// Backups are the environment's backups, oldest first. Their IDs are
	// kept, and Time is the time the ID stands for.
	Backups []BackupData
}

// BackupData is a [Backup] with its content.
type BackupData struct {
	Backup
	Data []byte
}

// WatchStore is a [Store] that can wait for a document to change.
//
// Watch blocks until env's document may no longer be at revision rev (the
// zero Revision: may exist now), or ctx ends. It returns at once if the
// document has changed already. It may return early, but should not often:
// [Watch] reloads after each return. An error other than ctx's makes [Watch]
// fall back to polling for a while.
type WatchStore interface {
	Store
	Watch(ctx context.Context, env string, rev Revision) error
}

// ImportStore is a [Store] that can take in a whole environment, history
// included, as one atomic step: afterwards the environment either exists
// with every backup, or not at all. Import fails with an error wrapping
// [ErrConflict] if the environment exists already, and with one wrapping
// [ErrInvalidName] if a backup ID is not one that [Backup] IDs have.
type ImportStore interface {
	Store
	Import(ctx context.Context, snap Snapshot) error
}

// SchemaGuardStore is a [SchemaStore] that keeps every stored document
// valid under its stored schema, whoever writes:
//
//   - a write whose [PutOptions].Schema is not the stored schema's
//     revision fails with an error wrapping [ErrSchemaChanged], the check
//     made in the write's critical section;
//   - SetSchemaIf stores a schema only if the stored documents are still
//     exactly those the caller checked against it (docs maps each
//     environment to its revision): otherwise it stores nothing and returns
//     an error wrapping [ErrConflict]. The check and the change are one
//     step, which no write can interleave.
//
// [Manager.SetSchema] checks every document and stores the schema with
// SetSchemaIf, and a Manager whose schema is the store's sends its
// revision with every write, reloading the schema when it changed: so no
// process, however stale its schema, stores a document that the stored
// schema refuses.
type SchemaGuardStore interface {
	SchemaStore
	SetSchemaIf(ctx context.Context, schema []byte, docs map[string]Revision) error
}

// SchemaRevision returns the revision of a schema's text, as
// [PutOptions].Schema carries it: a hash of the bytes.
func SchemaRevision(schema []byte) Revision { return revisionOf(schema) }

// RetentionStore is a [Store] that keeps a retention policy of its own, so
// that the history it keeps does not depend on which writer wrote last.
// Every write keeps at least as many backups as the stored policy says,
// whatever its [PutOptions].Keep asks: a negative policy keeps every
// backup, an audit trail that a writer with a smaller Keep cannot cut.
//
// Retention returns the stored policy, and false if none is stored.
// SetRetention stores one. [Open] stores the Manager's [WithBackups] when
// that option is given.
type RetentionStore interface {
	Store
	Retention(ctx context.Context) (keep int, ok bool, err error)
	SetRetention(ctx context.Context, keep int) error
}

// KeepAtLeast returns how many backups a write keeps that asks to keep
// keep, in a store whose policy is policy: the larger, where a negative
// number (all) is larger than any other. Stores that implement
// [RetentionStore] use it.
func KeepAtLeast(keep, policy int) int {
	if keep < 0 || policy < 0 {
		return -1
	}
	return max(keep, policy)
}

// LocationStore is a [Store] that can say where it keeps a document, for
// error messages: Location returns a file path, or a database and
// environment ("config.db[dev]"), for env; and for "", where the schema is.
type LocationStore interface {
	Store
	Location(env string) string
}

// ValidName reports whether env may name an environment: 1 to 128 bytes of
// ASCII letters, digits, '.', '_' and '-', not starting with '.'. Names
// that are unsafe as file names on any platform are refused too, in any
// case: "schema" (the file store keeps the schema in schema.json, and
// "Schema.json" is that file on a case-insensitive file system such as
// macOS's or Windows'), and the Windows device names CON, PRN, AUX, NUL,
// COM0 to COM9 and LPT0 to LPT9, alone or before a '.' ("nul.old").
func ValidName(env string) bool {
	if len(env) == 0 || len(env) > 128 || env[0] == '.' {
		return false
	}
	for i := 0; i < len(env); i++ {
		c := env[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	base, _, _ := strings.Cut(strings.ToUpper(env), ".")
	switch base {
	case "CON", "PRN", "AUX", "NUL":
		return false
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && '0' <= base[3] && base[3] <= '9' {
		return false
	}
	return !strings.EqualFold(env, "schema")
}

// CheckName returns nil if env is a valid environment name, and otherwise an
// error wrapping [ErrInvalidName] that quotes it. Stores call it first.
func CheckName(env string) error {
	if ValidName(env) {
		return nil
	}
	return fmt.Errorf("%w: environment %q: use 1 to 128 letters, digits, '.', '_' or '-', not starting with '.', and neither \"schema\" nor a Windows device name such as \"nul\"", ErrInvalidName, env)
}

// String describes the document by size and revision, not content.
func (d Document) String() string {
	return fmt.Sprintf("configmgr.Document{%d bytes, revision %q}", len(d.Data), d.Revision)
}

// GoString is String.
func (d Document) GoString() string { return d.String() }

// String describes the snapshot without its content.
func (s Snapshot) String() string {
	return fmt.Sprintf("configmgr.Snapshot{%s: %d bytes, %d backups}", s.Env, len(s.Data), len(s.Backups))
}

// GoString is String.
func (s Snapshot) GoString() string { return s.String() }

// String describes the backup without its content.
func (b BackupData) String() string {
	return fmt.Sprintf("configmgr.BackupData{%s, %d bytes}", b.ID, len(b.Data))
}

// GoString is String.
func (b BackupData) GoString() string { return b.String() }
