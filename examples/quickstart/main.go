// Command quickstart walks through configmgr on a temporary copy of the
// sample configuration in testdata/config (dev, staging and production,
// plus their schema): Read, Load into a struct, Update, the backup list,
// Restore, and a write the schema refuses. It leaves nothing behind.
//
//	go run ./examples/quickstart
package main

import (
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/tour"
)

func main() { tour.Main("quickstart", run) }

func run(from, root string) error {
	configDir := filepath.Join(root, "config")
	if err := tour.Copy(from, configDir); err != nil {
		return err
	}

	m, err := configmgr.New(configDir, filepath.Join(root, "backups"))
	if err != nil {
		return err
	}
	defer m.Close()
	return tour.Run(os.Stdout, m)
}
