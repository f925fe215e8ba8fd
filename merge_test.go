package configmgr

import (
	"testing"
)

// The examples of RFC 7396, Appendix A.
var rfc7396 = []struct{ original, patch, result string }{
	{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
	{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
	{`{"a":"b"}`, `{"a":null}`, `{}`},
	{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
	{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
	{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
	{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
	{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
	{`["a","b"]`, `["c","d"]`, `["c","d"]`},
	{`{"a":"b"}`, `["c"]`, `["c"]`},
	{`{"a":"foo"}`, `null`, `null`},
	{`{"a":"foo"}`, `"bar"`, `"bar"`},
	{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
	{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
	{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
}

func mustParse(t testing.TB, s string) any {
	t.Helper()
	v, err := parseDocument([]byte(s), "test", true)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func TestMergePatchRFC7396(t *testing.T) {
	for _, tc := range rfc7396 {
		orig := mustParse(t, tc.original)
		before := string(encodeDocument(orig))
		got := string(encodeDocument(mergePatch(orig, mustParse(t, tc.patch))))
		want := string(encodeDocument(mustParse(t, tc.result)))
		if got != want {
			t.Errorf("MergePatch(%s, %s) = %s; want %s", tc.original, tc.patch, got, want)
		}
		if after := string(encodeDocument(orig)); after != before {
			t.Errorf("MergePatch(%s, %s) modified its target", tc.original, tc.patch)
		}
	}
}

func TestMergePatchKeepsOrder(t *testing.T) {
	orig := mustParse(t, `{"z":1,"m":{"y":1,"b":2},"a":3}`)
	got := string(encodeDocument(mergePatch(orig, mustParse(t, `{"m":{"b":5,"c":6},"a":null,"new":true}`))))
	want := "{\n  \"z\": 1,\n  \"m\": {\n    \"y\": 1,\n    \"b\": 5,\n    \"c\": 6\n  },\n  \"new\": true\n}\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
