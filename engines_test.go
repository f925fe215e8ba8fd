package configmgr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/jsonschema"
)

// drafts names each draft's "$schema" and where it keeps definitions.
var drafts = []struct {
	name, uri, defs string
	gojson          bool // gojsonschema reads it
}{
	{"draft4", "http://json-schema.org/draft-04/schema#", "definitions", true},
	{"draft6", "http://json-schema.org/draft-06/schema#", "definitions", true},
	{"draft7", "http://json-schema.org/draft-07/schema#", "definitions", true},
	{"draft2019-09", "https://json-schema.org/draft/2019-09/schema", "$defs", false},
	{"draft2020-12", "https://json-schema.org/draft/2020-12/schema", "$defs", false},
}

var compilers = map[string]configmgr.Compiler{
	"gojsonschema":  configmgr.GoJSONSchema{},
	"jsonschema/v6": jsonschema.Compiler{},
}

// featureSchema is one schema in the form of a draft: a secret, defaults
// behind a $ref to its definitions, and bounds.
func featureSchema(uri, defs string) string {
	return fmt.Sprintf(`{
  "$schema": %q,
  "type": "object",
  %q: {
    "db": {"type": "object", "properties": {
      "host": {"type": "string"},
      "port": {"type": "integer", "minimum": 1, "maximum": 65535},
      "pool": {"type": "integer", "default": 10},
      "password": {"type": "string", "writeOnly": true}}}
  },
  "properties": {
    "db": {"$ref": "#/%s/db"},
    "tokens": {"type": "object", "additionalProperties": {"type": "string", "writeOnly": true}},
    "level": {"enum": ["debug", "info"]}
  },
  "required": ["db"]
}`, uri, defs, defs)
}

