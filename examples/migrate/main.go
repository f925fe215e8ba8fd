// Command migrate moves the sample configuration from JSON files to SQLite,
// queries it there with SQL, changes it, and moves it back to files, which
// come out byte for byte as they went in, but for the one changed line. It
// works on temporary copies and leaves nothing behind.
//
//	go run ./examples/migrate
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/tour"
	"github.com/configmgr/configmgr/sqlite"
)

func main() {
	tour.Main("migrate", func(from, root string) error { return run(context.Background(), from, root) })
}

func run(ctx context.Context, from, root string) error {
	// The files, with one change made so that there is a backup to carry.
	src := filepath.Join(root, "files")
	if err := tour.Copy(from, filepath.Join(src, "config")); err != nil {
		return err
	}
	m, err := configmgr.New(filepath.Join(src, "config"), filepath.Join(src, "backups"))
	if err != nil {
		return err
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
