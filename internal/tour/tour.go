// Package tour is the walk through configmgr that the example programs
// share: the same calls, whatever the store.
package tour

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"github.com/configmgr/configmgr"
)

// Config is the part of the documents this service cares about.
type Config struct {
	Environment string `json:"environment"`
	Database    struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		Name     string `json:"name"`
		PoolSize int    `json:"pool_size"`
	} `json:"database"`
	Cache struct {
		Enabled bool `json:"enabled"`
		TTL     int  `json:"ttl"`
		MaxSize int  `json:"max_size"`
	} `json:"cache"`
	Features map[string]bool `json:"features"`
}

// Run shows the main calls of m on the sample environments, writing what
// it does to w. It changes dev (and restores it) and tries an invalid write
// to production.
func Run(w io.Writer, m *configmgr.Manager) error {
	envs, err := m.Environments()
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "environments:", envs)

	// Read: the stored document, validated against schema.json.
	dev, err := m.Read("dev")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "dev database host:", dev["database"].(map[string]any)["host"])

	// Load: typed, with the schema's defaults for what the file leaves out.
	var prod Config
	if err := m.Load("production", &prod); err != nil {
		return err
	}
	fmt.Fprintf(w, "production: %s:%d pool_size=%d (schema default) cache.max_size=%d (schema default)\n",
		prod.Database.Host, prod.Database.Port, prod.Database.PoolSize, prod.Cache.MaxSize)

	// Update: an RFC 7396 merge patch, applied atomically under the lock,
	// after backing up the current version.
	if err := m.Update("dev", map[string]any{
		"cache":    map[string]any{"ttl": 600},
		"features": map[string]any{"new_feature": true},
	}); err != nil {
		return err
	}
	var devCfg Config
	if err := m.Load("dev", &devCfg); err != nil {
		return err
	}
	fmt.Fprintf(w, "dev after update: cache.ttl=%d features=%v\n", devCfg.Cache.TTL, devCfg.Features)

	// The backups: newest first.
	backups, err := m.Backups("dev")
	if err != nil {
		return err
	}
	for _, b := range backups {
		fmt.Fprintf(w, "backup %s  %s  %d bytes\n", b.ID, b.Time.Format("2006-01-02 15:04:05.000000000 MST"), b.Size)
	}

	// Restore: back to the version before the update.
	if err := m.Restore("dev", backups[0].ID); err != nil {
		return err
	}
	if err := m.Load("dev", &devCfg); err != nil {
		return err
	}
	fmt.Fprintf(w, "dev after restore: cache.ttl=%d (the restore was backed up too: %d backups)\n", devCfg.Cache.TTL, nBackups(m))

	// An invalid write is refused, with every violation, and changes nothing.
	err = m.Update("production", map[string]any{
		"database": map[string]any{"port": 70000},
		"logging":  map[string]any{"level": "LOUD"},
	})
	var ve *configmgr.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("the invalid write was not refused: %v", err)
	}
	fmt.Fprintln(w, "invalid write refused:")
	for _, v := range ve.Violations {
		fmt.Fprintln(w, "  ", v)
	}
	if err := m.Load("production", &prod); err != nil {
		return err
	}
	fmt.Fprintf(w, "production unchanged: port=%d\n", prod.Database.Port)
	return nil
}

func nBackups(m *configmgr.Manager) int {
	bs, _ := m.Backups("dev")
	return len(bs)
}

// Main runs an example program: run gets the sample directory (or the one
// given with -from) and a temporary directory that is removed afterwards.
func Main(name string, run func(from, root string) error) {
	log.SetFlags(0)
	from := flag.String("from", Sample(), "directory to copy the sample configuration from")
	flag.Parse()
	root, err := os.MkdirTemp("", "configmgr-"+name)
	if err != nil {
		log.Fatal(err)
	}
	err = run(*from, root)
	os.RemoveAll(root)
	if err != nil {
		log.Fatal(err)
	}
}

// Sample finds testdata/config in the module this program was built
// from, so that `go run ./examples/quickstart` works from any directory of
// a checkout.
func Sample() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("testdata", "config")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "config")
}

// Copy copies the JSON files of directory from into a new directory to.
func Copy(from, to string) error {
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return fmt.Errorf("sample configuration: %w (use -from DIR)", err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && filepath.Ext(e.Name()) == ".json" {
			data, err := os.ReadFile(filepath.Join(from, e.Name()))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}
