package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/proctest"
	"github.com/configmgr/configmgr/sqlite"
)

func TestMain(m *testing.M) {
	if os.Getenv(proctest.Env) == "createfrom" {
		// args: -test.run=^$ -- 0 path configDir backupDir
		args := os.Args[len(os.Args)-3:]
		s, err := sqlite.Open(args[0], sqlite.WithCreateFrom(args[1], args[2]))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s.Close()
		os.Exit(0)
	}
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
	proctest.SkipShort(t)
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
	proctest.SkipShort(t)
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

// TestKillCreateFrom kills processes that make a database from files
// (WithCreateFrom) at random moments: afterwards there is either no
// database or a whole one, and the next import removes what the killed
// ones left.
func TestKillCreateFrom(t *testing.T) {
	proctest.SkipShort(t)
	const envs, kills = 150, 20
	src := t.TempDir()
	configDir, backupDir := filepath.Join(src, "config"), filepath.Join(src, "backups")
	os.Mkdir(configDir, 0o700)
	schema, _ := os.ReadFile("../testdata/config/schema.json")
	os.WriteFile(filepath.Join(configDir, "schema.json"), schema, 0o600)
	files, err := configmgr.New(configDir, backupDir, configmgr.WithBackups(-1))
	if err != nil {
		t.Fatal(err)
	}
	dev := sampleConfig(t)
	for i := range envs {
		env := fmt.Sprintf("env%03d", i)
		if err := files.Write(env, dev); err != nil {
			t.Fatal(err)
		}
		for ttl := range 3 {
			if err := files.Update(env, map[string]any{"cache": map[string]any{"ttl": ttl}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	files.Close()

	dir := t.TempDir()
	run := func(path string) *exec.Cmd {
		cmd := proctest.Command("createfrom", 0, path, configDir, backupDir)
		cmd.Stderr = &strings.Builder{}
		return cmd
	}
	// How long a whole import takes, to kill within it.
	start := time.Now()
	if cmd := run(filepath.Join(dir, "whole.db")); cmd.Run() != nil {
		t.Fatalf("import: %s", cmd.Stderr)
	}
	took := time.Since(start)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	whole := 0
	path := filepath.Join(dir, "config.db")
	for i := range kills {
		cmd := run(path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(took))))
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := os.Stat(path); err != nil {
			continue // no database: fine
		}
		whole++
		m, err := sqlite.New(path)
		if err != nil {
			t.Fatalf("kill %d: the database does not open: %v", i, err)
		}
		got, err := m.Environments()
		m.Close()
		if err != nil || len(got) != envs {
			t.Fatalf("kill %d: the database has %d of %d environments, %v", i, len(got), envs, err)
		}
		removeDB(t, path) // to kill the next import too
	}
	if cmd := run(path); cmd.Run() != nil {
		t.Fatalf("import after the kills: %s", cmd.Stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.import-*")); len(left) > 0 {
		t.Fatalf("left behind after the kills and one more import: %v", left)
	}
	t.Logf("%d kills within a %v import: %d left a whole database, %d none", kills, took.Round(time.Millisecond), whole, kills-whole)
}

func removeDB(t *testing.T, path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// TestRetentionBelongsToStore: a keep-all policy set with WithBackups(-1)
// holds for writers with the default, here another process.
func TestRetentionBelongsToStore(t *testing.T) {
	proctest.SkipShort(t)
	path := sampleDB(t)
	audit, err := sqlite.New(path, configmgr.WithBackups(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	for i := range 4 {
		if err := audit.Update("dev", map[string]any{"cache": map[string]any{"ttl": i}}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := helper("increment", path, 4).CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	if bs, _ := audit.Backups("dev"); len(bs) != 8 {
		t.Fatalf("after 4 + 4 writes under a keep-all policy, %d backups; want 8", len(bs))
	}
}
