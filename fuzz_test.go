package configmgr

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
// survives encode and parse unchanged, that it agrees with encoding/json
// on every document both accept, and that parsePlain accepts and refuses
// the same documents, making plain's value of the tree, with the same
// error.
func FuzzDecode(f *testing.F) {
	addConfigSeeds(f, func(data []byte) { f.Add(data) })
	for _, s := range []string{`{"a":1.0e+2,"b":[true,false,null],"c":"\ud83d\ude00\u00e9"}`, `[]`, `"x"`, `{"a":{"a":{"a":{}}}}`, `-0`, `{"k":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseDocument(data, "fuzz", true)
		pv, perr := parsePlain(data, "fuzz")
		if (err == nil) != (perr == nil) || err != nil && err.Error() != perr.Error() {
			t.Fatalf("parseDocument: %v; parsePlain: %v", err, perr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(pv, plain(v)) {
			t.Fatalf("parsePlain = %#v; plain of the tree = %#v", pv, plain(v))
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
		w, err := numbersNormalized(want)
		if err != nil {
			t.Fatalf("oracle output does not parse: %v", err)
		}
		g, err := numbersNormalized(encodeDocument(got))
		if err != nil {
			t.Fatalf("merge output does not parse: %v", err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("MergePatch(%s, %s) = %s; oracle says %s", doc, patch, encodeDocument(got), want)
		}
	})
}

func isObject(v any) bool { _, ok := v.(*object); return ok }

// normNumber writes a JSON number as sign, significant digits and a
// decimal exponent, exactly and without evaluating it (exponents such as
// 4E100500001 would take minutes).
func normNumber(n string) string {
	sign := ""
	if strings.HasPrefix(n, "-") {
		sign, n = "-", n[1:]
	}
	mant, expText, _ := strings.Cut(strings.ToLower(n), "e")
	exp := new(big.Int)
	if expText != "" {
		exp.SetString(strings.TrimPrefix(expText, "+"), 10)
	}
	ip, fp, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(ip+fp, "0")
	exp.Sub(exp, big.NewInt(int64(len(fp))))
	trimmed := strings.TrimRight(digits, "0")
	exp.Add(exp, big.NewInt(int64(len(digits)-len(trimmed))))
	if trimmed == "" {
		return "0"
	}
	return sign + trimmed + "e" + exp.String()
}

// numbersNormalized decodes JSON with every number in one canonical form,
// so that 1E700 and 1e+700 compare equal and no number overflows.
func numbersNormalized(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var norm func(any) any
	norm = func(v any) any {
		switch c := v.(type) {
		case map[string]any:
			for k, e := range c {
				c[k] = norm(e)
			}
		case []any:
			for i, e := range c {
				c[i] = norm(e)
			}
		case json.Number:
			return normNumber(string(c))
		}
		return v
	}
	return norm(v), nil
}
