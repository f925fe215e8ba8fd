package configmgr_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
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
