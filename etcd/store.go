package etcd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/configmgr/configmgr"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// maxOps is how many operations one transaction may hold: etcd's default
// --max-txn-ops is 128, and a write needs a few besides the deletes.
const maxOps = 120

func (s *Store) docKey(env string) string     { return s.prefix + "docs/" + env }
func (s *Store) backupsKey(env string) string { return s.prefix + "backups/" + env + "/" }
func (s *Store) sizesKey(env string) string   { return s.prefix + "sizes/" + env + "/" }
func (s *Store) schemaKey() string            { return s.prefix + "schema" }
func (s *Store) schemaRevKey() string         { return s.prefix + "schema_revision" }
func (s *Store) retentionKey() string         { return s.prefix + "retention" }
func revision(n int64) configmgr.Revision     { return configmgr.Revision(strconv.FormatInt(n, 10)) }
func (s *Store) fail(op, env string, err error) error {
	return configmgr.NewStoreError("etcd", op, env, err)
}

// ctx gives ctx the store's default deadline if it has none.
func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.o.timeout)
}

// check returns why a call on env cannot start; checkStore, why a call on
// the whole store cannot.
func (s *Store) check(ctx context.Context, env string) error {
	if err := s.checkStore(ctx); err != nil {
		return err
	}
	return configmgr.CheckName(env)
}

func (s *Store) checkStore(ctx context.Context) error {
	if s.closed.Load() {
		return configmgr.ErrClosed
	}
	return ctx.Err()
}

// mapErr keeps the client's types out of the error chain: a request too
// large is ErrTooLarge, an unreachable cluster ErrUnavailable, a context's
// end its error.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (%w)", ErrUnavailable, err)
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.ResourceExhausted, codes.InvalidArgument:
			if strings.Contains(st.Message(), "too large") || st.Code() == codes.ResourceExhausted {
				return fmt.Errorf("%w: the request is larger than the cluster takes (WithMaxRequestBytes, with the servers' --max-request-bytes)", configmgr.ErrTooLarge)
			}
		case codes.Unavailable, codes.DeadlineExceeded:
			return fmt.Errorf("%w: %s", ErrUnavailable, st.Message())
		case codes.Canceled:
			return context.Canceled
		}
		return fmt.Errorf("%s", st.Message())
	}
	return fmt.Errorf("%v", err)
}

// Location implements [configmgr.LocationStore]: the key of env's
// document, as "etcd PREFIXdocs/ENV".
func (s *Store) Location(env string) string {
	if env == "" {
		return "etcd " + s.schemaKey()
	}
	return "etcd " + s.docKey(env)
}

