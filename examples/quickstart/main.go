// Command quickstart is the first hour with configmgr, as a program to copy.
//
// A service keeps one configuration document per environment, checked
// against a JSON Schema (schema.json beside this file, built in). The
// program creates two environments in an empty directory, then reads one,
// loads one into a struct with the schema's defaults, updates one, lists
// its backups, restores one, and shows a write the schema refuses.
//
//	go run ./examples/quickstart            # in a temporary directory, removed at the end
//	go run ./examples/quickstart -dir DIR   # in DIR, kept, so that you can look at the files
//
// To use SQLite instead of JSON files, change the one line that calls
// configmgr.New (see the README).
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr"
)

//go:embed schema.json
var schema []byte

// Config is the part of the configuration this service reads.
type Config struct {
	Environment string `json:"environment"`
	Database    struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		PoolSize int    `json:"pool_size"` // the schema's default, 10, when the file has none
	} `json:"database"`
	Cache struct {
		TTL int `json:"ttl"`
	} `json:"cache"`
	Features map[string]bool `json:"features"`
}

func main() {
	log.SetFlags(0)
	dir := flag.String("dir", "", "directory for config/ and backups/ (default: a temporary one, removed at the end)")
	flag.Parse()
	if err := inDir(*dir, run); err != nil {
		log.Fatal(err)
	}
}

// inDir calls run with dir, or with a temporary directory that it removes
// afterwards if dir is "".
func inDir(dir string, run func(dir string) error) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "quickstart")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	return run(dir)
}

func run(dir string) error {
	configDir := filepath.Join(dir, "config")
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		return err
	}

	// The configuration: config/<env>.json, backups in backups/. The schema
	// given here is stored as config/schema.json, since there is none yet.
	m, err := configmgr.New(configDir, filepath.Join(dir, "backups"), configmgr.WithSchema(schema))
	if err != nil {
		return err
	}
	defer m.Close()

	// Write: create an environment from any value that encodes to a JSON
	// object. It is validated first; an invalid one is never stored.
	for env, cfg := range map[string]map[string]any{
		"dev": {
			"environment": "development",
			"database":    map[string]any{"host": "localhost", "port": 5432, "name": "app_dev", "username": "dev", "password": "dev-password"},
			"cache":       map[string]any{"ttl": 300},
			"features":    map[string]any{"new_ui": true},
			"logging":     map[string]any{"level": "DEBUG"},
		},
		"production": {
			"environment": "production",
			"database":    map[string]any{"host": "db.internal", "port": 5432, "name": "app", "username": "app", "password": "change-me"},
			"logging":     map[string]any{"level": "WARNING"},
		},
	} {
		if err := m.Write(env, cfg); err != nil {
			return err
		}
	}
	envs, err := m.Environments()
	if err != nil {
		return err
	}
	fmt.Println("environments:", envs)

	// Read: the stored document, validated, as a map.
	dev, err := m.Read("dev")
	if err != nil {
		return err
	}
	fmt.Println("dev database host:", dev["database"].(map[string]any)["host"])

	// Load: typed, with the schema's defaults for what the document leaves out.
	var prod Config
	if err := m.Load("production", &prod); err != nil {
		return err
	}
	fmt.Printf("production: %s:%d pool_size=%d (the schema's default)\n",
		prod.Database.Host, prod.Database.Port, prod.Database.PoolSize)

	// Update: an RFC 7396 merge patch, applied atomically after the current
	// version is backed up.
	if err := m.Update("dev", map[string]any{
		"cache":    map[string]any{"ttl": 600},
		"features": map[string]any{"beta": true},
	}); err != nil {
		return err
	}
	var cfg Config
	if err := m.Load("dev", &cfg); err != nil {
		return err
	}
	fmt.Printf("dev after update: cache.ttl=%d features=%v\n", cfg.Cache.TTL, cfg.Features)

	// Backups, newest first, and Restore: back to the version before the
	// update. The version Restore replaces is backed up too.
	backups, err := m.Backups("dev")
	if err != nil {
		return err
	}
	fmt.Println("dev backups:", len(backups))
	if err := m.Restore("dev", backups[0].ID); err != nil {
		return err
	}
	if err := m.Load("dev", &cfg); err != nil {
		return err
	}
	backups, err = m.Backups("dev")
	if err != nil {
		return err
	}
	fmt.Printf("dev after restore: cache.ttl=%d, %d backups\n", cfg.Cache.TTL, len(backups))

	// An invalid write is refused with every violation, and changes nothing.
	err = m.Update("production", map[string]any{
		"database": map[string]any{"port": 70000},
		"logging":  map[string]any{"level": "LOUD"},
	})
	var ve *configmgr.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("the invalid write was not refused: %v", err)
	}
	fmt.Println("invalid update refused:")
	for _, v := range ve.Violations {
		fmt.Println("  ", v)
	}
	if err := m.Load("production", &prod); err != nil {
		return err
	}
	fmt.Println("production port is still", prod.Database.Port)
	return nil
}