// TestEveryEngineEveryDraft runs what the Manager builds on validation
// (defaults through $ref, secrets, environment overrides, SetSchema's
// guard, violation pointers, errors that quote no value) with each engine
// and each draft it reads; gojsonschema refuses the later drafts, naming
// the option that reads them.
func TestEveryEngineEveryDraft(t *testing.T) {
	for engine, compiler := range compilers {
		for _, d := range drafts {
			t.Run(engine+"/"+d.name, func(t *testing.T) {
				schema := featureSchema(d.uri, d.defs)
				dir := t.TempDir()
				os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"db": {"host": "h", "port": 5432, "password": "hunter2-SECRET-a"}, "tokens": {"ci": "hunter2-SECRET-b"}}`), 0o600)
				t.Setenv("APPX_DB_PORT", "6543")
				m, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(schema)),
					configmgr.WithCompiler(compiler), configmgr.WithEnvOverrides("APPX"))
				if engine == "gojsonschema" && !d.gojson {
					if !errors.Is(err, configmgr.ErrInvalidSchema) || !strings.Contains(err.Error(), strings.TrimPrefix(d.name, "draft")) || !strings.Contains(err.Error(), "WithCompiler(jsonschema.Compiler{})") {
						t.Fatalf("New with a %s schema = %v; want a refusal naming the draft and the option", d.name, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				// Defaults through $ref, and the override.
				var cfg struct {
					DB struct {
						Port int `json:"port"`
						Pool int `json:"pool"`
					} `json:"db"`
				}
				if err := m.Load("dev", &cfg); err != nil || cfg.DB.Pool != 10 || cfg.DB.Port != 6543 {
					t.Fatalf("Load = %+v, %v; want the default pool 10 and the overridden port 6543", cfg, err)
				}
				if o, err := m.Origin("dev", "/db/port"); err != nil || o.Name != "APPX_DB_PORT" {
					t.Errorf("Origin(/db/port) = %v, %v", o, err)
				}
				// Violations: pointers, and no value quoted.
				err = m.Update("dev", map[string]any{"db": map[string]any{"port": 99999, "password": 7}, "level": "loud"})
				var ve *configmgr.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("an invalid Update = %v", err)
				}
				var ptrs []string
				for _, v := range ve.Violations {
					ptrs = append(ptrs, v.Pointer)
				}
				if got := strings.Join(ptrs, " "); !strings.Contains(got, "/db/password") || !strings.Contains(got, "/level") {
					t.Errorf("violations at %s; want /db/password and /level", got)
				}
				if strings.Contains(err.Error(), "99999") || strings.Contains(err.Error(), "loud") {
					t.Errorf("a violation quotes a value: %v", err)
				}
				// Secrets: Diff and Redact.
				if err := m.Update("dev", map[string]any{"db": map[string]any{"password": "hunter2-SECRET-c"}, "tokens": map[string]any{"ci": "hunter2-SECRET-d"}}); err != nil {
					t.Fatal(err)
				}
				bs, _ := m.Backups("dev")
				changes, _ := m.Diff("dev", bs[0].ID, "")
				cur, _ := m.Read("dev")
				red, _ := json.Marshal(m.Redact(cur))
				if text := fmt.Sprint(changes) + string(red); strings.Contains(text, "hunter2-SECRET") || len(changes) != 2 {
					t.Errorf("Diff and Redact show a secret, or miss a change: %v %s", changes, red)
				}
				// SetSchema's guard: a schema the document fails is refused.
				strict := strings.Replace(schema, `"maximum": 65535`, `"maximum": 100`, 1)
				var sce *configmgr.SchemaChangeError
				if err := m.SetSchema([]byte(strict)); !errors.As(err, &sce) {
					t.Errorf("SetSchema of a schema the document fails = %v", err)
				}
			})
		}
	}
}

// TestFormatsSameEveryEngine: both engines assert the same formats, with
// the same checks, for the drafts both read; the v6 engine with
// AssertFormat does so for 2019-09 and 2020-12 too.
func TestFormatsSameEveryEngine(t *testing.T) {
	samples := map[string][]string{
		"date-time": {"2026-11-30T05:20:34Z", "2026-11-30 05:20", "yesterday"},
		"date":      {"2026-11-30", "2026-13-01", "30/11/2026"},
		"time":      {"05:20:34Z", "25:00:00Z"},
		"email":     {"ops@example.com", "not an email", "a@b"},
		"hostname":  {"db.internal", "-bad-.host", "a_b.com"},
		"ipv4":      {"10.0.0.1", "256.0.0.1", "1.2.3"},
		"ipv6":      {"::1", "2001:db8::1", "::g"},
		"uri":       {"https://example.com/x", "not a uri", "/relative"},
		"uuid":      {"123e4567-e89b-12d3-a456-426614174000", "123e4567"},
		"regex":     {"^a+$", "(unclosed"},
	}
	for format, values := range samples {
		for _, d := range drafts {
			schema := fmt.Sprintf(`{"$schema": %q, "type": "object", "properties": {"v": {"type": "string", "format": %q}}}`, d.uri, format)
			results := map[string]string{}
			for engine, compiler := range map[string]configmgr.Compiler{"gojsonschema": configmgr.GoJSONSchema{}, "jsonschema/v6": jsonschema.Compiler{AssertFormat: true}} {
				if engine == "gojsonschema" && !d.gojson {
					continue
				}
				v, err := compiler.Compile([]byte(schema))
				if err != nil {
					t.Fatalf("%s %s %s: %v", engine, d.name, format, err)
				}
				var got []string
				for _, val := range values {
					doc, _ := json.Marshal(map[string]string{"v": val})
					vs, err := v.Validate(doc)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, fmt.Sprintf("%s=%v", val, len(vs) == 0))
				}
				results[engine] = strings.Join(got, ", ")
			}
			if g, ok := results["gojsonschema"]; ok && g != results["jsonschema/v6"] {
				t.Errorf("%s, %s: gojsonschema says %s; jsonschema/v6 says %s", format, d.name, g, results["jsonschema/v6"])
			}
			if !strings.Contains(results["jsonschema/v6"], "=false") {
				t.Errorf("%s, %s: nothing refused: %s", format, d.name, results["jsonschema/v6"])
			}
		}
	}
	// By default a draft 7 schema asserts formats with either engine.
	for engine, compiler := range compilers {
		v, _ := compiler.Compile([]byte(`{"properties": {"endpoint": {"format": "uri"}}}`))
		if vs, _ := v.Validate([]byte(`{"endpoint": "not a uri"}`)); len(vs) != 1 || vs[0].Pointer != "/endpoint" {
			t.Errorf("%s: a bad uri gives %v", engine, vs)
		}
	}
}

// TestNoNetworkAtSchemaLoad: a $ref to a URL on the network, or to a file
// outside the schema's directory, is refused when the schema is compiled,
// naming the ref, and no engine connects anywhere; a $ref to a file in the
// directory, or to a registered resource, works.
func TestNoNetworkAtSchemaLoad(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	remote := "http://" + ln.Addr().String() + "/port.json"
	root := t.TempDir()
	dir := filepath.Join(root, "config")
	os.MkdirAll(filepath.Join(dir, "defs"), 0o700)
	os.WriteFile(filepath.Join(dir, "defs", "port.json"), []byte(`{"type": "integer", "maximum": 65535}`), 0o600)
	os.WriteFile(filepath.Join(root, "outside.json"), []byte(`{"type": "integer"}`), 0o600)
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"port": 80}`), 0o600)
	for engine, compiler := range compilers {
		for _, tc := range []struct{ ref, want string }{
			{remote, remote},
			{"../outside.json", "outside"},
			{"file:///etc/passwd", "/etc/passwd"},
		} {
			schema := fmt.Sprintf(`{"properties": {"port": {"$ref": %q}}}`, tc.ref)
			os.WriteFile(filepath.Join(dir, "schema.json"), []byte(schema), 0o600)
			_, err := configmgr.New(dir, filepath.Join(root, "backups"), configmgr.WithCompiler(compiler))
			if !errors.Is(err, configmgr.ErrInvalidSchema) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: New with a $ref to %s = %v; want ErrInvalidSchema naming it", engine, tc.ref, err)
			}
		}
		// A file in the schema's directory, and a registered resource.
		os.WriteFile(filepath.Join(dir, "schema.json"), []byte(`{"properties": {"port": {"$ref": "defs/port.json"}, "alt": {"$ref": "https://example.com/alt.json"}}}`), 0o600)
		c := compiler
		switch e := compiler.(type) {
		case configmgr.GoJSONSchema:
			e.Resources = map[string][]byte{"https://example.com/alt.json": []byte(`{"type": "string"}`)}
			c = e
		case jsonschema.Compiler:
			e.Resources = map[string][]byte{"https://example.com/alt.json": []byte(`{"type": "string"}`)}
			c = e
		}
		m, err := configmgr.New(dir, filepath.Join(root, "backups"), configmgr.WithCompiler(c))
		if err != nil {
			t.Fatalf("%s: New with refs to a file beside the schema and a resource = %v", engine, err)
		}
		if err := m.Update("dev", map[string]any{"port": 70000}); err == nil {
			t.Errorf("%s: the ref to defs/port.json was not applied", engine)
		}
		if err := m.Update("dev", map[string]any{"alt": 1}); err == nil {
			t.Errorf("%s: the ref to the resource was not applied", engine)
		}
		m.Close()
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the engines made %d connections", n)
	}
}
