package sqlite_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

const exampleSchema = `{
  "type": "object",
  "properties": {
    "listen": {"type": "string"},
    "workers": {"type": "integer", "minimum": 1, "default": 4},
    "features": {"type": "object", "additionalProperties": {"type": "boolean"}}
  }
}`

// A new service on a new database: create it, and give it the schema,
// which it keeps.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "sqlite-example")
	defer os.RemoveAll(dir)

	// was: configmgr.New("config", "backups")
	m, err := sqlite.New(filepath.Join(dir, "config.db"), sqlite.WithCreate(), configmgr.WithSchema([]byte(exampleSchema)))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := m.Write("dev", map[string]any{"listen": ":8080"}); err != nil {
		log.Fatal(err)
	}
	var cfg struct {
		Listen  string `json:"listen"`
		Workers int    `json:"workers"`
	}
	if err := m.Load("dev", &cfg); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Listen, cfg.Workers)
	// Output: :8080 4
}

// A service that kept its configuration in config/ and backups/ moves it
// into SQLite, history included, in one constructor call.
func ExampleWithCreateFrom() {
	dir, _ := os.MkdirTemp("", "sqlite-example")
	defer os.RemoveAll(dir)
	configDir, backupDir := filepath.Join(dir, "config"), filepath.Join(dir, "backups")
	os.Mkdir(configDir, 0o700)
	files, _ := configmgr.New(configDir, backupDir, configmgr.WithSchema([]byte(exampleSchema)))
	files.Write("production", map[string]any{"listen": ":80", "workers": 16})
	files.Update("production", map[string]any{"workers": 32})
	files.Close()

	m, err := sqlite.New(filepath.Join(dir, "config.db"), sqlite.WithCreateFrom(configDir, backupDir))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	envs, _ := m.Environments()
	backups, _ := m.Backups("production")
	fmt.Println(envs, len(backups), "backup")
	// Output: [production] 1 backup
}

// Open returns the bare store: here, for a question across environments
// in SQL.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "sqlite-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.db")
	m, _ := sqlite.New(path, sqlite.WithCreate(), configmgr.WithSchema([]byte(exampleSchema)))
	m.Write("dev", map[string]any{"listen": ":8080", "features": map[string]any{"new_ui": true}})
	m.Write("production", map[string]any{"listen": ":80", "features": map[string]any{"new_ui": false}})
	m.Close()

	s, err := sqlite.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().Query(`SELECT env FROM config_values WHERE path = 'features.new_ui' AND type = 'true'`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var env string
		rows.Scan(&env)
		fmt.Println(env)
	}
	// Output: dev
}
