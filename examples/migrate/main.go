// Command migrate moves a configuration from JSON files to SQLite, queries
// it there with SQL, changes it, and moves it back to files, which come out
// byte for byte as they went in, but for the one changed line. It works in
// a temporary directory and leaves nothing behind.
//
//	go run ./examples/migrate
package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

const schema = `{
  "type": "object",
  "properties": {
    "cache": {"type": "object", "properties": {"ttl": {"type": "integer", "minimum": 0}}},
    "features": {"type": "object", "additionalProperties": {"type": "boolean"}}
  }
}`

func main() {
	log.SetFlags(0)
	root, err := os.MkdirTemp("", "migrate-example")
	if err != nil {
		log.Fatal(err)
	}
	err = run(context.Background(), root)
	os.RemoveAll(root)
	if err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, root string) error {
	// The files: three environments, and one change to staging so that
	// there is a backup to carry.
	src := filepath.Join(root, "files")
	configDir := filepath.Join(src, "config")
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		return err
	}
	m, err := configmgr.New(configDir, filepath.Join(src, "backups"), configmgr.WithSchema([]byte(schema)))
	if err != nil {
		return err
	}
	defer m.Close()
	for _, env := range []string{"dev", "staging", "production"} {
		newUI := env != "production"
		if err := m.Write(env, map[string]any{"cache": map[string]any{"ttl": 300}, "features": map[string]any{"new_ui": newUI}}); err != nil {
			return err
		}
	}
	if err := m.Update("staging", map[string]any{"cache": map[string]any{"ttl": 900}}); err != nil {
		return err
	}
	files := m.Store()

	// Files to SQLite.
	db, err := sqlite.Open(filepath.Join(root, "config.db"), sqlite.WithCreate())
	if err != nil {
		return err
	}
	defer db.Close()
	report, err := configmgr.Migrate(ctx, db, files)
	if err != nil {
		return err
	}
	fmt.Println("files -> SQLite:", report)
	report, err = configmgr.Migrate(ctx, db, files)
	if err != nil {
		return err
	}
	fmt.Println("again:", report)

	// The reason to migrate: questions across environments are one SELECT.
	if err := query(ctx, db, "environments with features.new_ui on",
		`SELECT env, value FROM config_values WHERE path = 'features.new_ui' AND type = 'true' ORDER BY env`); err != nil {
		return err
	}
	if err := query(ctx, db, "every cache.ttl",
		`SELECT env, value FROM config_values WHERE path = 'cache.ttl' ORDER BY env`); err != nil {
		return err
	}

	// Work on SQLite through the same Manager calls...
	sm, err := configmgr.Open(db)
	if err != nil {
		return err
	}
	if err := sm.Update("production", map[string]any{"features": map[string]any{"new_ui": true}}); err != nil {
		return err
	}

	// ...and back to files (say, to commit them to git).
	back := filepath.Join(root, "back")
	os.MkdirAll(filepath.Join(back, "config"), 0o755)
	out, err := configmgr.NewFileStore(filepath.Join(back, "config"), filepath.Join(back, "backups"))
	if err != nil {
		return err
	}
	defer out.Close()
	report, err = configmgr.Migrate(ctx, out, db)
	if err != nil {
		return err
	}
	fmt.Println("SQLite -> files:", report)
	for _, env := range []string{"dev", "staging", "production"} {
		a, _ := os.ReadFile(filepath.Join(src, "config", env+".json"))
		b, _ := os.ReadFile(filepath.Join(back, "config", env+".json"))
		fmt.Printf("%-10s identical: %-5v %s\n", env, bytes.Equal(a, b), lineDiff(a, b))
	}
	return nil
}

func query(ctx context.Context, db *sqlite.Store, title, q string) error {
	rows, err := db.DB().QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var env, value string
		if err := rows.Scan(&env, &value); err != nil {
			return err
		}
		out = append(out, env+"="+value)
	}
	fmt.Printf("%s: %s\n", title, strings.Join(out, ", "))
	return rows.Err()
}

// lineDiff describes the lines that differ between a and b.
func lineDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(la) != len(lb) {
		return fmt.Sprintf("(%d lines -> %d)", len(la), len(lb))
	}
	var d []string
	for i := range la {
		if la[i] != lb[i] {
			d = append(d, fmt.Sprintf("line %d: %s -> %s", i+1, strings.TrimSpace(la[i]), strings.TrimSpace(lb[i])))
		}
	}
	return strings.Join(d, "; ")
}
