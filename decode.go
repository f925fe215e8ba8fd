package configmgr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// applyDefaults fills schema "default" values into doc, a value made by
// plain, the way ajv's useDefaults does: where the document has an object,
// each property that the schema's "properties" (or "items", positionally)
// gives a default and the object lacks is set to a copy of that default.
// Defaults inside a newly set default are filled too. Subschemas under
// "allOf" and local "$ref"s are followed; "anyOf", "oneOf", "not" and
// "if"/"then"/"else" are not, as in ajv. doc is modified in place.
func applyDefaults(doc any, schema, root map[string]any, depth int) {
	if schema == nil || depth > maxDepth {
		return
	}
	if ref, ok := schema["$ref"].(string); ok {
		if s := resolveRef(root, ref); s != nil {
			applyDefaults(doc, s, root, depth+1)
		}
		// In draft 7, "$ref" makes its siblings ignored.
		return
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, s := range all {
			sm, _ := s.(map[string]any)
			applyDefaults(doc, sm, root, depth+1)
		}
	}
	switch d := doc.(type) {
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
			if _, present := d[name]; !present {
				def, has := ps["default"]
				if !has {
					continue
				}
				d[name] = copyPlain(def)
			}
			applyDefaults(d[name], ps, root, depth+1)
		}
	case []any:
		switch items := schema["items"].(type) {
		case map[string]any:
			for _, e := range d {
				applyDefaults(e, items, root, depth+1)
			}
		case []any:
			for i, s := range items {
				if i < len(d) {
					sm, _ := s.(map[string]any)
					applyDefaults(d[i], sm, root, depth+1)
				}
			}
		}
	}
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

// decodeInto decodes JSON data into v with encoding/json semantics,
// reporting failures as *DecodeError.
func decodeInto(data []byte, v any, source string, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	de := &DecodeError{Source: source, Err: err}
	var ute *json.UnmarshalTypeError
	var ie *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &ute):
		// encoding/json's message quotes numbers, which may be secrets.
		kind, _, _ := strings.Cut(ute.Value, " ")
		de.Key = ute.Field
		de.Err = fmt.Errorf("cannot decode a JSON %s into Go type %v", kind, ute.Type)
	case errors.As(err, &ie):
		return fmt.Errorf("Load needs a non-nil pointer to decode into, not %v", ie.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		de.Key = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
	}
	return de
}
