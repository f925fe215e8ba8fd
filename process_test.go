package configmgr_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/proctest"
)

// The tests below re-run the test binary as helper processes, so that
// writers really are separate OS processes with their own locks.

func TestMain(m *testing.M) {
	if os.Getenv(proctest.Env) == "migrate" {
		// args: -test.run=^$ -- 0 srcConfig srcBackups dstConfig dstBackups
		a := os.Args[len(os.Args)-4:]
		src, err1 := configmgr.NewFileStore(a[0], a[1])
		dst, err2 := configmgr.NewFileStore(a[2], a[3])
		if err1 != nil || err2 != nil {
			os.Exit(2)
		}
		if _, err := configmgr.Migrate(context.Background(), dst, src); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	proctest.Main(func(args []string) (*configmgr.Manager, error) { return configmgr.New(args[0], args[1]) })
	os.Exit(m.Run())
}

var incrementTTL = proctest.IncrementTTL

func ttlOf(t testing.TB, cfg map[string]any) int64 {
	t.Helper()
	n, err := cfg["cache"].(map[string]any)["ttl"].(json.Number).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func helper(t testing.TB, role, configDir, backupDir string, n int) *exec.Cmd {
	return proctest.Command(role, n, configDir, backupDir)
}

// TestProcessesIncrement: 8 processes each add 1 two hundred times with
// UpdateFunc. Every call succeeds and the total is exact, while readers in
// this process see a valid document throughout.
func TestProcessesIncrement(t *testing.T) {
	proctest.SkipShort(t)
	const procs, each = 8, 200
	configDir, backupDir := setup(t, true)
	m, err := configmgr.New(configDir, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 0}}); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var reads atomic.Int64
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			r, err := configmgr.New(configDir, backupDir)
			if err != nil {
				t.Error(err)
				return
			}
			defer r.Close()
			last := int64(0)
			for {
				select {
				case <-done:
					return
				default:
				}
				cfg, err := r.Read("dev")
				if err != nil {
					t.Errorf("a reader saw an invalid document: %v", err)
					return
				}
				n := ttlOf(t, cfg)
				if n < last {
					t.Errorf("a reader saw the counter go back from %d to %d", last, n)
				}
				last = n
				reads.Add(1)
			}
		})
	}

	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helper(t, "increment", configDir, backupDir, each)
		cmds[i].Stderr = &strings.Builder{}
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, c.Stderr)
		}
	}
	elapsed := time.Since(start)
	close(done)
	readers.Wait()
	cfg, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	if got := ttlOf(t, cfg); got != procs*each {
		t.Fatalf("after %d×%d increments the counter is %d", procs, each, got)
	}
	t.Logf("%d updates by %d processes in %v (%.0f/s); %d concurrent reads, all valid", procs*each, procs, elapsed.Round(time.Millisecond), float64(procs*each)/elapsed.Seconds(), reads.Load())
}

// TestKillWriter kills a writing process with SIGKILL at random moments,
// 50 times, and checks after each kill that the configuration and every
// backup parse and validate, that the lock is free at once, and that
// temporary files do not pile up.
func TestKillWriter(t *testing.T) {
	proctest.SkipShort(t)
	const kills = 50
	configDir, backupDir := setup(t, true)
	m, err := configmgr.New(configDir, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var midWrite int
	for i := range kills {
		// Each write takes a few fsyncs: kill within 30ms of the first.
		if err := proctest.KillWhileWriting(helper(t, "forever", configDir, backupDir, 0), rng, 30*time.Millisecond); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		if len(tempFiles(t, configDir, backupDir)) > 0 {
			midWrite++
		}

		// The configuration and every backup are whole and valid.
		before, err := m.Read("dev")
		if err != nil {
			t.Fatalf("kill %d: the configuration does not read: %v", i, err)
		}
		bs, err := m.Backups("dev")
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if err := checkBackup(configDir, backupDir, b.ID); err != nil {
				t.Fatalf("kill %d: backup %s: %v", i, b.ID, err)
			}
		}
		// The lock is not stuck: the next update goes through at once.
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err = m.UpdateFuncContext(ctx, "dev", incrementTTL)
		cancel()
		if err != nil {
			t.Fatalf("kill %d: the update after the kill failed: %v", i, err)
		}
		after, _ := m.Read("dev")
		if ttlOf(t, after) != ttlOf(t, before)+1 {
			t.Fatalf("kill %d: counter %d -> %d", i, ttlOf(t, before), ttlOf(t, after))
		}
		// Temporary files do not accumulate.
		if tmp := tempFiles(t, configDir, backupDir); len(tmp) > 0 {
			t.Fatalf("kill %d: temporary files after the next write: %v", i, tmp)
		}
		// A kill between the write and the rotation may leave one backup
		// too many; the next write rotates it away.
		if bs, _ := m.Backups("dev"); len(bs) > 5 {
			t.Fatalf("kill %d: %d backups kept after the next write; want at most 5", i, len(bs))
		}
	}
	t.Logf("%d kills; %d left a temporary file behind (killed mid-write), all removed by the next write", kills, midWrite)
}

