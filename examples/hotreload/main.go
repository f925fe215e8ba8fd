// Command hotreload serves its configuration over HTTP from a live handle
// and follows changes without a restart: an update from another goroutine
// is served at once, and an invalid hand edit of the file is rejected while
// the service keeps its last good configuration. It binds 127.0.0.1 on a
// free port, works in a temporary directory, and exits on its own.
//
//	go run ./examples/hotreload
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/configmgr/configmgr"
)

const schema = `{
  "type": "object",
  "properties": {
    "environment": {"type": "string"},
    "database": {
      "type": "object",
      "properties": {
        "host": {"type": "string"},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "password": {"type": "string", "writeOnly": true}
      },
      "required": ["host", "port"]
    },
    "cache": {"type": "object", "properties": {"ttl": {"type": "integer", "minimum": 0}}}
  },
  "required": ["database"]
}`

// Config is what the service reads and serves. It has no field for the
// password the document holds, so the password is never served.
type Config struct {
	Environment string `json:"environment"`
	Database    struct {
		Host string `json:"host"`
		Port int    `json:"port"`
	} `json:"database"`
	Cache struct {
		TTL int `json:"ttl"`
	} `json:"cache"`
}

func main() {
	log.SetFlags(0)
	root, err := os.MkdirTemp("", "configmgr-hotreload")
	if err != nil {
		log.Fatal(err)
	}
	err = run(context.Background(), os.Stdout, root)
	os.RemoveAll(root)
	if err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, root string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	configDir := filepath.Join(root, "config")
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		return err
	}
	m, err := configmgr.New(configDir, filepath.Join(root, "backups"), configmgr.WithSchema([]byte(schema)))
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Write("dev", map[string]any{
		"environment": "development",
		"database":    map[string]any{"host": "localhost", "port": 5432, "password": "dev-password"},
		"cache":       map[string]any{"ttl": 300},
	}); err != nil {
		return err
	}
	live, err := configmgr.Watch[Config](ctx, m, "dev")
	if err != nil {
		return err
	}
	defer live.Close()

	// The service: every request reads Latest, an atomic load.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		json.NewEncoder(rw).Encode(live.Latest())
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintln(w, "serving on", url)
	show := func(when string) error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		fmt.Fprintf(w, "%-28s %s", when+":", body)
		return err
	}
	if err := show("at start"); err != nil {
		return err
	}

	// An update from another goroutine (it could be another process).
	go func() {
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 600}}); err != nil {
			log.Print(err)
		}
	}()
	if _, err := live.Next(ctx); err != nil {
		return err
	}
	if err := show("after an update"); err != nil {
		return err
	}

	// A hand edit that breaks the schema: rejected, the service stays on
	// the last good config.
	path := filepath.Join(configDir, "dev.json")
	good, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	bad := strings.Replace(string(good), `"port": 5432`, `"port": 99999`, 1)
	if err := save(path, bad); err != nil {
		return err
	}
	_, err = live.Next(ctx)
	if !errors.Is(err, configmgr.ErrRejected) {
		return fmt.Errorf("the invalid edit was not rejected: %v", err)
	}
	var ve *configmgr.ValidationError
	if errors.As(err, &ve) {
		fmt.Fprintf(w, "edit rejected:               %v\n", ve.Violations)
	}
	if err := show("after the invalid edit"); err != nil {
		return err
	}

	// The edit, fixed.
	fixed := strings.Replace(string(good), `"port": 5432`, `"port": 6432`, 1)
	if err := save(path, fixed); err != nil {
		return err
	}
	if _, err := live.Next(ctx); err != nil {
		return err
	}
	return show("after the fixed edit")
}

// save writes a file the way most editors do: a new file renamed over the
// old one, so that a reader sees the old or the new content, never half.
func save(path, content string) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
