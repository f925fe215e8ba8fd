package sqlite_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/proctest"
	"github.com/configmgr/configmgr/sqlite"
)

func TestMain(m *testing.M) {
	proctest.Main(func(args []string) (*configmgr.Manager, error) { return sqlite.New(args[0]) })
	os.Exit(m.Run())
}

var incrementTTL = proctest.IncrementTTL

func ttlOf(t testing.TB, m *configmgr.Manager) int64 {
	t.Helper()
	n, err := proctest.TTL(m)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func helper(role, path string, n int) *exec.Cmd { return proctest.Command(role, n, path) }

// TestProcessesIncrement: 8 processes × 200 UpdateFunc increments on one
// database end at exactly 1600, every call succeeding.
func TestProcessesIncrement(t *testing.T) {
	const procs, each = 8, 200
	m, path := newManager(t)
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 0}}); err != nil {
		t.Fatal(err)
	}
	cmds := make([]*exec.Cmd, procs)
	start := time.Now()
	for i := range cmds {
		cmds[i] = helper("increment", path, each)
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
	elapsed := time.Since(start)
	if got := ttlOf(t, m); got != procs*each {
		t.Fatalf("after %d×%d increments the counter is %d", procs, each, got)
	}
	t.Logf("%d updates by %d processes in %v (%.0f/s)", procs*each, procs, elapsed.Round(time.Millisecond), float64(procs*each)/elapsed.Seconds())
}

// TestKillWriter kills a writing process 50 times at random moments; after
// each kill the database opens, passes PRAGMA integrity_check, every
// document and backup validates, and the next write goes through at once.
func TestKillWriter(t *testing.T) {
	const kills = 50
	m, path := newManager(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	for i := range kills {
		if err := proctest.KillWhileWriting(helper("forever", path, 0), rng, 20*time.Millisecond); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}

		var check string
		if err := rawDB(t, path).QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Fatalf("kill %d: integrity_check = %q, %v", i, check, err)
		}
		fresh, err := sqlite.New(path)
		if err != nil {
			t.Fatalf("kill %d: the database does not open: %v", i, err)
		}
		for _, env := range []string{"dev", "staging", "production"} {
			if _, err := fresh.Read(env); err != nil {
				t.Fatalf("kill %d: %s does not validate: %v", i, env, err)
			}
		}
		bs, _ := fresh.Backups("dev")
		store := fresh.Store().(*sqlite.Store)
		for _, b := range bs {
			data, err := store.ReadBackup(t.Context(), "dev", b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(data) {
				t.Fatalf("kill %d: backup %s is damaged", i, b.ID)
			}
		}
		before := ttlOf(t, fresh)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err = fresh.UpdateFuncContext(ctx, "dev", incrementTTL)
		cancel()
		if err != nil {
			t.Fatalf("kill %d: the write after the kill failed: %v", i, err)
		}
		if after := ttlOf(t, fresh); after != before+1 {
			t.Fatalf("kill %d: counter %d -> %d", i, before, after)
		}
		if len(bs) > 5 {
			t.Fatalf("kill %d: %d backups; want at most 5", i, len(bs))
		}
		fresh.Close()
	}
	_ = m
}
