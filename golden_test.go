package configmgr

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestDecodeErrorText pins the text of parse errors: what a person sees
// when a hand edit goes wrong.
func TestDecodeErrorText(t *testing.T) {
	var out bytes.Buffer
	for _, in := range []string{
		"{\n  \"a\": 1,\n  \"b\": tru\n}\n",
		"{\n  \"a\": 1,\n}\n",
		"{\"a\": [1, 2}",
		"{\"a\": \"unterminated",
		"{\"a\": 1} {\"b\": 2}",
		"{\"a\": 1, \"a\": 2}",
		"\ufeff{}",
		"{\"a\": \"\xff\"}",
		"{\"a\": 01}",
		"{\"a\": 1.}",
		"{\"a\": \"\\x\"}",
		"{\"a\"\n  1}",
		"[1]",
		"",
	} {
		_, err := parseObject([]byte(in), "dev.json", true)
		fmt.Fprintf(&out, "%q\n\t%v\n", in, err)
	}
	golden(t, "decode_errors.golden", out.Bytes())
}

// TestEncodeGolden pins the encoding of a document after a merge: 2-space
// indent, key order kept, new keys appended, numbers and escapes as
// written.
func TestEncodeGolden(t *testing.T) {
	src := "{\n  \"z\": 1.50,\n  \"a\": {\"nested\": [1e400, -0, {}], \"s\": \"\\u00e9\\n\"},\n  \"big\": 9007199254740993\n}"
	patch := `{"a": {"s": "new", "added": [true, null, "\u2028<&>"]}, "new": {}, "z": null}`
	doc := mustParse(t, src)
	out := encodeDocument(mergePatch(doc, mustParse(t, patch)))
	golden(t, "merged.json.golden", out)
}

// TestErrorTexts pins what a user sees for the mistakes users make: each
// message names the call, the environment and the place, and says
// "configmgr:" once.
func TestErrorTexts(t *testing.T) {
	dir := t.TempDir()
	configDir, backupDir := filepath.Join(dir, "config"), filepath.Join(dir, "backups")
	os.Mkdir(configDir, 0o700)
	for _, name := range []string{"schema.json", "dev.json", "staging.json", "production.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "config", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(configDir, name), data, 0o600)
	}
	m, err := New(configDir, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var out bytes.Buffer
	say := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		msg := strings.ReplaceAll(err.Error(), dir, "$DIR")
		if n := strings.Count(msg, "configmgr:"); n != 1 {
			t.Errorf("%s: %q says configmgr: %d times", what, msg, n)
		}
		fmt.Fprintf(&out, "%s\n\t%s\n", what, msg)
	}

	var cfg map[string]any
	say("Load of a mistyped environment", m.Load("prodution", &cfg))
	say("Read of an environment that does not exist", func() error { _, err := m.Read("qa"); return err }())
	say("Update of an environment that does not exist", m.Update("qa", map[string]any{"a": 1}))
	say("Restore of a backup ID that is not one", m.Restore("production", "latest"))
	say("Restore of a backup that does not exist", m.Restore("production", "20240101_000000.000000000Z"))
	say("Load into a non-pointer", m.Load("dev", cfg))
	var wrong struct {
		Database struct {
			Port string `json:"port"`
		} `json:"database"`
	}
	say("Load into a field of the wrong type", m.Load("dev", &wrong))
	say("Write of an invalid document", m.Write("dev", map[string]any{"environment": "dev"}))
	say("Write of a name with a slash", m.Write("../etc/passwd", map[string]any{}))

	staging := filepath.Join(configDir, "staging.json")
	data, _ := os.ReadFile(staging)
	os.WriteFile(staging, bytes.Replace(data, []byte(`"max_size": 1000`), []byte(`"max_size": 1000,`), 1), 0o600)
	say("Load of a file with a trailing comma", m.Load("staging", &cfg))
	say("Update of a file that does not parse", m.Update("staging", map[string]any{"a": 1}))
	os.WriteFile(staging, data, 0o600)

	os.WriteFile(filepath.Join(configDir, "schema.json"), []byte(`{"type": "object", "properties": {]}`), 0o600)
	_, err = New(configDir, backupDir)
	say("New with a schema that is not JSON", err)
	os.WriteFile(filepath.Join(configDir, "schema.json"), []byte(`{"type": "object", "properties": {"a": {"type": "no-such-type"}}}`), 0o600)
	_, err = New(configDir, backupDir)
	say("New with a schema that does not compile", err)
	_, err = New(filepath.Join(dir, "missing"), backupDir)
	say("New with a missing config directory", err)
	golden(t, "error_texts.golden", out.Bytes())
}
