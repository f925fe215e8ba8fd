package configmgr

import (
	"reflect"
	"testing"
)

// TestViolationPointers checks that pointers are built from path elements,
// so that a key containing a dot or a slash is not confused with nesting.
func TestViolationPointers(t *testing.T) {
	schema := []byte(`{
		"type": "object",
		"properties": {
			"a.b": {"type": "integer"},
			"a": {"type": "object", "properties": {"b": {"type": "string"}}},
			"x/y~z": {"type": "boolean"},
			"list": {"type": "array", "items": {"type": "object", "required": ["id"]}}
		},
		"required": ["must"]
	}`)
	v, _, err := compileSchema(GoJSONSchema{}, schema, "schema.json", "")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := v.Validate([]byte(`{"a.b": "s", "a": {"b": 1}, "x/y~z": 0, "list": [{"id": 1}, {}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, vi := range vs {
		got = append(got, vi.Pointer)
	}
	want := []string{"/a.b", "/a/b", "/list/1/id", "/must", "/x~1y~0z"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pointers = %q; want %q (%v)", got, want, vs)
	}
}
