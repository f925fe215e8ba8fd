package configmgr_test

import (
	"os"
	"sync"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

// TestGoroutines runs writers and readers on one Manager from many
// goroutines (meant for -race), over the file store, which locks, and over
// MemStore, which only compares and swaps.
func TestGoroutines(t *testing.T) {
	schema, err := os.ReadFile("testdata/config/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]func(t *testing.T) *configmgr.Manager{
		"file": func(t *testing.T) *configmgr.Manager { m, _, _ := newManager(t, true); return m },
		"mem": func(t *testing.T) *configmgr.Manager {
			m, err := configmgr.Open(storetest.NewMemStore(), configmgr.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			dev, _ := os.ReadFile("testdata/config/dev.json")
			if err := m.Write("dev", jsonRaw(dev)); err != nil {
				t.Fatal(err)
			}
			return m
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			const writers, each = 8, 25
			m := open(t)
			if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 0}}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					for range each {
						var err error
						if i%2 == 0 {
							err = m.UpdateFunc("dev", incrementTTL)
						} else {
							err = m.UpdateFunc("dev", func(cfg map[string]any) error {
								if err := incrementTTL(cfg); err != nil {
									return err
								}
								cfg["features"] = map[string]any{"writer": i%3 == 0}
								return nil
							})
						}
						if err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			for range 4 {
				wg.Go(func() {
					for range each * 2 {
						cfg, err := m.Read("dev")
						if err != nil {
							t.Error(err)
							return
						}
						cfg["cache"] = "mine" // each Read is the caller's own copy
						var c struct {
							Cache struct{ TTL int } `json:"cache"`
						}
						if err := m.Load("dev", &c); err != nil {
							t.Error(err)
							return
						}
						if _, err := m.Backups("dev"); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			cfg, err := m.Read("dev")
			if err != nil {
				t.Fatal(err)
			}
			if got := ttlOf(t, cfg); got != writers*each {
				t.Fatalf("counter = %d; want %d", got, writers*each)
			}
		})
	}
}

// TestCASWritersShareOneManager: goroutines writing through one Manager
// over a compare-and-swap store (MemStore; etcd is one too) never fail and
// lose nothing. The first attempt of a write starts from the cached version
// without reading it; another goroutine's write used to replace the cache
// between that choice and the build, which then parsed no bytes ("empty
// document", in 6 runs of 10 of TestGoroutines/mem). Many short rounds make
// that interleaving all but certain to be tried.
func TestCASWritersShareOneManager(t *testing.T) {
	schema, err := os.ReadFile("testdata/config/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := os.ReadFile("testdata/config/dev.json")
	if err != nil {
		t.Fatal(err)
	}
	for round := range 30 {
		m, err := configmgr.Open(storetest.NewMemStore(), configmgr.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Write("dev", jsonRaw(dev)); err != nil {
			t.Fatal(err)
		}
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 0}}); err != nil {
			t.Fatal(err)
		}
		const writers, each = 4, 25
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range each {
					if err := m.UpdateFunc("dev", incrementTTL); err != nil {
						t.Errorf("round %d: %v", round, err)
						return
					}
				}
			})
		}
		wg.Wait()
		cfg, err := m.Read("dev")
		if err != nil {
			t.Fatal(err)
		}
		if got := ttlOf(t, cfg); got != writers*each {
			t.Fatalf("round %d: counter = %d; want %d", round, got, writers*each)
		}
		m.Close()
		if t.Failed() {
			return
		}
	}
}

type jsonRaw []byte

func (j jsonRaw) MarshalJSON() ([]byte, error) { return j, nil }
