// Command crossdriver opens a database with the driver of its own build
// (cgo or not), for sqlite.TestCrossDriver:
//
//	crossdriver create PATH SCHEMA   makes a new database and writes dev
//	crossdriver update PATH          sets dev's cache.ttl to 4242
//
// It prints the driver it used.
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

func main() {
	log.SetFlags(0)
	var m *configmgr.Manager
	var err error
	switch os.Args[1] {
	case "create":
		schema, rerr := os.ReadFile(os.Args[3])
		if rerr != nil {
			log.Fatal(rerr)
		}
		if m, err = sqlite.New(os.Args[2], sqlite.WithCreate(), configmgr.WithSchema(schema)); err == nil {
			err = m.Write("dev", map[string]any{
				"environment": "development",
				"database":    map[string]any{"host": "h", "port": 1, "name": "n", "username": "u", "password": "p"},
				"logging":     map[string]any{"level": "INFO"},
				"cache":       map[string]any{"ttl": 1},
			})
		}
	case "update":
		if m, err = sqlite.New(os.Args[2]); err == nil {
			err = m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 4242}})
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(sqlite.Driver)
}
