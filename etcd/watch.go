package etcd

import (
	"context"
	"fmt"

	"github.com/configmgr/configmgr"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Watch implements [configmgr.WatchStore] with an etcd watch on the
// document's key from the revision after the one read, on a stream that
// requires a leader. A compacted history makes it return, so that the
// caller reads again; a watch the server cancels, or a closed stream, is
// an error, never a change.
func (s *Store) Watch(ctx context.Context, env string, rev configmgr.Revision) error {
	if err := s.check(ctx, env); err != nil {
		return s.fail("watch", env, err)
	}
	gctx, cancel := s.ctx(ctx)
	resp, err := s.c.Get(gctx, s.docKey(env))
	cancel()
	if err != nil {
		return s.fail("watch", env, s.mapErr(err))
	}
	var cur configmgr.Revision
	if len(resp.Kvs) > 0 {
		cur = revision(resp.Kvs[0].ModRevision)
	}
	if cur != rev {
		return nil
	}
	wctx, stop := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer stop()
	for wr := range s.c.Watch(wctx, s.docKey(env), clientv3.WithRev(resp.Header.Revision+1)) {
		switch {
		case wr.CompactRevision != 0:
			return nil // history gone: read again
		case wr.Canceled || wr.Err() != nil:
			return s.fail("watch", env, s.mapErr(wr.Err()))
		case len(wr.Events) > 0:
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return s.fail("watch", env, err)
	}
	if s.closed.Load() {
		return s.fail("watch", env, configmgr.ErrClosed)
	}
	return s.fail("watch", env, fmt.Errorf("%w: the watch stream closed", ErrUnavailable))
}
