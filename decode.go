package configmgr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// applyDefaults fills schema "default" values into doc, a value made by
// plain, much as ajv's useDefaults does: where the document has an object,
// each property that the schema's "properties" (or "items", positionally)
// gives a default and the object lacks is set to a copy of that default.
// Defaults inside a newly set default are filled too. Subschemas under
// "allOf" and local "$ref"s are followed; "anyOf", "oneOf", "not" and
// "if"/"then"/"else" are not, as in ajv. doc is modified in place.
//
// Unlike ajv, it also makes an absent object whose schema gives defaults
// below it (so that a section needs no "default": {} for its fields'
// defaults to apply), and fills the entries of "patternProperties" and
// "additionalProperties" that the document has.
//
// Beside "$ref", a "default" counts as each draft says: up to draft 7 a
// "$ref" makes its siblings ignored, so the default is the referenced
// schema's; from 2019-09 on, siblings apply, and a sibling default wins.
//
// A recursive schema is never expanded beyond the document: within a
// stored value every "$ref" is followed once per place, and within a value
// that defaults create, once per path, so that a schema that refers to
// itself cannot make defaults nest without end.
func applyDefaults(doc any, root map[string]any) {
	if root == nil {
		return
	}
	d := defaulter{root: root, siblings: refSiblingsApply(root)}
	d.apply(doc, root, map[string]bool{}, nil, 0)
}

// refSiblingsApply reports whether the schema's draft (its "$schema";
// draft 7 without one) lets the keywords beside a "$ref" apply.
func refSiblingsApply(root map[string]any) bool {
	s, _ := root["$schema"].(string)
	return strings.Contains(s, "2019-09") || strings.Contains(s, "2020-12")
}

type defaulter struct {
	root     map[string]any
	siblings bool
}

// apply fills the defaults schema gives into doc. here holds the "$ref"s
// followed at this place of the document; created, when not nil, those
// followed since a default created the value (nil within stored values).
func (d defaulter) apply(doc any, schema map[string]any, here, created map[string]bool, depth int) {
	if schema == nil || depth > maxDepth {
		return
	}
	if ref, ok := schema["$ref"].(string); ok {
		if !here[ref] && !created[ref] {
			here[ref] = true
			if s := resolveRef(d.root, ref); s != nil {
				next := created
				if created != nil {
					next = with(created, ref)
				}
				d.apply(doc, s, here, next, depth+1)
			}
		}
		if !d.siblings {
			return
		}
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, s := range all {
			sm, _ := s.(map[string]any)
			d.apply(doc, sm, here, created, depth+1)
		}
	}
	switch v := doc.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ps, _ := props[name].(map[string]any)
			if ps == nil {
				continue
			}
			childCreated := created
			if _, present := v[name]; !present {
				def, refs, ok := d.defaultOf(ps, created)
				if !ok {
					// An absent object whose schema gives defaults below it
					// is made, so that those defaults apply.
					if d.defaultsBelow(ps, with(created), 0) {
						obj := map[string]any{}
						d.apply(obj, ps, map[string]bool{}, with(created), depth+1)
						if len(obj) > 0 {
							v[name] = obj
						}
					}
					continue
				}
				v[name] = copyPlain(def)
				childCreated = with(created, refs...)
			}
			d.apply(v[name], ps, map[string]bool{}, childCreated, depth+1)
		}
		// Entries of patternProperties and additionalProperties that the
		// document has get their defaults too.
		pats, _ := schema["patternProperties"].(map[string]any)
		for _, k := range sortedKeys(v) {
			if _, declared := props[k]; declared {
				continue
			}
			matched := false
			for pat, sub := range pats {
				if sm, ok := sub.(map[string]any); ok && matchPattern(pat, k) {
					matched = true
					d.apply(v[k], sm, map[string]bool{}, created, depth+1)
				}
			}
			if ap, ok := schema["additionalProperties"].(map[string]any); ok && !matched {
				d.apply(v[k], ap, map[string]bool{}, created, depth+1)
			}
		}
	case []any:
		switch items := schema["items"].(type) {
		case map[string]any:
			for _, e := range v {
				d.apply(e, items, map[string]bool{}, created, depth+1)
			}
		case []any:
			for i, s := range items {
				if i < len(v) {
					sm, _ := s.(map[string]any)
					d.apply(v[i], sm, map[string]bool{}, created, depth+1)
				}
			}
		}
	}
}

