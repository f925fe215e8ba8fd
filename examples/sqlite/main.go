// Command sqlite moves a service's configuration to SQLite, in the two
// situations services are in, each one constructor call:
//
//   - a service starting on an empty database: create it and give it the
//     schema;
//   - a service with JSON files in config/ and backups/: move them in,
//     history included.
//
// It then asks the database a question across environments with SQL. It
// works in a temporary directory and leaves nothing behind.
//
//	go run ./examples/sqlite
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

const schema = `{
  "type": "object",
  "properties": {
    "listen": {"type": "string"},
    "workers": {"type": "integer", "minimum": 1, "default": 4},
    "features": {"type": "object", "additionalProperties": {"type": "boolean"}}
  },
  "required": ["listen"]
}`

func main() {
	log.SetFlags(0)
	dir, err := os.MkdirTemp("", "sqlite-example")
	if err != nil {
		log.Fatal(err)
	}
	err = run(dir)
	os.RemoveAll(dir)
	if err != nil {
		log.Fatal(err)
	}
}

func run(dir string) error {
	if err := emptyDatabase(dir); err != nil {
		return err
	}
	return fromFiles(dir)
}

// emptyDatabase: a new service on a new database.
func emptyDatabase(dir string) error {
	// was: configmgr.New("config", "backups")
	m, err := sqlite.New(filepath.Join(dir, "new.db"), sqlite.WithCreate(), configmgr.WithSchema([]byte(schema)))
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Write("dev", map[string]any{"listen": ":8080"}); err != nil {
		return err
	}
	var cfg struct {
		Listen  string `json:"listen"`
		Workers int    `json:"workers"`
	}
	if err := m.Load("dev", &cfg); err != nil {
		return err
	}
	fmt.Printf("new database: dev listens on %s with %d workers (the schema's default)\n", cfg.Listen, cfg.Workers)
	return nil
}

// fromFiles: a service that kept its configuration in JSON files moves it
// into SQLite, backups and all.
func fromFiles(dir string) error {
	configDir, backupDir := filepath.Join(dir, "config"), filepath.Join(dir, "backups")
	if err := existingFiles(configDir, backupDir); err != nil {
		return err
	}

	// The one line that changes. The database is made from the files the
	// first time, whole or not at all; after that it is opened as it is.
	m, err := sqlite.New(filepath.Join(dir, "config.db"), sqlite.WithCreateFrom(configDir, backupDir))
	if err != nil {
		return err
	}
	defer m.Close()
	envs, err := m.Environments()
	if err != nil {
		return err
	}
	backups, err := m.Backups("production")
	if err != nil {
		return err
	}
	fmt.Printf("moved in: environments %v; production has %d backups\n", envs, len(backups))

	// Questions across environments are one SELECT on the config_values view.
	db := m.Store().(*sqlite.Store).DB()
	rows, err := db.QueryContext(context.Background(),
		`SELECT env FROM config_values WHERE path = 'features.new_ui' AND type = 'true' ORDER BY env`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var on []string
	for rows.Next() {
		var env string
		if err := rows.Scan(&env); err != nil {
			return err
		}
		on = append(on, env)
	}
	fmt.Println("environments with features.new_ui on:", on)
	return rows.Err()
}

// existingFiles makes what a service on the file store has: config/ with
// a schema and two environments, and backups/ with production's history.
func existingFiles(configDir, backupDir string) error {
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(configDir, "schema.json"), []byte(schema), 0o600); err != nil {
		return err
	}
	m, err := configmgr.New(configDir, backupDir)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Write("staging", map[string]any{"listen": ":80", "features": map[string]any{"new_ui": true}}); err != nil {
		return err
	}
	if err := m.Write("production", map[string]any{"listen": ":80", "workers": 16}); err != nil {
		return err
	}
	return m.Update("production", map[string]any{"workers": 32})
}
