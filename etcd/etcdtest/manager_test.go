package etcdtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/etcd"
	"github.com/configmgr/configmgr/internal/proctest"
	"github.com/configmgr/configmgr/sqlite"
)

const sampleDir = "../../testdata/config"

// sampleManager opens a Manager over a new prefix holding the sample
// schema and environments, and returns it with the prefix.
func sampleManager(t *testing.T, opts ...configmgr.Option) (*configmgr.Manager, string) {
	t.Helper()
	prefix := fmt.Sprintf("/sample/%d/", seq.Add(1))
	s, err := etcd.Open(client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := os.ReadFile(filepath.Join(sampleDir, "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := configmgr.Open(s, append([]configmgr.Option{configmgr.WithSchema(schema)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	for _, env := range []string{"dev", "staging", "production"} {
		data, _ := os.ReadFile(filepath.Join(sampleDir, env+".json"))
		if err := m.Write(env, json.RawMessage(data)); err != nil {
			t.Fatal(err)
		}
	}
	return m, prefix
}

// TestProcessesIncrement: 8 OS processes × 200 UpdateFunc increments
// against one server end at exactly 1600; every call succeeds, so no
// ErrConflict reaches a caller (the Manager retries compare-and-swap).
func TestProcessesIncrement(t *testing.T) {
	proctest.SkipShort(t)
	const procs, each = 8, 200
	m, prefix := sampleManager(t)
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 0}}); err != nil {
		t.Fatal(err)
	}
	endpoints := strings.Join(cluster.Endpoints(), ",")
	cmds := make([]*exec.Cmd, procs)
	start := time.Now()
	for i := range cmds {
		cmds[i] = proctest.Command("increment", each, endpoints, prefix)
		cmds[i].Stderr = &strings.Builder{}
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, c.Stderr)
		}
	}
	got, err := proctest.TTL(m)
	if err != nil || got != procs*each {
		t.Fatalf("after %d×%d increments the counter is %d (%v)", procs, each, got, err)
	}
	t.Logf("%d updates by %d processes in %v", procs*each, procs, time.Since(start).Round(time.Millisecond))
}

// TestMigrateRoundTrip: files -> etcd -> SQLite -> etcd -> files gives the
// same bytes, backups and IDs included, and a second Migrate changes
// nothing.
func TestMigrateRoundTrip(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	configDir := filepath.Join(dir, "config")
	os.Mkdir(configDir, 0o700)
	for _, name := range []string{"schema.json", "dev.json", "staging.json", "production.json"} {
		data, _ := os.ReadFile(filepath.Join(sampleDir, name))
		os.WriteFile(filepath.Join(configDir, name), data, 0o600)
	}
	files, err := configmgr.New(configDir, filepath.Join(dir, "backups"))
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	for i := range 3 {
		if err := files.Update("dev", map[string]any{"cache": map[string]any{"ttl": 100 + i}}); err != nil {
			t.Fatal(err)
		}
	}
	e1, _ := etcd.Open(client, fmt.Sprintf("/migrate/%d/", seq.Add(1)))
	db, err := sqlite.Open(filepath.Join(dir, "config.db"), sqlite.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e2, _ := etcd.Open(client, fmt.Sprintf("/migrate/%d/", seq.Add(1)))
	back := filepath.Join(dir, "back")
	os.Mkdir(back, 0o700)
	out, err := configmgr.NewFileStore(back, filepath.Join(dir, "back-backups"))
	if err != nil {
		t.Fatal(err)
	}
	chain := []configmgr.Store{files.Store(), e1, db, e2, out}
	for i := 1; i < len(chain); i++ {
		r, err := configmgr.Migrate(ctx, chain[i], chain[i-1])
		if err != nil || len(r.Copied) != 3 || !r.Schema {
			t.Fatalf("Migrate %T -> %T = %v, %v", chain[i-1], chain[i], r, err)
		}
		r, err = configmgr.Migrate(ctx, chain[i], chain[i-1])
		if err != nil || len(r.Copied) != 0 || len(r.Unchanged) != 3 {
			t.Fatalf("second Migrate %T -> %T = %v, %v; want nothing to do", chain[i-1], chain[i], r, err)
		}
	}
	for _, env := range []string{"dev", "staging", "production"} {
		a, _ := os.ReadFile(filepath.Join(configDir, env+".json"))
		b, _ := os.ReadFile(filepath.Join(back, env+".json"))
		if string(a) != string(b) {
			t.Errorf("%s differs after the round trip", env)
		}
	}
	r, err := configmgr.Migrate(ctx, out, files.Store())
	if err != nil || len(r.Unchanged) != 3 {
		t.Fatalf("the round trip lost history: %v, %v", r, err)
	}
}

// TestTooLarge: a write whose document and backup would pass the request
// limit is refused before it is sent, naming the limit and the option;
// past the server's own limit, its error never reaches the user raw.
func TestTooLarge(t *testing.T) {
	m, _ := sampleManager(t)
	big := strings.Repeat("x", 800<<10)
	if err := m.Update("dev", map[string]any{"logging": map[string]any{"format": big}}); err != nil {
		t.Fatalf("an 800 KiB document with no backup yet: %v", err)
	}
	before, _ := m.Read("dev")
	err := m.Update("dev", map[string]any{"logging": map[string]any{"format": big + "y"}})
	if !errors.Is(err, configmgr.ErrTooLarge) || !strings.Contains(err.Error(), "WithMaxRequestBytes") {
		t.Fatalf("an 800 KiB document with its backup = %v; want ErrTooLarge naming WithMaxRequestBytes", err)
	}
	if after, _ := m.Read("dev"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("the refused write changed the document")
	}
	// Raising the store's limit past the server's: the server refuses.
	s, _ := etcd.Open(client, fmt.Sprintf("/large/%d/", seq.Add(1)), etcd.WithMaxRequestBytes(64<<20))
	defer s.Close()
	_, err = s.Put(t.Context(), "dev", []byte(`{"x": "`+strings.Repeat("z", 3<<20)+`"}`), configmgr.PutOptions{})
	if !errors.Is(err, configmgr.ErrTooLarge) || strings.Contains(err.Error(), "rpc error") {
		t.Fatalf("a 3 MiB request = %v; want ErrTooLarge, not the raw gRPC error", err)
	}
}

// TestOpenUnreachable: opening over a cluster that does not answer returns
// within the context's deadline, or the default one, with a typed error:
// ErrUnavailable, or the context's.
func TestOpenUnreachable(t *testing.T) {
	dead := []string{"127.0.0.1:1"}
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		opts []configmgr.Option
		max  time.Duration
	}{
		{"context deadline", func() (context.Context, context.CancelFunc) { return context.WithTimeout(t.Context(), time.Second) }, nil, 3 * time.Second},
		{"default deadline", func() (context.Context, context.CancelFunc) { return context.WithCancel(t.Context()) }, []configmgr.Option{etcd.WithTimeout(time.Second)}, 3 * time.Second},
	} {
		ctx, cancel := tc.ctx()
		start := time.Now()
		_, err := etcd.New(ctx, dead, "/x/", tc.opts...)
		cancel()
		if d := time.Since(start); err == nil || d > tc.max {
			t.Errorf("%s: New over a dead endpoint = %v after %v", tc.name, err, d)
		}
		if !errors.Is(err, etcd.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: New over a dead endpoint = %v; want ErrUnavailable or the deadline's error", tc.name, err)
		}
	}
}
