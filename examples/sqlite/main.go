// Command sqlite is the quickstart with its one constructor swapped: the
// same tour, on a SQLite database instead of JSON files. It first migrates
// a temporary copy of testdata/config into a temporary database (the
// schema goes with it), and leaves nothing behind.
//
//	go run ./examples/sqlite
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/tour"
	"github.com/configmgr/configmgr/sqlite"
)

func main() { tour.Main("sqlite", run) }

func run(from, root string) error {
	dbPath := filepath.Join(root, "config.db")
	if err := seed(from, root, dbPath); err != nil {
		return err
	}

	m, err := sqlite.New(dbPath) // was: configmgr.New(configDir, backupDir)
	if err != nil {
		return err
	}
	defer m.Close()
	return tour.Run(os.Stdout, m)
}

// seed creates the database from the sample files.
func seed(from, root, dbPath string) error {
	configDir := filepath.Join(root, "config")
	if err := tour.Copy(from, configDir); err != nil {
		return err
	}
	files, err := configmgr.NewFileStore(configDir, filepath.Join(root, "backups"))
	if err != nil {
		return err
	}
	defer files.Close()
	db, err := sqlite.Open(dbPath, sqlite.WithCreate())
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := configmgr.Migrate(context.Background(), db, files)
	if err != nil {
		return err
	}
	fmt.Println("seeded", filepath.Base(dbPath)+":", r)
	return nil
}
