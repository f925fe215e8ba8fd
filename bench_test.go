package configmgr_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/atomicfile"
)

// The benchmarks come in pairs: each figure is meant to be read as a ratio
// to a floor measured in the same run (see README.md, "Performance").

type benchConfig struct {
	Environment string `json:"environment"`
	Database    struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		Name     string `json:"name"`
		Username string `json:"username"`
		Password string `json:"password"`
		PoolSize int    `json:"pool_size"`
	} `json:"database"`
	Cache struct {
		Enabled bool `json:"enabled"`
		TTL     int  `json:"ttl"`
		MaxSize int  `json:"max_size"`
	} `json:"cache"`
	Features map[string]bool `json:"features"`
	Logging  struct {
		Level  string `json:"level"`
		Format string `json:"format"`
		Output string `json:"output"`
	} `json:"logging"`
}

// settled waits until a freshly written file is older than the file
// store's window for racily changed files (100 ms), after which its stat is
// trusted; an unchanged file in production is older than that.
func settled(b *testing.B, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Until(fi.ModTime().Add(150 * time.Millisecond)))
}

// BenchmarkFloorReadUnmarshal is the floor for reads: os.ReadFile and
// json.Unmarshal of dev.json into a struct.
func BenchmarkFloorReadUnmarshal(b *testing.B) {
	configDir, _ := setup(b, true)
	path := filepath.Join(configDir, "dev.json")
	b.ReportAllocs()
	for b.Loop() {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		var c benchConfig
		if err := json.Unmarshal(data, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadUnchanged(b *testing.B) {
	m, configDir, _ := newManager(b, true)
	settled(b, filepath.Join(configDir, "dev.json"))
	b.ReportAllocs()
	for b.Loop() {
		var c benchConfig
		if err := m.Load("dev", &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadUnchanged(b *testing.B) {
	m, configDir, _ := newManager(b, true)
	settled(b, filepath.Join(configDir, "dev.json"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Read("dev"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadUncached is a first Read: read, parse, validate.
func BenchmarkReadUncached(b *testing.B) {
	configDir, backupDir := setup(b, true)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		m, err := configmgr.New(configDir, backupDir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := m.Read("dev"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		m.Close()
		b.StartTimer()
	}
}

// BenchmarkFloorDurableWrite is the floor for writes: one atomic, durable
// write of the same bytes Update writes (temporary file, fsync, rename,
// directory fsync).
func BenchmarkFloorDurableWrite(b *testing.B) {
	configDir, _ := setup(b, true)
	path := filepath.Join(configDir, "dev.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := atomicfile.Write(path, data, 0o600, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate is a merge-patch Update, lock, backup and rotation of the
// backups (keeping 5) included.
func BenchmarkUpdate(b *testing.B) {
	m, _, _ := newManager(b, true)
	patches := []map[string]any{
		{"cache": map[string]any{"ttl": 300}},
		{"cache": map[string]any{"ttl": 301}},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := m.Update("dev", patches[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkUpdate4Processes measures the throughput of 4 processes that
// update one environment at once, and reports it as updates/s.
func BenchmarkUpdate4Processes(b *testing.B) {
	const procs = 4
	configDir, backupDir := setup(b, true)
	each := max(b.N/procs, 1)
	start := time.Now()
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helper(b, "increment", configDir, backupDir, each)
		if err := cmds[i].Start(); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(procs*each)/time.Since(start).Seconds(), "updates/s")
}

// BenchmarkBackups10000 lists 10,000 backups of one environment, against
// its floor: os.ReadDir of the same backup directory. Run the two
// sub-benchmarks in one process so that they share the machine's state.
func BenchmarkBackups10000(b *testing.B) {
	m, _, backupDir := newManager(b, true)
	plantBackups(b, backupDir, "dev", 10000)
	b.Run("floor=ReadDir", func(b *testing.B) {
		for b.Loop() {
			if _, err := os.ReadDir(backupDir); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Backups", func(b *testing.B) {
		for b.Loop() {
			if bs, err := m.Backups("dev"); err != nil || len(bs) != 10000 {
				b.Fatalf("Backups = %d, %v", len(bs), err)
			}
		}
	})
}

// BenchmarkUpdateHistory is an Update that keeps every backup, with 10 and
// with 10,000 backups of the environment already kept: the second should
// cost no more than the first (issue 13). Run both in one process.
func BenchmarkUpdateHistory(b *testing.B) {
	for _, kept := range []int{10, 10000} {
		b.Run(fmt.Sprintf("kept=%d", kept), func(b *testing.B) {
			m, _, backupDir := newManager(b, true, configmgr.WithBackups(-1))
			plantBackups(b, backupDir, "dev", kept)
			patches := []map[string]any{
				{"cache": map[string]any{"ttl": 300}},
				{"cache": map[string]any{"ttl": 301}},
			}
			i := 0
			for b.Loop() {
				if err := m.Update("dev", patches[i%2]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// plantBackups puts n backups of env, a second apart in 2026, into
// backupDir, as a long history leaves them.
func plantBackups(b testing.TB, backupDir, env string, n int) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		id, _ := configmgr.NewBackupID(t0.Add(time.Duration(i)*time.Second), nil)
		if err := os.WriteFile(filepath.Join(backupDir, env+".json.backup_"+id), []byte("{}"), 0o600); err != nil {
			b.Fatal(err)
		}
	}
}
