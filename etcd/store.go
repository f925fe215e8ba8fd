package etcd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/configmgr/configmgr"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// maxOps is how many operations one transaction may hold: etcd's default
// --max-txn-ops is 128, and a write needs a few besides the deletes.
const maxOps = 120

func (s *Store) docKey(env string) string     { return s.prefix + "docs/" + env }
func (s *Store) backupsKey(env string) string { return s.prefix + "backups/" + env + "/" }

// backupKey is the key of a backup: its ID and its size in the name, so
// that listing the keys lists the backups with their sizes.
func (s *Store) backupKey(env, id string, size int) string {
	return s.backupsKey(env) + id + "/" + strconv.Itoa(size)
}

// backupName splits the part of a backup's key after backupsKey into the
// ID and the size.
func backupName(name string) (id string, size int64, ok bool) {
	id, sz, ok := strings.Cut(name, "/")
	if !ok {
		return "", 0, false
	}
	n, err := strconv.ParseInt(sz, 10, 64)
	return id, n, err == nil
}
func (s *Store) sizesKey(env string) string { return s.prefix + "sizes/" + env + "/" }
func (s *Store) schemaKey() string          { return s.prefix + "schema" }
func (s *Store) schemaRevKey() string       { return s.prefix + "schema_revision" }
func (s *Store) retentionKey() string       { return s.prefix + "retention" }
func revision(n int64) configmgr.Revision   { return configmgr.Revision(strconv.FormatInt(n, 10)) }
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
	for _, unavailable := range []error{rpctypes.ErrNoLeader, rpctypes.ErrGRPCNoLeader, rpctypes.ErrLeaderChanged, rpctypes.ErrGRPCLeaderChanged,
		rpctypes.ErrTimeout, rpctypes.ErrGRPCTimeout, rpctypes.ErrTimeoutDueToLeaderFail, rpctypes.ErrTimeoutDueToConnectionLost,
		rpctypes.ErrGRPCNotCapable, rpctypes.ErrStopped, rpctypes.ErrGRPCStopped} {
		if errors.Is(err, unavailable) {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
	if errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrGRPCRequestTooLarge) {
		return fmt.Errorf("%w: the request is larger than the cluster takes (WithMaxRequestBytes, with the servers' --max-request-bytes)", configmgr.ErrTooLarge)
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
	w, ok := s.written(env, opts.Revision)
	if !ok {
		var err error
		if w, err = s.read(ctx, env); err != nil {
			return "", s.fail("put", env, err)
		}
	}
	curRev := configmgr.Revision("")
	if w.rev != 0 {
		curRev = revision(w.rev)
	}
	if curRev != opts.Revision {
		return "", s.fail("put", env, fmt.Errorf("%w: have %q, want %q", configmgr.ErrConflict, curRev, opts.Revision))
	}
	keep := opts.Keep
	if w.hasPolicy {
		keep = configmgr.KeepAtLeast(keep, w.policy)
	}
	backup := w.rev != 0 && keep != 0
	if size := len(data) + len(w.data)*boolInt(backup) + 4096; size > s.o.maxRequest {
		return "", s.fail("put", env, fmt.Errorf("%w: the document and the backup of the one it replaces would make a request of %d bytes; the limit is %d (WithMaxRequestBytes, with the servers' --max-request-bytes)", configmgr.ErrTooLarge, size, s.o.maxRequest))
	}
	ops := []clientv3.Op{clientv3.OpPut(key, string(data))}
	names := slices.Clone(w.names)
	if backup {
		ids := make([]string, 0, len(names))
		for _, n := range names {
			id, _, _ := backupName(n)
			ids = append(ids, id)
		}
		id, _ := configmgr.NewBackupID(now(), ids)
		name := id + "/" + strconv.Itoa(len(w.data))
		ops = append(ops, clientv3.OpPut(s.backupsKey(env)+name, string(w.data)))
		names = append(names, name)
		if keep > 0 && len(names) > keep {
			sortNewestFirst(names)
			var kept []string
			for i, drop := range names {
				if i < keep || len(ops)+1 > maxOps { // the next write rotates the rest
					kept = append(kept, drop)
					continue
				}
				ops = append(ops, clientv3.OpDelete(s.backupsKey(env)+drop))
			}
			names = kept
		}
	}
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(key), "=", w.rev),
		clientv3.Compare(clientv3.ModRevision(s.retentionKey()), "=", w.policyRev),
	}
	if opts.Schema != "" {
		cmps = append(cmps, clientv3.Compare(clientv3.Value(s.schemaRevKey()), "=", string(opts.Schema)))
	}
	resp, err := s.c.Txn(ctx).If(cmps...).Then(ops...).Else(s.readOps(env)...).Commit()
	if err != nil {
		s.forget(env)
		return "", s.fail("put", env, s.mapErr(err))
	}
	if !resp.Succeeded {
		// The Else branch read what the next attempt needs: remember it,
		// and hand the caller the document, so that it retries at once.
		found := s.parseRead(env, resp)
		s.remember(env, found)
		if opts.Schema != "" {
			sr := resp.Responses[3].GetResponseRange().Kvs
			if len(sr) == 0 || configmgr.Revision(sr[0].Value) != opts.Schema {
				return "", s.fail("put", env, fmt.Errorf("%w: the document was validated against another schema than %s", configmgr.ErrSchemaChanged, s.schemaKey()))
			}
		}
		cur := configmgr.Document{}
		if found.rev != 0 {
			cur = configmgr.Document{Data: slices.Clone(found.data), Revision: revision(found.rev)}
		}
		return "", s.fail("put", env, &configmgr.ConflictError{Current: cur})
	}
	s.remember(env, written{rev: resp.Header.Revision, data: slices.Clone(data), names: names, policy: w.policy, hasPolicy: w.hasPolicy, policyRev: w.policyRev})
	return revision(resp.Header.Revision), nil
}

