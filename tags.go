package configmgr

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// WithTagName makes [Manager.Load], [Manager.LoadSection] and [Watch]
// name struct fields by another struct tag, such as "mapstructure" (viper),
// "koanf" or "yaml", so that structs a service already tags for its old
// loader need no new tags. Fields are matched as with "json": the tag's
// name, or the field's; "-" skips a field; embedded structs without a name
// are flattened (as ",squash" asks of mapstructure). A field that the tag
// names but encoding/json cannot reach (tagged `json:"-"`) is decoded all
// the same. The default is "json".
func WithTagName(tag string) Option { return optionFunc(func(o *options) { o.tagName = tag }) }

// altTag reports the tag name in use other than json, or "".
func (m *Manager) altTag() string {
	if m.o.tagName == "" || m.o.tagName == "json" {
		return ""
	}
	return m.o.tagName
}

// renameForJSON returns the key encoding/json decodes into the field that
// key names by tag in struct type t: the same key, another one, or "" if
// encoding/json cannot reach the field.
func renameForJSON(t reflect.Type, tag, key string) string {
	fields := fieldsByTag(t, tag)
	f, ok := fields[key]
	if !ok {
		name, found := foldMatch(fields, key)
		if !found {
			return key
		}
		f = fields[name]
	}
	return jsonNameOf(t, f.Index)
}

// fillHidden decodes, after encoding/json has decoded doc into rv, the
// values of the fields that the tag names but encoding/json cannot reach,
// at any depth.
func (m *Manager) fillHidden(doc any, rv reflect.Value, source string, root map[string]any, path []string, depth int) error {
	tag := m.altTag()
	if tag == "" || depth > maxDepth {
		return nil
	}
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() || decodesItself(rv.Type()) {
			return nil
		}
		rv = rv.Elem()
	}
	if decodesItself(reflect.PointerTo(rv.Type())) {
		return nil
	}
	switch rv.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		t := rv.Type()
		fields := fieldsByTag(t, tag)
		for _, k := range sortedKeys(obj) {
			f, ok := fields[k]
			if !ok {
				name, found := foldMatch(fields, k)
				if !found {
					continue
				}
				f = fields[name]
			}
			fv, err := rv.FieldByIndexErr(f.Index)
			if err != nil || !fv.CanSet() {
				continue // behind a nil embedded pointer, or unexported
			}
			p := append(path[:len(path):len(path)], k)
			if jsonNameOf(t, f.Index) != "" {
				if err := m.fillHidden(obj[k], fv, source, root, p, depth+1); err != nil {
					return err
				}
				continue
			}
			ptr := reflect.New(f.Type)
			k := m.prepare(obj[k], f.Type, nil, p, source, nil)
			if k.err != nil {
				return k.err
			}
			data, doc2 := k.data, k.doc
			if data == nil {
				doc2 = obj[p[len(p)-1]]
				if data, err = json.Marshal(doc2); err != nil {
					return err
				}
			}
			if err := decodeInto(data, doc2, ptr.Interface(), source, m.o.strict, root); err != nil {
				return prefixKey(err, p[:len(p)-1])
			}
			if err := m.fillHidden(doc2, ptr, source, root, p, depth+1); err != nil {
				return err
			}
			fv.Set(ptr.Elem())
		}
	case reflect.Slice, reflect.Array:
		a, ok := doc.([]any)
		if !ok {
			return nil
		}
		for i := 0; i < rv.Len() && i < len(a); i++ {
			if err := m.fillHidden(a[i], rv.Index(i), source, root, append(path[:len(path):len(path)], fmt.Sprint(i)), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := doc.(map[string]any)
		if !ok || rv.IsNil() || rv.Type().Key().Kind() != reflect.String {
			return nil
		}
		for _, k := range sortedKeys(obj) {
			key := reflect.ValueOf(k).Convert(rv.Type().Key())
			val := rv.MapIndex(key)
			if !val.IsValid() {
				continue
			}
			cp := reflect.New(val.Type()).Elem()
			cp.Set(val)
			if err := m.fillHidden(obj[k], cp, source, root, append(path[:len(path):len(path)], k), depth+1); err != nil {
				return err
			}
			rv.SetMapIndex(key, cp)
		}
	}
	return nil
}

// prefixKey puts path before the key of a *DecodeError.
func prefixKey(err error, path []string) error {
	if de, ok := err.(*DecodeError); ok && len(path) > 0 {
		de.Key = strings.Join(append(path[:len(path):len(path)], cmp.Or(de.Key, "")), ".")
		de.Key = strings.TrimSuffix(de.Key, ".")
	}
	return err
}
