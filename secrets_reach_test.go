package configmgr_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// reachSchema marks secrets through every keyword that can reach a value.
const reachSchema = `{
  "type": "object",
  "definitions": {
    "tok": {"type": "string", "writeOnly": true},
    "chain": {"$ref": "#/definitions/tok"}
  },
  "properties": {
    "pp": {"type": "object", "patternProperties": {"^key_": {"writeOnly": true}}},
    "ap": {"type": "object", "properties": {"open": {"type": "string"}}, "additionalProperties": {"writeOnly": true}},
    "one": {"oneOf": [{"type": "string", "writeOnly": true}, {"type": "integer"}]},
    "any": {"anyOf": [{"type": "string", "writeOnly": true}, {"type": "integer"}]},
    "all": {"allOf": [{"writeOnly": true}]},
    "cond": {"if": {"type": "string"}, "then": {"writeOnly": true}, "else": {}},
    "tuple": {"type": "array", "items": [{"type": "string"}, {"writeOnly": true}]},
    "addi": {"type": "array", "items": [{"type": "string"}], "additionalItems": {"writeOnly": true}},
    "dep": {"type": "object", "dependencies": {"a": {"properties": {"b": {"writeOnly": true}}}}},
    "ref": {"$ref": "#/definitions/chain"},
    "tokens": {"type": "object", "writeOnly": true, "additionalProperties": {"type": "string"}}
  }
}`

// reachDoc holds a secret under each keyword, all ending in mark.
func reachDoc(mark string) string {
	return fmt.Sprintf(`{
  "pp": {"key_a": "hunter2-SECRET-pp%[1]s", "plain": "shown"},
  "ap": {"open": "shown", "other": "hunter2-SECRET-ap%[1]s"},
  "one": "hunter2-SECRET-one%[1]s",
  "any": "hunter2-SECRET-any%[1]s",
  "all": "hunter2-SECRET-all%[1]s",
  "cond": "hunter2-SECRET-cond%[1]s",
  "tuple": ["shown", "hunter2-SECRET-tuple%[1]s"],
  "addi": ["shown", "hunter2-SECRET-addi%[1]s"],
  "dep": {"a": 1, "b": "hunter2-SECRET-dep%[1]s"},
  "ref": "hunter2-SECRET-ref%[1]s",
  "tokens": {"sk-live-hunter2-SECRET-key%[1]s": "hunter2-SECRET-tok%[1]s"}
}`, mark)
}

func reachManager(t *testing.T) (*configmgr.Manager, string) {
	t.Helper()
	dir := t.TempDir()
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(reachSchema)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, dir
}

// TestSecretsEveryKeyword: a writeOnly value is a secret wherever the
// schema reaches it, and so are the keys inside a writeOnly object: Diff
// and Redact show none of them, while the values beside them still show.
func TestSecretsEveryKeyword(t *testing.T) {
	m, _ := reachManager(t)
	if err := m.Write("dev", json.RawMessage(reachDoc("1"))); err != nil {
		t.Fatal(err)
	}
	if err := m.Write("dev", json.RawMessage(strings.ReplaceAll(reachDoc("2"), `"shown"`, `"changed"`))); err != nil {
		t.Fatal(err)
	}
	bs, _ := m.Backups("dev")
	changes, err := m.Diff("dev", bs[0].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range changes {
		out = append(out, c.String())
	}
	text := strings.Join(out, "\n")
	if strings.Contains(text, "hunter2-SECRET") {
		t.Errorf("Diff shows a secret:\n%s", text)
	}
	for _, p := range []string{"/pp/key_a", "/ap/other", "/one", "/any", "/all", "/cond", "/tuple/1", "/addi/1", "/dep/b", "/ref", "/tokens"} {
		if !strings.Contains(text, p+`: "[REDACTED]" -> "[REDACTED]"`) {
			t.Errorf("Diff lacks the redacted change of %s:\n%s", p, text)
		}
	}
	if !strings.Contains(text, `/pp/plain: "shown" -> "changed"`) || !strings.Contains(text, `/tuple/0: "shown" -> "changed"`) {
		t.Errorf("Diff hides values that are not secret:\n%s", text)
	}
	cfg, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	red, _ := json.Marshal(m.Redact(cfg))
	if strings.Contains(string(red), "hunter2-SECRET") || !strings.Contains(string(red), `"changed"`) {
		t.Errorf("Redact = %s", red)
	}
}

// TestSecretKeysInErrors: a violation or a decode error inside a secret
// object points at the secret, never at a key inside it; a duplicate key
// inside one is not named.
func TestSecretKeysInErrors(t *testing.T) {
	m, dir := reachManager(t)
	err := m.Write("dev", json.RawMessage(`{"tokens": {"sk-live-hunter2-SECRET": 5}}`))
	var ve *configmgr.ValidationError
	if !errors.As(err, &ve) || strings.Contains(err.Error(), "hunter2-SECRET") || ve.Violations[0].Pointer != "/tokens" {
		t.Errorf("Write of an invalid value in a secret object = %v; want a violation at /tokens naming nothing in it", err)
	}
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"tokens": {"sk-live-hunter2-SECRET": "a"}}`), 0o600)
	var cfg struct {
		Tokens map[string]int `json:"tokens"`
	}
	err = m.Load("dev", &cfg)
	var de *configmgr.DecodeError
	if !errors.As(err, &de) || strings.Contains(err.Error(), "hunter2-SECRET") || !strings.HasPrefix(de.Key, "tokens") {
		t.Errorf("Load of a mismatched value in a secret object = %v; want a *DecodeError at tokens, naming nothing in it", err)
	}
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"tokens": {"sk-live-hunter2-SECRET": "a", "sk-live-hunter2-SECRET": "b"}}`), 0o600)
	if _, err := m.Read("dev"); err == nil || strings.Contains(err.Error(), "hunter2-SECRET") {
		t.Errorf("Read of a duplicate key in a secret object = %v", err)
	}
}