// checkBackup parses and validates one backup through a Manager over a
// copy of it.
func checkBackup(configDir, backupDir, id string) error {
	data, err := os.ReadFile(filepath.Join(backupDir, "dev.json.backup_"+id))
	if err != nil {
		return err
	}
	schema, err := os.ReadFile(filepath.Join(configDir, "schema.json"))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "backupcheck")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "schema.json"), schema, 0o600)
	os.WriteFile(filepath.Join(dir, "b.json"), data, 0o600)
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"))
	if err != nil {
		return err
	}
	defer m.Close()
	_, err = m.Read("b")
	return err
}

func tempFiles(t *testing.T, dirs ...string) []string {
	t.Helper()
	var out []string
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// TestKillMigrate kills a Migrate into the file store 20 times at random
// moments; after each kill, and after all of them, Migrate runs again to
// the end and the destination holds exactly the source, history included.
// A kill between an environment's backups and its config used to block
// every later Migrate with a conflict.
func TestKillMigrate(t *testing.T) {
	proctest.SkipShort(t)
	const envs, kills = 40, 20
	root := t.TempDir()
	src, srcB := filepath.Join(root, "src"), filepath.Join(root, "srcb")
	os.Mkdir(src, 0o700)
	schema, _ := os.ReadFile("testdata/config/schema.json")
	os.WriteFile(filepath.Join(src, "schema.json"), schema, 0o600)
	m, err := configmgr.New(src, srcB, configmgr.WithBackups(-1))
	if err != nil {
		t.Fatal(err)
	}
	for i := range envs {
		env := "env" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		if err := m.Write(env, validConfig()); err != nil {
			t.Fatal(err)
		}
		for ttl := range 4 {
			if err := m.Update(env, map[string]any{"cache": map[string]any{"ttl": ttl}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	m.Close()
	run := func(dst string) *exec.Cmd {
		cmd := proctest.Command("migrate", 0, src, srcB, dst, dst+"b")
		cmd.Stderr = &strings.Builder{}
		return cmd
	}
	probe := filepath.Join(root, "probe")
	os.Mkdir(probe, 0o700)
	start := time.Now()
	if cmd := run(probe); cmd.Run() != nil {
		t.Fatalf("migrate: %s", cmd.Stderr)
	}
	took := time.Since(start)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	dst := filepath.Join(root, "dst")
	os.Mkdir(dst, 0o700)
	for i := range kills {
		cmd := run(dst)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(took))))
		cmd.Process.Kill()
		cmd.Wait()
		if i%5 == 4 { // and now and then, run it to the end
			if cmd := run(dst); cmd.Run() != nil {
				t.Fatalf("Migrate after kill %d: %s", i, cmd.Stderr)
			}
		}
	}
	if cmd := run(dst); cmd.Run() != nil {
		t.Fatalf("Migrate after the kills: %s", cmd.Stderr)
	}
	a, _ := configmgr.NewFileStore(src, srcB)
	b, _ := configmgr.NewFileStore(dst, dst+"b")
	r, err := configmgr.Migrate(t.Context(), b, a)
	if err != nil || len(r.Copied) != 0 || len(r.Unchanged) != envs {
		t.Fatalf("the destination differs from the source: %v, %v", r, err)
	}
}

// TestRetentionBelongsToStore: a keep-all history (WithBackups(-1)) is the
// store's policy: writers with the default, in this process or another,
// keep every backup too, until a Manager sets another policy.
func TestRetentionBelongsToStore(t *testing.T) {
	proctest.SkipShort(t)
	configDir, backupDir := setup(t, true)
	audit, err := configmgr.New(configDir, backupDir, configmgr.WithBackups(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	for i := range 4 {
		if err := audit.Update("dev", map[string]any{"cache": map[string]any{"ttl": i}}); err != nil {
			t.Fatal(err)
		}
	}
	plain, err := configmgr.New(configDir, backupDir) // the default, 5
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for i := range 4 {
		if err := plain.UpdateFunc("dev", incrementTTL); err != nil {
			t.Fatal(err, i)
		}
	}
	if out, err := helper(t, "increment", configDir, backupDir, 3).CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	if bs, _ := plain.Backups("dev"); len(bs) != 11 {
		t.Fatalf("after 4 + 4 + 3 writes under a keep-all policy, %d backups; want 11", len(bs))
	}
	// A Manager that asks for another policy sets it, on purpose.
	three, err := configmgr.New(configDir, backupDir, configmgr.WithBackups(3))
	if err != nil {
		t.Fatal(err)
	}
	defer three.Close()
	if err := plain.UpdateFunc("dev", incrementTTL); err != nil {
		t.Fatal(err)
	}
	if bs, _ := plain.Backups("dev"); len(bs) != 5 {
		t.Fatalf("under a policy of 3, a writer keeping 5 left %d backups; want 5", len(bs))
	}
}
