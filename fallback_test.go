package configmgr_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// TestFallback: with WithFallback, a file store whose directory has gone
// bad (here: replaced by a file, which root cannot read through either)
// serves the kept copy, validated, with ErrStale, for Read, Load and
// Watch; writes fail; when the directory returns, the Live moves to the
// store's document.
func TestFallback(t *testing.T) {
	configDir, backupDir := setup(t, true)
	keep := filepath.Join(t.TempDir(), "kept")
	m, err := configmgr.New(configDir, backupDir, configmgr.WithFallback(keep))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var cfg liveConfig
	if err := m.Load("dev", &cfg); err != nil || cfg.Cache.TTL != 300 {
		t.Fatalf("Load = %+v, %v", cfg, err)
	}
	for _, name := range []string{"dev.json", "schema.json"} {
		fi, err := os.Stat(filepath.Join(keep, name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the kept %s: %v, %v; want a 0600 file", name, fi, err)
		}
	}
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev", configmgr.WithPollInterval(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	// The store goes bad.
	away := configDir + ".away"
	if err := os.Rename(configDir, away); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(configDir, []byte("not a directory"), 0o600)
	cfg = liveConfig{}
	err = m.Load("dev", &cfg)
	if !errors.Is(err, configmgr.ErrStale) || cfg.Cache.TTL != 300 {
		t.Fatalf("Load with the store gone = %+v, %v; want the kept copy and ErrStale", cfg, err)
	}
	if doc, err := m.Read("dev"); !errors.Is(err, configmgr.ErrStale) || doc == nil {
		t.Fatalf("Read with the store gone = %v, %v", doc, err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); err == nil || errors.Is(err, configmgr.ErrStale) {
		t.Fatalf("Update with the store gone = %v; want the store's failure", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !errors.Is(l.Err(), configmgr.ErrStale) {
		if time.Now().After(deadline) {
			t.Fatalf("the Live does not say it is stale: %v", l.Err())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if l.Latest().Cache.TTL != 300 {
		t.Fatalf("Latest while stale = %+v", l.Latest())
	}

	// The store returns, changed meanwhile.
	os.Remove(configDir)
	dev := readFile(t, filepath.Join(away, "dev.json"))
	os.WriteFile(filepath.Join(away, "dev.json"), []byte(setTTL(t, dev, "777")), 0o600)
	if err := os.Rename(away, configDir); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for l.Latest().Cache.TTL != 777 || l.Err() != nil {
		if l.Next(ctx); ctx.Err() != nil {
			t.Fatalf("the Live did not return to the store: %+v, %v", l.Latest(), l.Err())
		}
	}
	if err := m.Load("dev", &cfg); err != nil || cfg.Cache.TTL != 777 {
		t.Fatalf("Load after the store returned = %+v, %v", cfg, err)
	}
}