// TestDecodeErrorsNeverQuoteValues: whatever refuses a value (a ",string"
// tag, a type's own UnmarshalJSON or UnmarshalText), the error names the
// key and the Go type, never the value; through Load and Live.Err alike.
func TestDecodeErrorsNeverQuoteValues(t *testing.T) {
	type stringTag struct {
		Port int `json:"port,string"`
	}
	type bigInt struct {
		N *big.Int `json:"n"`
	}
	type when struct {
		At time.Time `json:"at"`
	}
	type addr struct {
		IP net.IP `json:"ip"`
	}
	type nested struct {
		List []map[string]addr `json:"list"`
	}
	for _, tc := range []struct {
		doc, key string
		load     func(m *configmgr.Manager) error
	}{
		{`{"port": "hunter2-SECRET-1"}`, "port", func(m *configmgr.Manager) error { var v stringTag; return m.Load("dev", &v) }},
		{`{"n": "hunter2-SECRET-2"}`, "n", func(m *configmgr.Manager) error { var v bigInt; return m.Load("dev", &v) }},
		{`{"at": "hunter2-SECRET-3"}`, "at", func(m *configmgr.Manager) error { var v when; return m.Load("dev", &v) }},
		{`{"ip": "hunter2-SECRET-4"}`, "ip", func(m *configmgr.Manager) error { var v addr; return m.Load("dev", &v) }},
		{`{"list": [{"a": {"ip": "::1"}}, {"b": {"ip": "hunter2-SECRET-5"}}]}`, "list.1.b.ip", func(m *configmgr.Manager) error { var v nested; return m.Load("dev", &v) }},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "dev.json"), []byte(tc.doc), 0o600)
		m, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(`{"type": "object"}`)))
		if err != nil {
			t.Fatal(err)
		}
		err = tc.load(m)
		var de *configmgr.DecodeError
		if !errors.As(err, &de) || de.Key != tc.key || strings.Contains(err.Error(), "hunter2-SECRET") {
			t.Errorf("Load of %s = %v; want a *DecodeError for %s, without the value", tc.doc, err, tc.key)
		}
		m.Close()
	}

	// Live.Err carries the same errors.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"port": "1"}`), 0o600)
	m, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(`{"type": "object"}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, err := configmgr.Watch[stringTag](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := m.Write("dev", map[string]any{"port": "hunter2-SECRET-6"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := l.Next(ctx); !errors.Is(err, configmgr.ErrRejected) || strings.Contains(err.Error(), "hunter2-SECRET") || strings.Contains(fmt.Sprint(l.Err()), "hunter2-SECRET") {
		t.Errorf("Live's rejection = %v; want ErrRejected without the value", err)
	}
}
