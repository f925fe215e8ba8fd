// Package sqlite is a [configmgr.Store] on SQLite.
//
// With cgo on, it uses github.com/mattn/go-sqlite3 (a C compiler is needed,
// and the first build compiles SQLite itself, which takes a minute); with
// CGO_ENABLED=0 it uses modernc.org/sqlite, a pure-Go translation of the
// same SQLite. Both read and write the same files; [Driver] says which this
// build uses. Programs that do not import this package compile neither.
//
// # Swapping stores
//
// A program that uses the JSON files
//
//	m, err := configmgr.New("config", "backups")
//
// uses SQLite by changing that line alone, for a new database
//
//	m, err := sqlite.New("config.db", sqlite.WithCreate(), configmgr.WithSchema(schema))
//
// or for one made from the files it used so far, history included
//
//	m, err := sqlite.New("config.db", sqlite.WithCreateFrom("config", "backups"))
//
// and later, for a database that exists, just
//
//	m, err := sqlite.New("config.db")
//
// Every Manager call then behaves the same. [New] returns the Manager, and
// is what a service calls; [Open] returns the bare [Store], for
// [configmgr.Migrate] and SQL queries. The schema lives in the database.
//
// A new database file, with its -wal and -shm files, is made 0600, since it
// holds the configuration's secrets.
//
// # Durability and concurrency
//
// The database is in WAL mode with synchronous=FULL, so a committed write
// survives a power loss as the file store's does ([WithSynchronous] can
// choose NORMAL: faster, but the last commits may be lost on power loss,
// never corrupted). Every write is one BEGIN IMMEDIATE transaction that
// reads the current document, writes the backup of it, writes the new one
// and rotates the backups, so writers in any number of processes never
// interleave and never fail for contention. Waiting for a busy database
// honours the context.
//
// # Queries
//
// Documents are stored as the exact bytes the Manager wrote. The view
// config_values flattens every document, at any depth, one row per value
// (containers included):
//
//	config_values(env, path, pointer, key, value, type)
//
// path joins keys with dots and indexes arrays ("features.new_ui",
// "servers[0].host"); a key that is not a plain identifier is quoted
// ("\"a.b\"" for the key a.b, which is not a.b nested). pointer is the RFC
// 6901 JSON Pointer ("/features/new_ui"). type is one of null, true, false,
// integer, real, text, object and array; value is the SQL value (1 and 0
// for true and false, JSON text for containers). So
//
//	SELECT env FROM config_values WHERE path = 'features.new_ui' AND type = 'true'
//
// lists the environments that turn the new UI on. [Store.DB] returns a
// read-only handle for such queries.
//
// # Tables
//
//	meta(key, value)                  format_version, schema
//	documents(env, data, revision)    the current documents
//	backups(env, id, taken_at, data)  earlier versions (taken_at: Unix ns)
package sqlite
