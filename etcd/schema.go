package etcd

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/configmgr/configmgr"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// now is the clock of backup IDs.
var now = time.Now

// Schema implements [configmgr.SchemaStore].
func (s *Store) Schema(ctx context.Context) ([]byte, error) {
	if err := s.checkStore(ctx); err != nil {
		return nil, s.fail("schema", "", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	resp, err := s.c.Get(ctx, s.schemaKey())
	if err != nil {
		return nil, s.fail("schema", "", s.mapErr(err))
	}
	if len(resp.Kvs) == 0 {
		return nil, s.fail("schema", "", fmt.Errorf("%w: %s holds none (configmgr.Migrate or SetSchema puts one there)", configmgr.ErrNotFound, s.schemaKey()))
	}
	return resp.Kvs[0].Value, nil
}

// SetSchema implements [configmgr.SchemaStore]. The schema it replaces is
// kept as a backup of the environment "schema".
func (s *Store) SetSchema(ctx context.Context, schema []byte) error {
	return s.setSchema(ctx, schema, nil)
}

// SetSchemaIf implements [configmgr.SchemaGuardStore]: the transaction
// that stores the schema compares that no document was written since the
// revision at which the documents were found to be docs.
func (s *Store) SetSchemaIf(ctx context.Context, schema []byte, docs map[string]configmgr.Revision) error {
	return s.setSchema(ctx, schema, docs)
}

func (s *Store) setSchema(ctx context.Context, schema []byte, docs map[string]configmgr.Revision) error {
	if err := s.checkStore(ctx); err != nil {
		return s.fail("set schema", "", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	pre, err := s.c.Txn(ctx).Then(
		clientv3.OpGet(s.prefix+"docs/", clientv3.WithPrefix(), clientv3.WithKeysOnly()),
		clientv3.OpGet(s.schemaKey()),
		clientv3.OpGet(s.backupsKey("schema"), clientv3.WithPrefix(), clientv3.WithKeysOnly()),
	).Commit()
	if err != nil {
		return s.fail("set schema", "", s.mapErr(err))
	}
	var cmps []clientv3.Cmp
	if docs != nil {
		kvs := pre.Responses[0].GetResponseRange().Kvs
		if len(kvs) != len(docs) {
			return s.fail("set schema", "", fmt.Errorf("%w: %d environments are stored, %d were checked", configmgr.ErrConflict, len(kvs), len(docs)))
		}
		for _, kv := range kvs {
			env := strings.TrimPrefix(string(kv.Key), s.prefix+"docs/")
			if docs[env] != revision(kv.ModRevision) {
				return s.fail("set schema", "", fmt.Errorf("%w: %s changed since it was checked", configmgr.ErrConflict, env))
			}
		}
		// No document written after the ones found, none created.
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(s.prefix+"docs/"), "<", pre.Header.Revision+1).WithPrefix())
	}
	ops := []clientv3.Op{clientv3.OpPut(s.schemaKey(), string(schema)), clientv3.OpPut(s.schemaRevKey(), string(configmgr.SchemaRevision(schema)))}
	if old := pre.Responses[1].GetResponseRange().Kvs; len(old) > 0 {
		var ids []string
		for _, kv := range pre.Responses[2].GetResponseRange().Kvs {
			id, _, _ := backupName(strings.TrimPrefix(string(kv.Key), s.backupsKey("schema")))
			ids = append(ids, id)
		}
		id, _ := configmgr.NewBackupID(now(), ids)
		ops = append(ops, clientv3.OpPut(s.backupKey("schema", id, len(old[0].Value)), string(old[0].Value)))
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(s.schemaKey()), "=", old[0].ModRevision))
	} else {
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(s.schemaKey()), "=", 0))
	}
	resp, err := s.c.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return s.fail("set schema", "", s.mapErr(err))
	}
	if !resp.Succeeded {
		return s.fail("set schema", "", fmt.Errorf("%w: a document or the schema changed meanwhile", configmgr.ErrConflict))
	}
	return nil
}

// Retention implements [configmgr.RetentionStore].
func (s *Store) Retention(ctx context.Context) (int, bool, error) {
	if err := s.checkStore(ctx); err != nil {
		return 0, false, s.fail("retention", "", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	resp, err := s.c.Get(ctx, s.retentionKey())
	if err != nil {
		return 0, false, s.fail("retention", "", s.mapErr(err))
	}
	if len(resp.Kvs) == 0 {
		return 0, false, nil
	}
	n, err := strconv.Atoi(string(resp.Kvs[0].Value))
	return n, err == nil, nil
}

// SetRetention implements [configmgr.RetentionStore].
func (s *Store) SetRetention(ctx context.Context, keep int) error {
	if err := s.checkStore(ctx); err != nil {
		return s.fail("set retention", "", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if _, err := s.c.Put(ctx, s.retentionKey(), strconv.Itoa(keep)); err != nil {
		return s.fail("set retention", "", s.mapErr(err))
	}
	return nil
}

// Import implements [configmgr.ImportStore]. An environment with few
// backups goes in one transaction; one with more than a transaction holds
// goes in several, the document last and only if it does not exist, so
// that an import cut short leaves no environment and can be run again.
func (s *Store) Import(ctx context.Context, snap configmgr.Snapshot) error {
	env := snap.Env
	if err := s.check(ctx, env); err != nil {
		return s.fail("import", env, err)
	}
	for _, b := range snap.Backups {
		if err := configmgr.CheckBackupID(b.ID); err != nil {
			return s.fail("import", env, err)
		}
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	notThere := clientv3.Compare(clientv3.CreateRevision(s.docKey(env)), "=", 0)
	var ops []clientv3.Op
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		resp, err := s.c.Txn(ctx).If(notThere).Then(ops...).Commit()
		if err != nil {
			return s.mapErr(err)
		}
		if !resp.Succeeded {
			return fmt.Errorf("%w: it exists already", configmgr.ErrConflict)
		}
		ops = nil
		return nil
	}
	for _, b := range snap.Backups {
		if len(ops)+2 > maxOps {
			if err := flush(); err != nil {
				return s.fail("import", env, err)
			}
		}
		ops = append(ops, clientv3.OpPut(s.backupKey(env, b.ID, len(b.Data)), string(b.Data)))
	}
	ops = append(ops, clientv3.OpPut(s.docKey(env), string(snap.Data)))
	if err := flush(); err != nil {
		return s.fail("import", env, err)
	}
	return nil
}