// defaultOf returns the default that node gives its value, following its
// "$ref"s as the draft says, with the refs it followed; not ok if there is
// none, or if it lies behind a ref in created (which would expand a
// recursive schema again).
func (d defaulter) defaultOf(node map[string]any, created map[string]bool) (any, []string, bool) {
	var refs []string
	for range 32 {
		ref, isRef := node["$ref"].(string)
		if def, ok := node["default"]; ok && (!isRef || d.siblings) {
			return def, refs, true
		}
		if !isRef || created[ref] {
			return nil, nil, false
		}
		refs = append(refs, ref)
		if node = resolveRef(d.root, ref); node == nil {
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// defaultsBelow reports whether an object that node describes would get a
// default: whether node (through its "$ref"s and "allOf") declares a
// property with a default, or an object property with defaults below it.
// refs in seen are not followed again, so that a recursive schema ends.
func (d defaulter) defaultsBelow(node map[string]any, seen map[string]bool, depth int) bool {
	if node == nil || depth > 64 {
		return false
	}
	if ref, ok := node["$ref"].(string); ok && !seen[ref] {
		seen[ref] = true
		if d.defaultsBelow(resolveRef(d.root, ref), seen, depth+1) {
			return true
		}
		if !d.siblings {
			return false
		}
	}
	if all, ok := node["allOf"].([]any); ok {
		for _, sub := range all {
			if sm, ok := sub.(map[string]any); ok && d.defaultsBelow(sm, seen, depth+1) {
				return true
			}
		}
	}
	props, _ := node["properties"].(map[string]any)
	for _, p := range props {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if _, has := pm["default"]; has || d.defaultsBelow(pm, seen, depth+1) {
			return true
		}
	}
	return false
}

// with returns a new set: set's keys and keys.
func with(set map[string]bool, keys ...string) map[string]bool {
	out := make(map[string]bool, len(set)+len(keys))
	for k := range set {
		out[k] = true
	}
	for _, k := range keys {
		out[k] = true
	}
	return out
}

// resolveRef resolves a "#..." JSON Pointer reference within root.
func resolveRef(root map[string]any, ref string) map[string]any {
	if !strings.HasPrefix(ref, "#") {
		return nil
	}
	var cur any = root
	ptr := ref[1:]
	if ptr == "" {
		return root
	}
	if ptr[0] != '/' {
		return nil
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

// decodeInto decodes data, the JSON text of doc (a value made by plain),
// into v with encoding/json semantics, reporting failures as *DecodeError.
// No error carries a value, whatever produced it: encoding/json's own
// messages quote numbers, and those of a ",string" tag or of a type's own
// UnmarshalJSON or UnmarshalText may quote anything. Such an error is
// replaced by one that names the key (found by decoding the values one by
// one) and the Go type only. Keys inside a secret are not named either.
func decodeInto(data []byte, doc, v any, source string, strict bool, root map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	de := &DecodeError{Source: source}
	var ute *json.UnmarshalTypeError
	var ie *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &ie):
		return fmt.Errorf("Load needs a non-nil pointer to decode into, not %v", ie.Type)
	case errors.As(err, &ute) && ute.Value != "" && !strings.Contains(err.Error(), "string struct tag"):
		kind, _, _ := strings.Cut(ute.Value, " ")
		de.Key = ute.Field
		de.Err = fmt.Errorf("cannot decode a JSON %s into Go type %v", kind, ute.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		de.Key = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		de.Err = errors.New("unknown field (WithDisallowUnknownFields)")
	default:
		path, typ := locateDecodeError(doc, reflect.TypeOf(v), nil, 0)
		de.Key = strings.Join(path, ".")
		de.Err = fmt.Errorf("the value does not decode into Go type %v: its decoder refused it (the value is not shown: it may be secret)", typ)
	}
	de.Key = redactKey(root, de.Key)
	return de
}

// locateDecodeError finds the key of doc whose value fails to decode into
// its part of t, by decoding the values one by one, each into a struct of
// the one field it fills (so that its tag options, such as ",string",
// apply). It returns the key's path and the Go type that refused it; the
// path is empty if no single value fails alone.
func locateDecodeError(doc any, t reflect.Type, path []string, depth int) ([]string, reflect.Type) {
	if t == nil || depth > maxDepth {
		return path, t
	}
	for t.Kind() == reflect.Pointer && !decodesItself(t) {
		t = t.Elem()
	}
	if decodesItself(t) || decodesItself(reflect.PointerTo(t)) {
		return path, t
	}
	fails := func(v any, field reflect.StructField) bool {
		data, err := json.Marshal(map[string]any{"v": v})
		if err != nil {
			return true
		}
		_, opts, _ := strings.Cut(field.Tag.Get("json"), ",")
		tag := `json:"v"`
		if opts != "" {
			tag = `json:"v,` + opts + `"`
		}
		one := reflect.StructOf([]reflect.StructField{{Name: "V", Type: field.Type, Tag: reflect.StructTag(tag)}})
		return json.Unmarshal(data, reflect.New(one).Interface()) != nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := doc.(map[string]any)
		if !ok {
			return path, t
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(m) {
			f, ok := fields[k]
			if !ok {
				name, found := foldMatch(fields, k)
				if !found {
					continue
				}
				f = fields[name]
			}
			if fails(m[k], f) {
				p := append(path[:len(path):len(path)], k)
				if _, opts, _ := strings.Cut(f.Tag.Get("json"), ","); strings.Contains(opts, "string") {
					return p, f.Type
				}
				return locateDecodeError(m[k], f.Type, p, depth+1)
			}
		}
	case reflect.Map:
		m, ok := doc.(map[string]any)
		if !ok {
			return path, t
		}
		for _, k := range sortedKeys(m) {
			if fails(m[k], reflect.StructField{Type: t.Elem()}) {
				return locateDecodeError(m[k], t.Elem(), append(path[:len(path):len(path)], k), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		a, ok := doc.([]any)
		if !ok {
			return path, t
		}
		for i, e := range a {
			if fails(e, reflect.StructField{Type: t.Elem()}) {
				return locateDecodeError(e, t.Elem(), append(path[:len(path):len(path)], strconv.Itoa(i)), depth+1)
			}
		}
	}
	return path, t
}
