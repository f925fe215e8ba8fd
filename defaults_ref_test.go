package configmgr_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/jsonschema"
)

// loadWith loads doc under schema, with the engine that reads its draft.
func loadWith(t *testing.T, schema, doc string) map[string]any {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(doc), 0o600)
	var compiler configmgr.Compiler = configmgr.GoJSONSchema{}
	if strings.Contains(schema, "2020-12") {
		compiler = jsonschema.Compiler{}
	}
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(schema)), configmgr.WithCompiler(compiler))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var v map[string]any
	if err := m.Load("dev", &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDefaultBesideRef: up to draft 7 a "default" beside "$ref" is
// ignored (the referenced schema's default counts); from 2019-09 on it
// applies.
func TestDefaultBesideRef(t *testing.T) {
	const body = `"definitions": {"plain": {"type": "integer"}, "withDefault": {"type": "integer", "default": 7}},
	  "$defs": {"plain": {"type": "integer"}},
	  "properties": {
	    "a": {"$ref": "#/definitions/plain", "default": 5},
	    "b": {"$ref": "#/definitions/withDefault"},
	    "c": {"$ref": "#/definitions/withDefault", "default": 5}
	  }}`
	v := loadWith(t, `{`+body, `{}`)
	if _, ok := v["a"]; ok || v["b"] != float64(7) || v["c"] != float64(7) {
		t.Errorf("draft 7: Load = %v; want no a (its default sits beside $ref), b and c 7 from the referenced schema", v)
	}
	v = loadWith(t, `{"$schema": "https://json-schema.org/draft/2020-12/schema", `+body, `{}`)
	if v["a"] != float64(5) || v["b"] != float64(7) || v["c"] != float64(5) {
		t.Errorf("2020-12: Load = %v; want a 5, b 7, c 5 (a sibling default applies and wins)", v)
	}
}

// TestRecursiveDefaults: a schema whose defaults refer to themselves is
// not expanded beyond what the document holds: Load of {} is quick and
// shallow, where it used to nest 500 deep or run exponentially.
func TestRecursiveDefaults(t *testing.T) {
	for name, schema := range map[string]string{
		"sibling default": `{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "#/$defs/node",
		  "$defs": {"node": {"type": "object", "properties": {
		    "a": {"$ref": "#/$defs/node", "default": {}}, "b": {"$ref": "#/$defs/node", "default": {}}}}}}`,
		"default in the target": `{"$ref": "#/definitions/node",
		  "definitions": {"node": {"type": "object", "default": {}, "properties": {
		    "a": {"$ref": "#/definitions/node"}, "b": {"$ref": "#/definitions/node"}, "n": {"type": "integer", "default": 1}}}}}`,
		"self": `{"type": "object", "properties": {"self": {"$ref": "#", "default": {"x": 1}}, "again": {"allOf": [{"$ref": "#"}, {"$ref": "#"}]}}}`,
	} {
		start := time.Now()
		v := loadWith(t, schema, `{"a": {"b": {}}}`)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: Load took %v", name, d)
		}
		depth := strings.Count(jsonOf(t, v), "{")
		if depth > 40 {
			t.Errorf("%s: Load made %d objects from a document of 3: %s", name, depth, jsonOf(t, v))
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestDefaultsInMapEntries: the entries of patternProperties and
// additionalProperties that a document has get their defaults; an absent
// section gets the defaults below it, through $ref, and nothing is made
// where no default lies below.
func TestDefaultsInMapEntries(t *testing.T) {
	schema := `{
	  "definitions": {"limits": {"type": "object", "properties": {"rps": {"type": "integer", "default": 100}}}},
	  "properties": {
	    "backends": {"type": "object", "additionalProperties": {"type": "object", "properties": {
	      "timeout": {"type": "string", "default": "5s"}, "weight": {"type": "integer", "default": 1}}}},
	    "routes": {"type": "object", "patternProperties": {"^/": {"type": "object", "properties": {"auth": {"type": "boolean", "default": true}}}}},
	    "limits": {"$ref": "#/definitions/limits"},
	    "plain": {"type": "object", "properties": {"x": {"type": "integer"}}}
	  }}`
	v := loadWith(t, schema, `{"backends": {"a": {"weight": 5}, "b": {}}, "routes": {"/api": {}, "/health": {"auth": false}}}`)
	got := jsonOf(t, v)
	want := `{"backends":{"a":{"timeout":"5s","weight":5},"b":{"timeout":"5s","weight":1}},"limits":{"rps":100},"routes":{"/api":{"auth":true},"/health":{"auth":false}}}`
	if got != want {
		t.Fatalf("Load = %s\nwant %s", got, want)
	}
}
