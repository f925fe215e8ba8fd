package configmgr

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

func addConfigSeeds(f *testing.F, add func(data []byte)) {
	files, _ := filepath.Glob("testdata/config/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		add(data)
	}
}

// FuzzDecode checks that parsing never panics, that whatever parses
// survives encode and parse unchanged, and that it agrees with
// encoding/json on every document both accept.
func FuzzDecode(f *testing.F) {
	addConfigSeeds(f, func(data []byte) { f.Add(data) })
	for _, s := range []string{`{"a":1.0e+2,"b":[true,false,null],"c":"\ud83d\ude00\u00e9"}`, `[]`, `"x"`, `{"a":{"a":{"a":{}}}}`, `-0`, `{"k":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseDocument(data, "fuzz", true)
		if err != nil {
			return
		}
		enc := encodeDocument(v)
		v2, err := parseDocument(enc, "fuzz", true)
		if err != nil {
			t.Fatalf("re-parsing the encoding failed: %v\n%s", err, enc)
		}
		if enc2 := encodeDocument(v2); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", enc, enc2)
		}
		// Without source text, the canonical encoding means the same.
		v3, _ := parseDocument(enc, "fuzz", false)
		if !reflect.DeepEqual(plain(v3), plain(v)) {
			t.Fatalf("canonical encoding changed the value")
		}
		if !utf8.Valid(data) {
			t.Fatalf("accepted invalid UTF-8: %q", data)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("encoding/json refuses what the parser accepted: %v", err)
		}
		if got := plain(v); !reflect.DeepEqual(got, want) {
			t.Fatalf("parse = %#v; encoding/json = %#v", got, want)
		}
	})
}

// FuzzMerge checks the RFC 7396 merge against github.com/evanphx/json-patch
// as an oracle, and that merging an empty patch changes nothing.
func FuzzMerge(f *testing.F) {
	for _, tc := range rfc7396 {
		f.Add([]byte(tc.original), []byte(tc.patch))
	}
	addConfigSeeds(f, func(data []byte) {
		f.Add(data, []byte(`{"cache":{"ttl":600},"features":{"new":true,"analytics":null}}`))
	})
	f.Fuzz(func(t *testing.T, doc, patch []byte) {
		d, err := parseDocument(doc, "doc", true)
		if err != nil {
			return
		}
		p, err := parseDocument(patch, "patch", true)
		if err != nil {
			return
		}
		before := encodeDocument(d)
		if same := encodeDocument(mergePatch(d, newObject(0))); isObject(d) && !bytes.Equal(same, before) {
			t.Fatalf("merging {} changed the document:\n%s\n%s", before, same)
		}
		got := mergePatch(d, p)
		if !bytes.Equal(encodeDocument(d), before) {
			t.Fatal("mergePatch modified its target")
		}
		want, err := jsonpatch.MergePatch(doc, patch)
		if err != nil {
			return // the oracle refuses some inputs (non-object documents)
		}
		var w any
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatalf("oracle output does not parse: %v", err)
		}
		var g any
		json.Unmarshal(encodeDocument(got), &g)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("MergePatch(%s, %s) = %s; oracle says %s", doc, patch, encodeDocument(got), want)
		}
	})
}

func isObject(v any) bool { _, ok := v.(*object); return ok }