// readOps are the reads of what a Put needs: the current document, the
// retention policy, the names of the backups, and the schema's revision.
func (s *Store) readOps(env string) []clientv3.Op {
	return []clientv3.Op{
		clientv3.OpGet(s.docKey(env)),
		clientv3.OpGet(s.retentionKey()),
		clientv3.OpGet(s.backupsKey(env), clientv3.WithPrefix(), clientv3.WithKeysOnly()),
		clientv3.OpGet(s.schemaRevKey()),
	}
}

// read reads, in one request, what a Put needs.
func (s *Store) read(ctx context.Context, env string) (written, error) {
	resp, err := s.c.Txn(ctx).Then(s.readOps(env)...).Commit()
	if err != nil {
		return written{}, s.mapErr(err)
	}
	return s.parseRead(env, resp), nil
}

// parseRead reads the answers to readOps.
func (s *Store) parseRead(env string, resp *clientv3.TxnResponse) written {
	var w written
	if cur := resp.Responses[0].GetResponseRange().Kvs; len(cur) > 0 {
		w.rev, w.data = cur[0].ModRevision, cur[0].Value
	}
	if pol := resp.Responses[1].GetResponseRange().Kvs; len(pol) > 0 {
		w.policyRev = pol[0].ModRevision
		if n, err := strconv.Atoi(string(pol[0].Value)); err == nil {
			w.policy, w.hasPolicy = n, true
		}
	}
	for _, kv := range resp.Responses[2].GetResponseRange().Kvs {
		w.names = append(w.names, strings.TrimPrefix(string(kv.Key), s.backupsKey(env)))
	}
	return w
}

// written returns what this store last wrote of env, if that is at rev.
func (s *Store) written(env string, rev configmgr.Revision) (written, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.last[env]
	return w, ok && rev != "" && revision(w.rev) == rev
}

func (s *Store) remember(env string, w written) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[string]written{}
	}
	s.last[env] = w
}

func (s *Store) forget(env string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.last, env)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortNewestFirst sorts backup names (ID/SIZE) newest first.
func sortNewestFirst(ids []string) {
	sort.SliceStable(ids, func(i, j int) bool {
		a, _, _ := backupName(ids[i])
		b, _, _ := backupName(ids[j])
		ti, _ := configmgr.ParseBackupID(a)
		tj, _ := configmgr.ParseBackupID(b)
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
	resp, err := s.c.Get(ctx, s.backupsKey(env), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, s.fail("backups", env, s.mapErr(err))
	}
	out := []configmgr.Backup{}
	for _, kv := range resp.Kvs {
		id, size, ok := backupName(strings.TrimPrefix(string(kv.Key), s.backupsKey(env)))
		t, valid := configmgr.ParseBackupID(id)
		if !ok || !valid {
			continue
		}
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
	resp, err := s.c.Get(ctx, s.backupsKey(env)+id+"/", clientv3.WithPrefix())
	if err != nil {
		return nil, s.fail("read backup", env, s.mapErr(err))
	}
	if len(resp.Kvs) == 0 {
		return nil, s.fail("read backup", env, fmt.Errorf("backup %s: %w under %s", id, configmgr.ErrNotFound, s.backupsKey(env)))
	}
	return resp.Kvs[0].Value, nil
}
