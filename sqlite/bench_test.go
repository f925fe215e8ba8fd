package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

type benchConfig struct {
	Environment string `json:"environment"`
	Database    struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		PoolSize int    `json:"pool_size"`
	} `json:"database"`
	Cache struct {
		TTL     int `json:"ttl"`
		MaxSize int `json:"max_size"`
	} `json:"cache"`
	Features map[string]bool `json:"features"`
}

// BenchmarkStores runs the same Manager calls on the file store and on
// SQLite, in one run, so that their figures can be read as ratios.
func BenchmarkStores(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) *configmgr.Manager
	}{
		{"file", func(b *testing.B) *configmgr.Manager {
			dir := b.TempDir()
			os.Mkdir(filepath.Join(dir, "config"), 0o755)
			for _, n := range []string{"schema.json", "dev.json"} {
				data, _ := os.ReadFile(filepath.Join("..", "testdata", "config", n))
				os.WriteFile(filepath.Join(dir, "config", n), data, 0o600)
			}
			m, err := configmgr.New(filepath.Join(dir, "config"), filepath.Join(dir, "backups"))
			if err != nil {
				b.Fatal(err)
			}
			// Let the file age past the file store's 100 ms window for
			// racily changed files, as an unchanged file in service has.
			time.Sleep(150 * time.Millisecond)
			return m
		}},
		{"sqlite-full", func(b *testing.B) *configmgr.Manager { return sqliteManager(b) }},
		{"sqlite-normal", func(b *testing.B) *configmgr.Manager { return sqliteManager(b, sqlite.WithSynchronous("NORMAL")) }},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			b.Run("Read", func(b *testing.B) {
				m := st.open(b)
				defer m.Close()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.Read("dev"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Load", func(b *testing.B) {
				m := st.open(b)
				defer m.Close()
				b.ReportAllocs()
				for b.Loop() {
					var c benchConfig
					if err := m.Load("dev", &c); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Update", func(b *testing.B) {
				m := st.open(b)
				defer m.Close()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 300 + i%2}}); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}

func sqliteManager(b *testing.B, opts ...sqlite.Option) *configmgr.Manager {
	path := sampleDB(b)
	s, err := sqlite.Open(path, opts...)
	if err != nil {
		b.Fatal(err)
	}
	m, err := configmgr.Open(s)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
