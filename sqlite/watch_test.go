package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/proctest"
)

type liveConfig struct {
	Cache struct {
		TTL int `json:"ttl"`
	} `json:"cache"`
}

func next(t *testing.T, l *configmgr.Live[liveConfig]) (*liveConfig, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	v, err := l.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("no change was seen within 5s")
	}
	return v, err
}

// TestWatch follows changes made by another process, and by hand in SQL,
// rejecting a bad one.
func TestWatch(t *testing.T) {
	m, path := newManager(t)
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	if out, err := proctest.Command("increment", 1, path).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	v, err := next(t, l)
	if err != nil || v.Cache.TTL != 301 {
		t.Fatalf("after another process's update: %+v, %v", v, err)
	}

	// A commit by another connection, timed.
	db := rawDB(t, path)
	start := time.Now()
	if _, err := db.Exec(`UPDATE documents SET data = json_set(data, '$.cache.ttl', 302), revision = revision + 1 WHERE env = 'dev'`); err != nil {
		t.Fatal(err)
	}
	v, err = next(t, l)
	if err != nil || v.Cache.TTL != 302 {
		t.Fatalf("after a commit by another connection: %+v, %v", v, err)
	}
	t.Logf("another connection's commit to Latest in %v (poll interval 100ms)", time.Since(start).Round(time.Millisecond))

	if _, err := db.Exec(`UPDATE documents SET data = '{"environment": 1}', revision = revision + 1 WHERE env = 'dev'`); err != nil {
		t.Fatal(err)
	}
	if _, err := next(t, l); !errors.Is(err, configmgr.ErrRejected) || l.Latest().Cache.TTL != 302 {
		t.Fatalf("a bad version: %v; Latest %+v", err, l.Latest())
	}
	if err := m.Write("dev", map[string]any{
		"environment": "development",
		"database":    map[string]any{"host": "h", "port": 1, "name": "n", "username": "u", "password": "p"},
		"logging":     map[string]any{"level": "INFO"},
		"cache":       map[string]any{"ttl": 5},
	}); err != nil {
		t.Fatal(err)
	}
	if v, err := next(t, l); err != nil || v.Cache.TTL != 5 || l.Err() != nil {
		t.Fatalf("a good version after a bad one: %+v, %v, %v", v, err, l.Err())
	}
}