// Get implements [configmgr.Store].
func (s *Store) Get(ctx context.Context, env string) (configmgr.Document, error) {
	if err := s.check(ctx, env); err != nil {
		return configmgr.Document{}, s.fail("get", env, err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	resp, err := s.c.Get(ctx, s.docKey(env))
	if err != nil {
		return configmgr.Document{}, s.fail("get", env, s.mapErr(err))
	}
	if len(resp.Kvs) == 0 {
		return configmgr.Document{}, s.fail("get", env, fmt.Errorf("%w: %s", configmgr.ErrNotFound, s.Location(env)))
	}
	kv := resp.Kvs[0]
	return configmgr.Document{Data: kv.Value, Revision: revision(kv.ModRevision)}, nil
}

// Put implements [configmgr.Store]: one transaction compares the
// document's revision (and the schema's, if opts carry one), writes the
// document and the backup of the version it replaces, and deletes the
// backups rotated out.
func (s *Store) Put(ctx context.Context, env string, data []byte, opts configmgr.PutOptions) (configmgr.Revision, error) {
	if err := s.check(ctx, env); err != nil {
		return "", s.fail("put", env, err)
	}
	if err := s.checkFormat(ctx); err != nil {
		return "", s.fail("put", env, err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	key := s.docKey(env)
	// One read: the current document, the policy and the backups' IDs.
	pre, err := s.c.Txn(ctx).Then(
		clientv3.OpGet(key),
		clientv3.OpGet(s.retentionKey()),
		clientv3.OpGet(s.sizesKey(env), clientv3.WithPrefix(), clientv3.WithKeysOnly()),
	).Commit()
	if err != nil {
		return "", s.fail("put", env, s.mapErr(err))
	}
	cur := pre.Responses[0].GetResponseRange().Kvs
	var curRev configmgr.Revision
	var old []byte
	if len(cur) > 0 {
		curRev, old = revision(cur[0].ModRevision), cur[0].Value
	}
	if curRev != opts.Revision {
		return "", s.fail("put", env, fmt.Errorf("%w: have %q, want %q", configmgr.ErrConflict, curRev, opts.Revision))
	}
	keep := opts.Keep
	if pol := pre.Responses[1].GetResponseRange().Kvs; len(pol) > 0 {
		if n, err := strconv.Atoi(string(pol[0].Value)); err == nil {
			keep = configmgr.KeepAtLeast(keep, n)
		}
	}
	backup := len(cur) > 0 && keep != 0
	if size := len(data) + len(old)*boolInt(backup) + 4096; size > s.o.maxRequest {
		return "", s.fail("put", env, fmt.Errorf("%w: the document and the backup of the one it replaces would make a request of %d bytes; the limit is %d (WithMaxRequestBytes, with the servers' --max-request-bytes)", configmgr.ErrTooLarge, size, s.o.maxRequest))
	}
	ops := []clientv3.Op{clientv3.OpPut(key, string(data))}
	if backup {
		var ids []string
		for _, kv := range pre.Responses[2].GetResponseRange().Kvs {
			ids = append(ids, strings.TrimPrefix(string(kv.Key), s.sizesKey(env)))
		}
		id, _ := configmgr.NewBackupID(now(), ids)
		ops = append(ops, clientv3.OpPut(s.backupsKey(env)+id, string(old)), clientv3.OpPut(s.sizesKey(env)+id, strconv.Itoa(len(old))))
		if keep > 0 && len(ids)+1 > keep {
			sortNewestFirst(ids)
			for _, drop := range ids[keep-1:] {
				if len(ops)+2 > maxOps {
					break // the next write rotates the rest
				}
				ops = append(ops, clientv3.OpDelete(s.backupsKey(env)+drop), clientv3.OpDelete(s.sizesKey(env)+drop))
			}
		}
	}
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", 0)}
	if len(cur) > 0 {
		cmps[0] = clientv3.Compare(clientv3.ModRevision(key), "=", cur[0].ModRevision)
	}
	if opts.Schema != "" {
		cmps = append(cmps, clientv3.Compare(clientv3.Value(s.schemaRevKey()), "=", string(opts.Schema)))
	}
	resp, err := s.c.Txn(ctx).If(cmps...).Then(ops...).Else(clientv3.OpGet(key), clientv3.OpGet(s.schemaRevKey())).Commit()
	if err != nil {
		return "", s.fail("put", env, s.mapErr(err))
	}
	if !resp.Succeeded {
		if opts.Schema != "" {
			sr := resp.Responses[1].GetResponseRange().Kvs
			if len(sr) == 0 || configmgr.Revision(sr[0].Value) != opts.Schema {
				return "", s.fail("put", env, fmt.Errorf("%w: the document was validated against another schema than %s", configmgr.ErrSchemaChanged, s.schemaKey()))
			}
		}
		return "", s.fail("put", env, fmt.Errorf("%w: the document changed meanwhile", configmgr.ErrConflict))
	}
	return revision(resp.Header.Revision), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortNewestFirst sorts backup IDs newest first.
func sortNewestFirst(ids []string) {
	sort.SliceStable(ids, func(i, j int) bool {
		ti, _ := configmgr.ParseBackupID(ids[i])
		tj, _ := configmgr.ParseBackupID(ids[j])
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return ids[i] > ids[j]
	})
}

// List implements [configmgr.Store].
func (s *Store) List(ctx context.Context) ([]string, error) {
	if err := s.checkStore(ctx); err != nil {
		return nil, s.fail("list", "", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	resp, err := s.c.Get(ctx, s.prefix+"docs/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, s.fail("list", "", s.mapErr(err))
	}
	envs := []string{}
	for _, kv := range resp.Kvs {
		envs = append(envs, strings.TrimPrefix(string(kv.Key), s.prefix+"docs/"))
	}
	sort.Strings(envs)
	return envs, nil
}

// Backups implements [configmgr.HistoryStore].
func (s *Store) Backups(ctx context.Context, env string) ([]configmgr.Backup, error) {
	if err := s.check(ctx, env); err != nil {
		return nil, s.fail("backups", env, err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	resp, err := s.c.Get(ctx, s.sizesKey(env), clientv3.WithPrefix())
	if err != nil {
		return nil, s.fail("backups", env, s.mapErr(err))
	}
	out := []configmgr.Backup{}
	for _, kv := range resp.Kvs {
		id := strings.TrimPrefix(string(kv.Key), s.sizesKey(env))
		t, ok := configmgr.ParseBackupID(id)
		if !ok {
			continue
		}
		size, _ := strconv.ParseInt(string(kv.Value), 10, 64)
		out = append(out, configmgr.Backup{ID: id, Time: t, Size: size})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// ReadBackup implements [configmgr.HistoryStore].
func (s *Store) ReadBackup(ctx context.Context, env, id string) ([]byte, error) {
	if err := s.check(ctx, env); err != nil {
		return nil, s.fail("read backup", env, err)
	}
	if err := configmgr.CheckBackupID(id); err != nil {
		return nil, s.fail("read backup", env, err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	resp, err := s.c.Get(ctx, s.backupsKey(env)+id)
	if err != nil {
		return nil, s.fail("read backup", env, s.mapErr(err))
	}
	if len(resp.Kvs) == 0 {
		return nil, s.fail("read backup", env, fmt.Errorf("backup %s: %w: %s", id, configmgr.ErrNotFound, s.backupsKey(env)+id))
	}
	return resp.Kvs[0].Value, nil
}
