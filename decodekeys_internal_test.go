package configmgr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestCheckKeysCatchesEveryFold checks the rule against encoding/json
// itself: whenever encoding/json decodes a key into a field whose name it
// does not equal, and the schema declares the field's name, the key is
// refused; when the key names the field exactly, or no field, it passes;
// and where the schema declares that very key, it passes too.
func TestCheckKeysCatchesEveryFold(t *testing.T) {
	names := []string{"key", "ss", "port", "Port", "pool_size", "K", "s", "ǅ", "straße", "id"}
	keys := []string{"\u212aey", "\u017fs", "\u017f\u017f", "KEY", "Key", "PORT", "pOrT", "POOL_SIZE", "k", "S", "Ǆ", "ǆ", "STRASSE", "strasse", "ID", "Id", "iD", "\u0130d", "ıd"}
	for _, name := range names {
		typ := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeFor[int](), Tag: reflect.StructTag(`json:"` + name + `"`)}})
		for _, key := range append(keys, name) {
			v := reflect.New(typ)
			data, _ := json.Marshal(map[string]int{key: 1})
			if err := json.Unmarshal(data, v.Interface()); err != nil {
				t.Fatal(err)
			}
			decoded := v.Elem().Field(0).Int() == 1
			doc := map[string]any{key: json.Number("1")}
			declares := func(p string) map[string]any {
				return map[string]any{"properties": map[string]any{p: map[string]any{}}}
			}
			root := declares(name)
			err := keyChecker{root: root, source: "test"}.check(doc, v.Type(), root, nil, 0)
			if key != name {
				root := declares(key)
				if err := (keyChecker{root: root, source: "test"}).check(doc, v.Type(), root, nil, 0); err != nil {
					t.Errorf("field %q: key %q, declared by the schema, is refused: %v", name, key, err)
				}
			}
			switch {
			case decoded && key != name && err == nil:
				t.Errorf("field %q: encoding/json decodes key %q into it, and checkKeys lets it through", name, key)
			case key == name && err != nil:
				t.Errorf("field %q: checkKeys refuses the exact key: %v", name, err)
			case err != nil && !strings.Contains(err.Error(), `"`+name+`"`):
				t.Errorf("field %q, key %q: the error does not name the field: %v", name, key, err)
			}
		}
	}
}

// TestJSONFields checks the field names against encoding/json's rules for
// tags, embedding and promotion.
func TestJSONFields(t *testing.T) {
	type Inner struct {
		A int `json:"a"`
		B int
		C int
	}
	type Other struct {
		C int
		D int `json:"d"`
	}
	type inner2 struct {
		E int `json:"e"`
	}
	type T struct {
		Inner
		Other
		*inner2
		B      string `json:"b"`
		Skip   int    `json:"-"`
		Dash   int    `json:"-,"`
		Named  Inner  `json:"named"`
		hidden int
	}
	got := map[string]reflect.Type{}
	for name, f := range jsonFields(reflect.TypeFor[T]()) {
		got[name] = f.Type
	}
	want := map[string]reflect.Type{
		"a": reflect.TypeFor[int](), "B": reflect.TypeFor[int](), "d": reflect.TypeFor[int](), "e": reflect.TypeFor[int](),
		"b": reflect.TypeFor[string](), "-": reflect.TypeFor[int](), "named": reflect.TypeFor[Inner](),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("jsonFields = %v; want %v", got, want)
	}
}
