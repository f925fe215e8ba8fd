package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configmgr/configmgr"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// ErrUnavailable reports that the cluster did not answer in time: no
// leader, no quorum, or no server reachable.
var ErrUnavailable = errors.New("etcd cluster unavailable")

// ErrFormat reports a prefix whose keys were written by a newer version,
// or by something other than configmgr.
var ErrFormat = errors.New("unsupported layout under the prefix")

const formatVersion = "1"

// Option configures the store that [Open], [OpenEndpoints] or [New]
// opens. When an option is given more than once, the last one wins.
//
// An Option is also a [configmgr.Option], so that [New] takes it in one
// list with the Manager's options.
type Option struct {
	configmgr.StoreOption
	apply func(*options)
}

type options struct {
	timeout     time.Duration
	maxRequest  int
	dialTimeout time.Duration
}

func option(name string, apply func(*options)) Option {
	return Option{StoreOption: configmgr.StoreOption{Name: "etcd." + name}, apply: apply}
}

// WithTimeout sets the deadline given to a call whose context has none.
// The default is 10 seconds.
func WithTimeout(d time.Duration) Option {
	return option("WithTimeout", func(o *options) { o.timeout = d })
}

// WithMaxRequestBytes sets the largest request the store sends: a write
// whose document and backup together would be larger is refused before it
// is sent. The default is etcd's own default, 1.5 MiB; raise it together
// with the servers' --max-request-bytes.
func WithMaxRequestBytes(n int) Option {
	return option("WithMaxRequestBytes", func(o *options) { o.maxRequest = n })
}

// WithDialTimeout sets how long [OpenEndpoints] and [New] wait to connect.
// The default is 5 seconds.
func WithDialTimeout(d time.Duration) Option {
	return option("WithDialTimeout", func(o *options) { o.dialTimeout = d })
}

// ReconnectQuickly is the dial option [OpenEndpoints] gives its client:
// after an outage it tries to reconnect at least every two seconds, where
// gRPC's default waits up to two minutes. Give it to a client you make for
// [Open], so that a service is back soon after the cluster is.
var ReconnectQuickly = grpc.WithConnectParams(grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
	MinConnectTimeout: time.Second,
})

// Store is a [configmgr.Store] on etcd, under one key prefix. It is also
// a [configmgr.HistoryStore], [configmgr.SchemaGuardStore],
// [configmgr.ImportStore], [configmgr.WatchStore],
// [configmgr.RetentionStore] and [configmgr.LocationStore]. It can only
// compare-and-swap, so a Manager retries its read-modify-writes on
// conflict.
//
// A Store is safe for concurrent use by multiple goroutines. The zero
// value cannot be used; call [Open].
type Store struct {
	c       *clientv3.Client
	own     bool // Close closes c
	prefix  string
	o       options
	closed  atomic.Bool
	checked atomic.Bool // the layout marker was checked

	mu   sync.Mutex
	last map[string]written // what this store last wrote of each environment
}

// written is what a Put knew when it committed: with it, the next Put at
// that revision needs no read before its transaction, whose compares
// (the document's and the policy's ModRevision) prove it still true.
type written struct {
	rev       int64    // the document's ModRevision
	data      []byte   // the document
	names     []string // its backups, as ID/SIZE
	policy    int      // the retention policy, if hasPolicy
	hasPolicy bool
	policyRev int64 // the policy key's ModRevision (0: none)
}

var (
	_ configmgr.HistoryStore     = (*Store)(nil)
	_ configmgr.SchemaGuardStore = (*Store)(nil)
	_ configmgr.ImportStore      = (*Store)(nil)
	_ configmgr.WatchStore       = (*Store)(nil)
	_ configmgr.RetentionStore   = (*Store)(nil)
	_ configmgr.LocationStore    = (*Store)(nil)
)

func applyOptions(opts []Option) options {
	o := options{timeout: 10 * time.Second, maxRequest: 1536 * 1024, dialTimeout: 5 * time.Second}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&o)
		}
	}
	return o
}

// Open returns a store over client, which the caller configured (its
// endpoints, TLS and auth) and keeps: [Store.Close] does not close it.
// Every key lives under prefix, which must not be empty; a "/" is added if
// it does not end with one. Open checks the layout marker under prefix,
// writing it into an empty prefix, within the default deadline.
func Open(client *clientv3.Client, prefix string, opts ...Option) (*Store, error) {
	return open(context.Background(), client, false, prefix, applyOptions(opts))
}

// OpenEndpoints connects to the cluster at endpoints ("host:2379") and
// opens the store under prefix, as [Open] does; Close closes the
// connection. ctx bounds the connection and the first request.
func OpenEndpoints(ctx context.Context, endpoints []string, prefix string, opts ...Option) (*Store, error) {
	o := applyOptions(opts)
	// The client's own log lines would repeat, on stderr, what the store's
	// errors say.
	c, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: o.dialTimeout, Context: context.WithoutCancel(ctx),
		DialOptions: []grpc.DialOption{ReconnectQuickly}, Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("etcd: connect to %s: %w", strings.Join(endpoints, ","), err)
	}
	s, err := open(ctx, c, true, prefix, o)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

// New returns a [configmgr.Manager] over the store under prefix on the
// cluster at endpoints: the etcd twin of [configmgr.New]. opts mixes this
// package's options with the Manager's. ctx bounds opening.
func New(ctx context.Context, endpoints []string, prefix string, opts ...configmgr.Option) (*configmgr.Manager, error) {
	own, mopts := configmgr.SplitOptions[Option](opts)
	s, err := OpenEndpoints(ctx, endpoints, prefix, own...)
	if err != nil {
		return nil, err
	}
	m, err := configmgr.OpenContext(ctx, s, mopts...)
	if err != nil {
		s.Close()
		return nil, err
	}
	return m, nil
}

func open(ctx context.Context, c *clientv3.Client, own bool, prefix string, o options) (*Store, error) {
	if prefix == "" {
		return nil, errors.New("etcd: open: the prefix must not be empty")
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	s := &Store{c: c, own: own, prefix: prefix, o: o}
	if err := s.checkFormat(ctx); err != nil && !errors.Is(err, ErrUnavailable) {
		return nil, fmt.Errorf("etcd: open %s: %w", prefix, err)
	}
	// An unreachable cluster is no reason to fail here: a Manager with
	// configmgr.WithFallback serves its kept copy meanwhile. The marker is
	// checked before the first write.
	return s, nil
}

// checkFormat checks the layout marker under the prefix, writing it into
// an empty prefix.
func (s *Store) checkFormat(ctx context.Context) error {
	if s.checked.Load() {
		return nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	key := s.prefix + "format"
	resp, err := s.c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, formatVersion)).Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return s.mapErr(err)
	}
	if !resp.Succeeded {
		kvs := resp.Responses[0].GetResponseRange().Kvs
		if len(kvs) == 0 || string(kvs[0].Value) != formatVersion {
			have := ""
			if len(kvs) > 0 {
				have = string(kvs[0].Value)
			}
			return fmt.Errorf("%w: format %q, this version reads %s", ErrFormat, have, formatVersion)
		}
	}
	s.checked.Store(true)
	return nil
}

// Close implements [configmgr.Store]. It closes the client if the store
// made it ([OpenEndpoints], [New]).
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.own {
		return s.c.Close()
	}
	return nil
}

// String describes the store by its prefix.
func (s *Store) String() string { return "etcd.Store{" + s.prefix + "}" }

// GoString is String.
func (s *Store) GoString() string { return s.String() }
