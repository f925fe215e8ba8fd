package configmgr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		line, col  int
		wantSubstr string
	}{
		{"truncated", "{\n  \"a\": 1", 2, 9, "end of input"},
		{"bad literal", "{\"a\": tru}", 1, 7, "expected a value"},
		{"trailing comma", "{\"a\": 1,}", 1, 9, "string key"},
		{"garbage after", "{} x", 1, 4, "after the top-level value"},
		{"bad utf8", "{\"a\": \"\xff\"}", 1, 8, "UTF-8"},
		{"bom", "\ufeff{}", 1, 1, "byte order mark"},
		{"empty", "", 1, 1, "empty"},
		{"leading zero", `{"a": 01}`, 1, 8, "expected ',' or '}'"},
		{"lone minus", `{"a": -}`, 1, 8, "invalid number"},
		{"control char", "{\"a\": \"x\ty\"}", 1, 9, "control character"},
		{"bad escape", `{"a": "\x"}`, 1, 8, "invalid escape"},
		{"duplicate", "{\"a\": {\"k\": 1,\n \"k\": 2}}", 2, 2, `duplicate key "k" at /a/k`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDocument([]byte(tc.in), "f.json", true)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("parse(%q) = %v; want *DecodeError", tc.in, err)
			}
			if de.Line != tc.line || de.Column != tc.col || !strings.Contains(err.Error(), tc.wantSubstr) {
				t.Fatalf("parse(%q) = %v (line %d col %d); want line %d col %d mentioning %q", tc.in, err, de.Line, de.Column, tc.line, tc.col, tc.wantSubstr)
			}
		})
	}
	var dk *DuplicateKeyError
	_, err := parseDocument([]byte(`{"x":1,"x":2}`), "f", true)
	if !errors.As(err, &dk) || dk.Key != "x" {
		t.Fatalf("duplicate key error = %v", err)
	}
}

func TestParseDeepNesting(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if _, err := parseDocument([]byte(deep), "deep", true); !errors.Is(err, errTooDeep) {
		t.Fatalf("100000 levels: %v", err)
	}
	ok := `{"a":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + "}"
	if _, err := parseDocument([]byte(ok), "ok", true); err != nil {
		t.Fatalf("%d levels: %v", maxDepth, err)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	in := "{\n  \"s\": \"\\u00e9\\/\",\n  \"e\": {},\n  \"a\": [],\n  \"n\": [\n    -0,\n    1e400,\n    1.50\n  ],\n  \"\\u0041\": null,\n  \"t\": true\n}\n"
	if got := string(encodeDocument(mustParse(t, in))); got != in {
		t.Fatalf("round trip changed the text:\n%s\nwant\n%s", got, in)
	}
	v := mustParse(t, `{"ctl":"a\u0001\n\"\\b"}`)
	v.(*object).members[0].val = jstring{s: v.(*object).members[0].val.(jstring).s} // drop the source text
	if got := string(encodeDocument(v)); got != "{\n  \"ctl\": \"a\\u0001\\n\\\"\\\\b\"\n}\n" {
		t.Fatalf("canonical escaping: %s", got)
	}
}

// TestIsEncoding: isEncoding tells this package's own format from any
// other, which restyle must handle.
func TestIsEncoding(t *testing.T) {
	own := "{\n  \"a\": 1,\n  \"b\": [\n    \"x\",\n    {}\n  ],\n  \"c\": {\n    \"d\": null\n  }\n}\n"
	for _, c := range []struct {
		text string
		want bool
	}{
		{own, true},
		{strings.TrimSuffix(own, "\n"), false},
		{strings.ReplaceAll(own, "  ", "\t"), false},
		{strings.ReplaceAll(own, "\n", "\r\n"), false},
		{`{"a":1,"b":["x",{}],"c":{"d":null}}` + "\n", false},
		{strings.Replace(own, `"a": 1`, `"a":1`, 1), false},
	} {
		tree, err := parseObject([]byte(c.text), "t", true)
		if err != nil {
			t.Fatal(err)
		}
		if got := isEncoding([]byte(c.text), tree); got != c.want {
			t.Errorf("isEncoding(%q) = %v, want %v", c.text, got, c.want)
		}
		if c.want && string(encodeDocument(tree)) != c.text {
			t.Errorf("encodeDocument does not give %q back", c.text)
		}
	}
}

// TestObjectIndex: objects past indexFrom members keep a map from key to
// position; lookups, additions, deletions and clones agree with the order
// of the members, and a duplicate key is found at any size.
func TestObjectIndex(t *testing.T) {
	for _, n := range []int{3, indexFrom, indexFrom + 1, 40} {
		o := newObject(0)
		for i := range n {
			o.set(fmt.Sprintf("k%d", i), i)
		}
		o.del("k1")
		o.set("k0", "changed")
		c := o.clone()
		c.set("extra", true)
		for i := range n {
			v, ok := o.get(fmt.Sprintf("k%d", i))
			switch {
			case i == 1 && ok:
				t.Errorf("n=%d: k1 survived its deletion", n)
			case i == 0 && v != "changed", i > 1 && v != i:
				t.Errorf("n=%d: k%d = %v", n, i, v)
			}
		}
		for i, m := range o.members {
			if o.find(m.key) != i {
				t.Errorf("n=%d: find(%s) = %d, want %d", n, m.key, o.find(m.key), i)
			}
		}
		if _, ok := o.get("extra"); ok {
			t.Errorf("n=%d: a clone's addition reached the original", n)
		}
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			fmt.Fprintf(&b, `"k%d": %d, `, i, i)
		}
		fmt.Fprintf(&b, `"k%d": 0}`, n-1)
		var dk *DuplicateKeyError
		if _, err := parseDocument([]byte(b.String()), "t", true); !errors.As(err, &dk) || dk.Key != fmt.Sprintf("k%d", n-1) {
			t.Errorf("n=%d: duplicate key: %v", n, err)
		}
	}
}
