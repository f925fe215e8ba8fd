package configmgr_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

// styleFiles are the hand-written files of testdata/styles: one document
// in each style people write.
var styleFiles = []string{"compact.json", "tabs.json", "four-spaces-no-final-newline.json", "crlf.json", "commented.jsonc"}

// styleManager returns a Manager over a directory holding the style file
// name as production.json, and the file's path.
func styleManager(t *testing.T, name string) (*configmgr.Manager, string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "styles", name))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config", "production.json")
	os.Mkdir(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := configmgr.New(filepath.Dir(path), filepath.Join(dir, "backups"), configmgr.WithoutSchema(), configmgr.WithComments())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, path
}

// TestStylesGolden applies the same three updates to a file in each style:
// change one value, add a key, delete a key (with its comment). The result
// is the golden file, byte for byte.
func TestStylesGolden(t *testing.T) {
	for _, name := range styleFiles {
		t.Run(name, func(t *testing.T) {
			m, path := styleManager(t, name)
			for _, patch := range []string{
				`{"database": {"port": 6543}}`,
				`{"cache": {"max_size": 500}}`,
				`{"legacy": null}`,
			} {
				if err := m.Update("production", json.RawMessage(patch)); err != nil {
					t.Fatal(err)
				}
			}
			goldenFile(t, filepath.Join("testdata", "golden", "styles", name), readFile(t, path))
		})
	}
}

// goldenFile compares got with the file at path, or rewrites it with
// -update (the flag of golden_test.go).
func goldenFile(t *testing.T, path, got string) {
	t.Helper()
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestOneLineDiffEveryStyle: one changed value is one changed line of the
// file, whatever its style (the compact file is one line).
func TestOneLineDiffEveryStyle(t *testing.T) {
	for _, name := range styleFiles {
		t.Run(name, func(t *testing.T) {
			m, path := styleManager(t, name)
			for i, ttl := range []int{600, 601, 602} {
				before := strings.Split(readFile(t, path), "\n")
				var err error
				switch i {
				case 0:
					err = m.Update("production", map[string]any{"cache": map[string]any{"ttl": ttl}})
				case 1:
					err = m.UpdateFunc("production", func(c map[string]any) error { c["cache"].(map[string]any)["ttl"] = ttl; return nil })
				case 2:
					var c map[string]any
					if c, err = m.Read("production"); err == nil {
						c["cache"].(map[string]any)["ttl"] = ttl
						err = m.Write("production", c)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				after := strings.Split(readFile(t, path), "\n")
				if len(before) != len(after) {
					t.Fatalf("step %d changed the number of lines: %d -> %d", i, len(before), len(after))
				}
				var changed []string
				for j := range before {
					if before[j] != after[j] {
						changed = append(changed, before[j]+" -> "+after[j])
					}
				}
				if len(changed) != 1 || !strings.Contains(changed[0], "ttl") {
					t.Fatalf("step %d changed lines %q; want only the ttl line", i, changed)
				}
			}
		})
	}
}

// TestCommentsNeedTheOption: without WithComments, a comment or a trailing
// comma is refused with an error naming the file, the line, the column and
// the option; nothing is written.
func TestCommentsNeedTheOption(t *testing.T) {
	for _, c := range []struct{ text, line string }{
		{"{\n  // a comment\n  \"a\": 1\n}\n", ":2:3: "},
		{"{\n  \"a\": 1,\n}\n", ":3:1: "},
		{"{\"a\": [1, 2,]}", ":1:13: "},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "dev.json")
		os.WriteFile(path, []byte(c.text), 0o600)
		m, err := configmgr.New(dir, filepath.Join(dir, "b"), configmgr.WithoutSchema())
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Read("dev")
		var de *configmgr.DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), path+c.line) || !strings.Contains(err.Error(), "WithComments()") {
			t.Errorf("Read of %q without WithComments: %v; want a *DecodeError at %s naming WithComments", c.text, err, c.line)
		}
		if err := m.Update("dev", map[string]any{"a": 2}); err == nil {
			t.Errorf("Update of %q without WithComments succeeded", c.text)
		}
		if got := readFile(t, path); got != c.text {
			t.Errorf("the file changed: %q", got)
		}
		m.Close()
	}
}

