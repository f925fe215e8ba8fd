package configmgr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

const durationSchema = `{"type": "object", "properties": {
  "timeout": {"type": "string", "default": "5s"},
  "interval": {"type": "string"},
  "max_body": {"type": "string"},
  "ip": {"type": "string"},
  "retries": {"type": "object", "additionalProperties": {"type": "string"}},
  "backoff": {"type": "array", "items": {"type": "string"}}}}`

type durationConfig struct {
	Timeout  time.Duration            `json:"timeout"`
	Interval time.Duration            `json:"interval"`
	MaxBody  int64                    `json:"max_body"`
	IP       net.IP                   `json:"ip"`
	Retries  map[string]time.Duration `json:"retries"`
	Backoff  []*time.Duration         `json:"backoff"`
}

// sizes is a decode hook for byte sizes written as "10MiB".
func sizes(to reflect.Type, v any) (any, error) {
	s, ok := v.(string)
	if !ok || to.Kind() != reflect.Int64 || !strings.HasSuffix(s, "MiB") {
		return v, nil
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(s, "MiB"), 10, 64)
	if err != nil {
		return nil, errors.New("not a size such as \"10MiB\"")
	}
	return json.Number(strconv.FormatInt(n<<20, 10)), nil
}

func durationManager(t *testing.T, doc string, opts ...configmgr.Option) *configmgr.Manager {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(doc), 0o600)
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"), append([]configmgr.Option{configmgr.WithSchema([]byte(durationSchema))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestDurationsAndHooks: durations decode from strings, a schema default
// of "5s" included; TextUnmarshaler types from strings; a decode hook
// converts what encoding/json cannot, in Load and Watch alike; errors name
// the key, never the value.
func TestDurationsAndHooks(t *testing.T) {
	doc := `{"interval": "1m30s", "max_body": "10MiB", "ip": "10.0.0.1", "retries": {"db": "250ms"}, "backoff": ["1s", "2s"]}`
	m := durationManager(t, doc, configmgr.WithDecodeHook(sizes))
	var cfg durationConfig
	if err := m.Load("dev", &cfg); err != nil {
		t.Fatal(err)
	}
	const want = "5s 1m30s 10485760 10.0.0.1 250ms 1s 2s"
	got := fmt.Sprintf("%v %v %v %v %v %v %v", cfg.Timeout, cfg.Interval, cfg.MaxBody, cfg.IP, cfg.Retries["db"], *cfg.Backoff[0], *cfg.Backoff[1])
	if got != want {
		t.Fatalf("Load = %s; want %s", got, want)
	}
	l, err := configmgr.Watch[durationConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Latest().MaxBody != 10<<20 || l.Latest().Timeout != 5*time.Second {
		t.Fatalf("Watch = %+v", l.Latest())
	}
	var section struct {
		DB time.Duration `json:"db"`
	}
	if err := m.LoadSection("dev", "/retries", &section); err != nil || section.DB != 250*time.Millisecond {
		t.Fatalf("LoadSection = %+v, %v", section, err)
	}

	for _, tc := range []struct{ doc, key string }{
		{`{"interval": "hunter2-SECRET-1"}`, "interval"},
		{`{"retries": {"db": "hunter2-SECRET-2"}}`, "retries.db"},
		{`{"max_body": "xMiB"}`, "max_body"},
	} {
		m := durationManager(t, tc.doc, configmgr.WithDecodeHook(sizes))
		var de *configmgr.DecodeError
		err := m.Load("dev", &cfg)
		if !errors.As(err, &de) || de.Key != tc.key || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Load of %s = %v; want a *DecodeError for %s, without the value", tc.doc, err, tc.key)
		}
	}
}
