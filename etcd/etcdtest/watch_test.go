package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/etcd"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
)

// countingClient is a client whose every request, unary or stream, is
// counted.
func countingClient(t *testing.T, endpoints []string, n *atomic.Int64) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 2 * time.Second,
		DialOptions: []grpc.DialOption{
			etcd.ReconnectQuickly,
			grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
				n.Add(1)
				return invoker(ctx, method, req, reply, cc, opts...)
			}),
			grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
				n.Add(1)
				return streamer(ctx, desc, cc, method, opts...)
			}),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestWatchOutage stops the server under a watching Manager: the requests
// the watch sends during the outage stay bounded (no loop spinning on a
// closed channel), the Live keeps serving its last version, and when the
// server returns the Live moves to the document written meanwhile.
func TestWatchOutage(t *testing.T) {
	c := Start(t, 1)
	var requests atomic.Int64
	cli := countingClient(t, c.Endpoints(), &requests)
	m := objectManager(t, cli, "/outage/", etcd.WithTimeout(500*time.Millisecond))
	if err := m.Write("dev", map[string]any{"ttl": 1}); err != nil {
		t.Fatal(err)
	}
	type cfg struct {
		TTL int `json:"ttl"`
	}
	l, err := configmgr.Watch[cfg](t.Context(), m, "dev", configmgr.WithPollInterval(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	c.StopMember(0)
	before := requests.Load()
	const outage = 3 * time.Second
	time.Sleep(outage)
	during := requests.Load() - before
	// One retry per poll interval, each a few requests, and the client's
	// own retries: far from a spin, which sends thousands a second.
	if max := int64(outage/(200*time.Millisecond))*6 + 20; during > max {
		t.Fatalf("%d requests during a %v outage; want at most %d", during, outage, max)
	}
	if l.Latest().TTL != 1 {
		t.Fatalf("Latest during the outage = %+v", l.Latest())
	}
	if err := c.RestartMember(0); err != nil {
		t.Fatal(err)
	}
	other, err := etcd.Open(client2(t, c.Endpoints()), "/outage/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Put(t.Context(), "dev", []byte(`{"ttl": 2}`), configmgr.PutOptions{Revision: currentRev(t, other, "dev"), Keep: 5}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for l.Latest().TTL != 2 {
		// Next reports each version the Live rejects while the client
		// reconnects; only this test's own deadline ends the wait.
		if l.Next(ctx); ctx.Err() != nil {
			t.Fatalf("the Live did not resume after the outage: %+v, %v", l.Latest(), l.Err())
		}
	}
	t.Logf("%d requests during a %v outage", during, outage)
}

// objectManager opens a Manager over the etcd store at prefix, with a
// schema that takes any object, and closes it when the test ends.
func objectManager(t *testing.T, c *clientv3.Client, prefix string, opts ...etcd.Option) *configmgr.Manager {
	t.Helper()
	s, err := etcd.Open(c, prefix, opts...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := configmgr.Open(s, configmgr.WithSchema([]byte(`{"type": "object"}`)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func client2(t *testing.T, endpoints []string) *clientv3.Client {
	c, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, DialOptions: []grpc.DialOption{etcd.ReconnectQuickly}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func currentRev(t *testing.T, s configmgr.Store, env string) configmgr.Revision {
	doc, err := s.Get(t.Context(), env)
	if err != nil {
		t.Fatal(fmt.Errorf("Get %s: %w", env, err))
	}
	return doc.Revision
}

// TestFallback: with the server stopped, a Manager with WithFallback
// serves the copy it kept, with ErrStale, and a new one opens on the kept
// schema; writes fail; when the server returns, reads are live again.
func TestFallback(t *testing.T) {
	c := Start(t, 1)
	keep := t.TempDir()
	open := func() (*configmgr.Manager, error) {
		cli := client2(t, c.Endpoints())
		s, err := etcd.Open(cli, "/fallback/", etcd.WithTimeout(time.Second))
		if err != nil {
			return nil, err
		}
		return configmgr.OpenContext(t.Context(), s, configmgr.WithFallback(keep))
	}
	seed, _ := etcd.Open(client2(t, c.Endpoints()), "/fallback/")
	seed.SetSchema(t.Context(), []byte(`{"type": "object", "properties": {"ttl": {"type": "integer"}}}`))
	seed.Put(t.Context(), "dev", []byte(`{"ttl": 5}`), configmgr.PutOptions{})
	m, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if doc, err := m.Read("dev"); err != nil || fmt.Sprint(doc["ttl"]) != "5" {
		t.Fatalf("Read = %v, %v", doc, err)
	}
	c.StopMember(0)
	doc, err := m.Read("dev")
	if !errors.Is(err, configmgr.ErrStale) || fmt.Sprint(doc["ttl"]) != "5" {
		t.Fatalf("Read with the server stopped = %v, %v; want the kept copy and ErrStale", doc, err)
	}
	if err := m.Update("dev", map[string]any{"ttl": 6}); err == nil || errors.Is(err, configmgr.ErrStale) {
		t.Fatalf("Update with the server stopped = %v; want a failure", err)
	}
	// A service that starts during the outage opens on the kept schema.
	m2, err := open()
	if err != nil {
		t.Fatalf("Open during the outage, with a kept copy = %v", err)
	}
	if doc, err := m2.Read("dev"); !errors.Is(err, configmgr.ErrStale) || fmt.Sprint(doc["ttl"]) != "5" {
		t.Fatalf("a new Manager's Read during the outage = %v, %v", doc, err)
	}
	m2.Close()
	if err := c.RestartMember(0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, err := m.ReadContext(ctx, "dev"); err == nil {
			break
		} else if ctx.Err() != nil {
			t.Fatalf("reads did not return to the server: %v", err)
		}
	}
}

// TestWatchAcrossCompaction: when the history a Watch asks for has been
// compacted away by the time its watch reaches the server, Watch returns
// without error (its caller reads the document again) rather than failing
// or waiting on a watch that etcd has cancelled. The compaction is made
// from inside the client, as the watch stream opens: between Watch's read
// of the document and its watch from the revision after that read.
func TestWatchAcrossCompaction(t *testing.T) {
	other := client2(t, cluster.Endpoints())
	var once atomic.Bool
	prefix := fmt.Sprintf("/compaction/%d/", seq.Add(1))
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cluster.Endpoints(),
		DialTimeout: 5 * time.Second,
		DialOptions: []grpc.DialOption{
			grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
				if strings.HasSuffix(method, "/Watch") && once.CompareAndSwap(false, true) {
					// Move the store's revision past the one the watch
					// starts from, and compact the history up to it.
					var last int64
					for i := range 2 {
						resp, err := other.Put(context.Background(), prefix+"unrelated", fmt.Sprint(i))
						if err != nil {
							return nil, err
						}
						last = resp.Header.Revision
					}
					if _, err := other.Compact(context.Background(), last); err != nil {
						return nil, err
					}
				}
				return streamer(ctx, desc, cc, method, opts...)
			}),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	s, err := etcd.Open(cli, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rev, err := s.Put(t.Context(), "dev", []byte(`{"ttl": 1}`), configmgr.PutOptions{Keep: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := s.Watch(ctx, "dev", rev); err != nil {
		t.Fatalf("Watch from a compacted revision = %v; want nil, for the caller to read again", err)
	}
	if !once.Load() {
		t.Fatal("the watch stream never opened: the compaction was not made")
	}
	if got := currentRev(t, s, "dev"); got != rev {
		t.Fatalf("the document moved to %s; the Watch returned for the compaction alone", got)
	}
}
