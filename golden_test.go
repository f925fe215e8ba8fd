package configmgr

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
