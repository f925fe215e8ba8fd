package configmgr

import (
	"cmp"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// encoding/json matches object keys to struct fields case-insensitively,
// but JSON Schema matches property names exactly. Left alone, a document
// {"Database": {"Port": 99999}} would pass a schema that limits
// database.port (the schema sees no "database" key) and then be decoded
// into the database.port field; with both spellings present, the result
// would depend on key order. keyChecker closes that gap before a document
// is decoded into a Go value: no value reaches a struct field unless it was
// validated under the name it is decoded from.
//
// A key that names a field exactly is always fine. A key that matches a
// field's name only by case (as encoding/json allows, so that an untagged
// field Port takes the key "port") is allowed only where it is the one key
// of its object that reaches that field, and the schema declares that very
// key as a property and not the field's own name. So {"port": 1} still
// fills an untagged Port when the schema says "port", while a key the
// schema does not declare under that spelling is refused. Without a schema
// nothing is validated, and only the second of two spellings is refused.
type keyChecker struct {
	root   map[string]any // the schema; nil without one
	source string
	tag    string // the struct tag that names fields; "" for json
}

// check walks doc, a value made by plain, alongside t, the type it is about
// to be decoded into, and node, the schema of doc. It returns a
// *DecodeError for the first key (in sorted order, so that the error does
// not depend on key order) that breaks the rule.
func (c keyChecker) check(doc any, t reflect.Type, node map[string]any, path []string, depth int) error {
	if t == nil || depth > maxDepth {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		if decodesItself(t) {
			return nil
		}
		t = t.Elem()
	}
	if decodesItself(reflect.PointerTo(t)) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		fields := fieldsByTag(t, cmp.Or(c.tag, "json"))
		var declared map[string]map[string]any
		if c.root != nil {
			declared = properties(deref(node, c.root), c.root, 0)
		}
		keys := sortedKeys(m)
		for _, k := range keys {
			p := append(path[:len(path):len(path)], k)
			name, ok := k, true
			if _, exact := fields[k]; !exact {
				if name, ok = foldMatch(fields, k); !ok {
					continue // decoded into no field
				}
				if err := c.foldedKey(m, keys, k, name, declared, p); err != nil {
					return err
				}
			}
			if err := c.check(m[k], fields[name].Type, childSchema(node, c.root, k), p, depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		for _, k := range sortedKeys(m) {
			if err := c.check(m[k], t.Elem(), childSchema(node, c.root, k), append(path[:len(path):len(path)], k), depth+1); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		a, ok := doc.([]any)
		if !ok {
			return nil
		}
		for i, e := range a {
			k := strconv.Itoa(i)
			if err := c.check(e, t.Elem(), childSchema(node, c.root, k), append(path[:len(path):len(path)], k), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// foldedKey checks key k of m, which encoding/json would decode into the
// field called name only because they match by case.
func (c keyChecker) foldedKey(m map[string]any, keys []string, k, name string, declared map[string]map[string]any, path []string) error {
	fail := func(format string, args ...any) error {
		key := strings.Join(path, ".")
		if c.root != nil {
			key = redactKey(c.root, key)
		}
		return &DecodeError{Source: c.source, Key: key, Err: fmt.Errorf(format, args...)}
	}
	for _, other := range keys {
		if other != k && strings.EqualFold(other, name) {
			return fail("the key and %q both reach the field %q, which takes one of them depending on their order; keep one", other, name)
		}
	}
	if c.root == nil {
		return nil
	}
	if _, ok := declared[name]; ok {
		return fail("the key differs only in case from the property %q that the schema declares and validates; rename it to %q", name, name)
	}
	if _, ok := declared[k]; !ok {
		return fail("the key differs only in case from %q, the name of the field it would be decoded into, and the schema declares neither; rename it to %q or tag the field", name, name)
	}
	return nil
}

// childSchema returns the schema of the value under key k (a property
// name, or an array index) of a value whose schema is node, following
// local "$ref"s and "allOf"; nil if the schema says nothing of it.
func childSchema(node, root map[string]any, k string) map[string]any {
	if node == nil || root == nil {
		return nil
	}
	node = deref(node, root)
	if p, ok := properties(node, root, 0)[k]; ok {
		return p
	}
	if ap, ok := node["additionalProperties"].(map[string]any); ok {
		return ap
	}
	switch items := node["items"].(type) {
	case map[string]any:
		return items
	case []any:
		if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(items) {
			sub, _ := items[i].(map[string]any)
			return sub
		}
	}
	return nil
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodesItself reports whether encoding/json hands values of type t to
// the type's own UnmarshalJSON or UnmarshalText.
func decodesItself(t reflect.Type) bool {
	return t.Implements(jsonUnmarshalerType) || t.Implements(textUnmarshalerType)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// foldMatch returns the field name that key matches case-insensitively
// (the first in sorted order if several do). strings.EqualFold folds at
// least as much as encoding/json does, so every key that encoding/json
// would match is caught.
func foldMatch(fields map[string]reflect.StructField, key string) (string, bool) {
	var names []string
	for name := range fields {
		if strings.EqualFold(name, key) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "", false
	}
	sort.Strings(names)
	return names[0], true
}

var fieldCache sync.Map // fieldKey -> map[string]reflect.StructField

type fieldKey struct {
	t   reflect.Type
	tag string
}

// jsonFields returns the object keys that encoding/json decodes into the
// fields of struct type t, with each field (its Index the full path from
// t), by encoding/json's rules: "json" tags, "-" to skip, fields of
// embedded structs promoted, and of several fields with one name the
// shallowest (then the tagged) wins, or none if that leaves more than one.
func jsonFields(t reflect.Type) map[string]reflect.StructField { return fieldsByTag(t, "json") }

// fieldsByTag is jsonFields with the names of another tag, such as
// "mapstructure" or "koanf" (see WithTagName).
func fieldsByTag(t reflect.Type, tagName string) map[string]reflect.StructField {
	key := fieldKey{t, tagName}
	if f, ok := fieldCache.Load(key); ok {
		return f.(map[string]reflect.StructField)
	}
	type field struct {
		sf     reflect.StructField
		depth  int
		tagged bool
		count  int
	}
	type level struct {
		t     reflect.Type
		index []int
	}
	found := map[string]*field{}
	visited := map[reflect.Type]bool{}
	current := []level{{t, nil}}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		for _, lv := range current {
			st := lv.t
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := 0; i < st.NumField(); i++ {
				sf := st.Field(i)
				sf.Index = append(append([]int(nil), lv.index...), i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get(tagName)
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					next = append(next, level{ft, sf.Index})
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
				}
				f := found[name]
				switch {
				case f == nil || depth < f.depth || depth == f.depth && tagged && !f.tagged:
					found[name] = &field{sf: sf, depth: depth, tagged: tagged, count: 1}
				case depth == f.depth && tagged == f.tagged:
					f.count++
				}
			}
		}
		current = next
	}
	out := make(map[string]reflect.StructField, len(found))
	for name, f := range found {
		if f.count == 1 {
			out[name] = f.sf
		}
	}
	fieldCache.Store(key, out)
	return out
}

// jsonNameOf returns the key encoding/json decodes into the field at
// index of struct type t, or "" if encoding/json cannot reach it (a
// "json:\"-\"" field, say).
func jsonNameOf(t reflect.Type, index []int) string {
	for name, f := range jsonFields(t) {
		if slices.Equal(f.Index, index) {
			return name
		}
	}
	return ""
}
