// Command quickstart walks through configmgr on a temporary copy of the
// sample configuration in testdata/config (dev, staging and production,
// plus their schema): Read, Load into a struct, Update, the backup list,
// Restore, and a write the schema refuses. It leaves nothing behind.
//
//	go run ./examples/quickstart
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/tour"
)

func main() {
	log.SetFlags(0)
	from := flag.String("from", tour.Sample(), "directory to copy the sample configuration from")
	flag.Parse()
	root, err := os.MkdirTemp("", "configmgr-quickstart")
	if err != nil {
		log.Fatal(err)
	}
	err = run(*from, root)
	os.RemoveAll(root)
	if err != nil {
		log.Fatal(err)
	}
}

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