// TestCommentsSeeStandardJSON: with WithComments, reads, Load, validation
// and Diff see the standard value; Migrate to SQLite and back keeps every
// byte, comments and all.
func TestCommentsSeeStandardJSON(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "styles", "commented.jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	configDir := filepath.Join(dir, "config")
	os.Mkdir(configDir, 0o755)
	os.WriteFile(filepath.Join(configDir, "production.json"), src, 0o600)
	schema := `{"type": "object", "properties": {"database": {"type": "object", "properties": {"port": {"type": "integer", "maximum": 65535}}}}}`
	m, err := configmgr.New(configDir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(schema)), configmgr.WithComments())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	doc, err := m.Read("production")
	if err != nil {
		t.Fatal(err)
	}
	if got := doc["database"].(map[string]any)["port"]; got != json.Number("5432") {
		t.Errorf("port = %v", got)
	}
	var cfg struct {
		Cache struct {
			TTL int `json:"ttl"`
		} `json:"cache"`
	}
	if err := m.Load("production", &cfg); err != nil || cfg.Cache.TTL != 3600 {
		t.Errorf("Load: %+v, %v", cfg, err)
	}
	var ve *configmgr.ValidationError
	if err := m.Update("production", map[string]any{"database": map[string]any{"port": 70000}}); !errors.As(err, &ve) {
		t.Errorf("an invalid update of a commented file: %v; want a *ValidationError", err)
	}
	if err := m.Update("production", map[string]any{"database": map[string]any{"port": 6543}}); err != nil {
		t.Fatal(err)
	}
	bs, _ := m.Backups("production")
	changes, err := m.Diff("production", bs[0].ID, "")
	if err != nil || len(changes) != 1 || changes[0].String() != "/database/port: 5432 -> 6543" {
		t.Errorf("Diff: %v, %v", changes, err)
	}
	if got := readFile(t, filepath.Join(configDir, "production.json")); !strings.Contains(got, `"port": 6543, // was 6432 until March`) {
		t.Errorf("the comment beside the changed value moved:\n%s", got)
	}

	// Watch sees the standard value of each new commented version.
	type watched struct {
		Database struct {
			Port int `json:"port"`
		} `json:"database"`
	}
	live, err := configmgr.Watch[watched](t.Context(), m, "production")
	if err != nil {
		t.Fatal(err)
	}
	if got := live.Latest().Database.Port; got != 6543 {
		t.Errorf("Watch: port %d", got)
	}
	if err := m.Update("production", map[string]any{"database": map[string]any{"port": 6544}}); err != nil {
		t.Fatal(err)
	}
	if got, err := live.Next(t.Context()); err != nil || got.Database.Port != 6544 {
		t.Errorf("Watch after an update: %+v, %v", got, err)
	}
	live.Close()

	// Files -> memory -> files: the bytes, comments and all, survive.
	mem := storetest.NewMemStore()
	if _, err := configmgr.Migrate(context.Background(), mem, m.Store()); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "back"), 0o755)
	back, err := configmgr.NewFileStore(filepath.Join(dir, "back"), filepath.Join(dir, "back-backups"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := configmgr.Migrate(context.Background(), back, mem); err != nil {
		t.Fatal(err)
	}
	if a, b := readFile(t, filepath.Join(configDir, "production.json")), readFile(t, filepath.Join(dir, "back", "production.json")); a != b {
		t.Errorf("after a round trip:\n%s\nwant\n%s", b, a)
	}
}

// TestWriteKeepsNumberText: a Write whose value for a number is the same
// number in other words (1000 for 1e3, 0.5 for 5e-1) keeps the stored text,
// in this package's own format and in another.
func TestWriteKeepsNumberText(t *testing.T) {
	for _, text := range []string{
		"{\n  \"a\": 1e3,\n  \"b\": 1,\n  \"c\": 5e-1\n}\n", // this package's format
		"{\"a\": 1e3, \"b\": 1, \"c\": 5e-1}\n",             // another
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "dev.json")
		os.WriteFile(path, []byte(text), 0o600)
		m, err := configmgr.New(dir, filepath.Join(dir, "b"), configmgr.WithoutSchema())
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Write("dev", map[string]any{"a": 1000, "b": 2, "c": 0.5}); err != nil {
			t.Fatal(err)
		}
		want := strings.Replace(text, `"b": 1,`, `"b": 2,`, 1)
		if got := readFile(t, path); got != want {
			t.Errorf("after the write:\n%s\nwant\n%s", got, want)
		}
		m.Close()
	}
}

// TestLargeDocumentKeepsItsText: in a document past the size from which a
// write restyles only the members that changed (spliceFrom, 32 KiB), an
// Update changes the bytes it must and no others: comments, trailing
// commas and the layout of a long list stay as they were. Each kind of
// change is tried: a value replaced, a member added to and one removed
// from a nested object, and a member added at the top level.
func TestLargeDocumentKeepsItsText(t *testing.T) {
	var b strings.Builder
	b.WriteString("// the service's settings\n{\n  \"cache\": { \"ttl\": 300, \"size\": 10 }, // seconds\n  \"items\": [\n")
	for i := range 2000 {
		b.WriteString(`    {"id": ` + strings.Repeat("1", 1+i%5) + `, "name": "item"}, /* n */` + "\n")
	}
	b.WriteString("  ],\n  \"name\": \"svc\",\n}\n")
	old := b.String()
	if len(old) < 32<<10 {
		t.Fatalf("the document is %d bytes; the test needs 32 KiB", len(old))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "dev.json")
	os.WriteFile(path, []byte(old), 0o600)
	m, err := configmgr.New(dir, filepath.Join(dir, "b"), configmgr.WithoutSchema(), configmgr.WithComments(), configmgr.WithMaxSize(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, step := range []struct {
		patch    map[string]any
		from, to string
	}{
		{map[string]any{"cache": map[string]any{"ttl": 301}}, `"ttl": 300,`, `"ttl": 301,`},
		{map[string]any{"cache": map[string]any{"size": nil}}, `{ "ttl": 301, "size": 10 }`, `{ "ttl": 301 }`},
		{map[string]any{"cache": map[string]any{"on": true}}, `{ "ttl": 301 }`, `{ "ttl": 301, "on": true }`},
		{map[string]any{"name": "svc2"}, `"name": "svc",`, `"name": "svc2",`},
		{map[string]any{"extra": 1}, `"name": "svc2",`, `"name": "svc2",` + "\n  \"extra\": 1,"},
	} {
		want := strings.Replace(old, step.from, step.to, 1)
		if err := m.Update("dev", step.patch); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, path); got != want {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("after %v, the text differs at byte %d: %q, want %q", step.patch, i, got[max(0, i-40):min(len(got), i+40)], want[max(0, i-40):min(len(want), i+40)])
		}
		old = want
	}
}
