// Package etcd is a [configmgr.Store] on etcd, for a fleet of services on
// many hosts that share one configuration: the store many hosts reach,
// that stays up when a host dies, and that pushes changes.
//
// It is a module of its own (github.com/configmgr/configmgr/etcd), so that
// programs that use the file store or SQLite neither download nor compile
// the etcd client. It needs the client only; its tests, which start etcd
// servers, live in a further module (etcdtest).
//
// # Swapping stores
//
// A program that uses the JSON files
//
//	m, err := configmgr.New("config", "backups")
//
// moves to etcd by changing that line alone:
//
//	m, err := etcd.New(ctx, []string{"etcd1:2379", "etcd2:2379", "etcd3:2379"}, "/myapp/config/")
//
// or, with a client configured for TLS and auth:
//
//	s, err := etcd.Open(client, "/myapp/config/")
//	m, err := configmgr.Open(s)
//
// # Keys
//
// Everything lives under the prefix:
//
//	PREFIX format                  the layout's version, "1"
//	PREFIX schema                  the JSON Schema
//	PREFIX schema_revision         its configmgr.SchemaRevision
//	PREFIX retention               the retention policy (configmgr.WithBackups)
//	PREFIX docs/ENV                the document of ENV; its ModRevision is the Revision
//	PREFIX backups/ENV/ID/SIZE     a backup, with its size in bytes
//
// # Writes
//
// Every write is one transaction: it compares the document's ModRevision
// (or that it does not exist yet) and the schema's revision, then writes
// the document, the backup of the version it replaces, and deletes the
// backups rotated out. A failed compare changes nothing. etcd limits a
// request to 1.5 MiB by default, and a document travels with its backup,
// so a document can be about 750 KiB: a larger write is refused before it
// is sent, with an error wrapping [configmgr.ErrTooLarge] that names the
// limit and [WithMaxRequestBytes], which raises it (with the servers'
// --max-request-bytes).
//
// # Deadlines
//
// A call whose context has no deadline gets one (10 seconds, see
// [WithTimeout]): an unreachable cluster makes calls fail, never hang.
package etcd
