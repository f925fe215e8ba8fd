package configmgr

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// DecodeHook converts a value of a document before it is decoded into a Go
// value of type to: it gets the value as [Manager.Read] gives it (a
// map[string]any, []any, string, [encoding/json.Number], bool or nil) and
// returns the value to decode instead, or value itself to leave it. It is
// called for every value of the document, with the type it is about to be
// decoded into, by [Manager.Load], [Manager.LoadSection] and [Watch]. An
// error it returns becomes a *[DecodeError] naming the key; it must not
// quote the value, which may be a secret.
type DecodeHook func(to reflect.Type, value any) (any, error)

// WithDecodeHook sets a [DecodeHook], for the conversions encoding/json
// does not make: sizes such as "10MiB" into an int64, say. The default is
// none. Durations ("5s", "1m30s" into a [time.Duration]) need no hook.
func WithDecodeHook(h DecodeHook) Option { return optionFunc(func(o *options) { o.hook = h }) }

var durationType = reflect.TypeFor[time.Duration]()

// converter makes a document ready for encoding/json to decode into a Go
// type: strings become durations where a time.Duration takes them, and
// the hook has its say. It copies only what it changes.
type converter struct {
	hook   DecodeHook
	source string
	tag    string // the struct tag that names fields; "" for json
}

// convert returns doc, converted for type t, and whether anything changed.
func (c converter) convert(doc any, t reflect.Type, path []string, depth int) (any, bool, error) {
	if t == nil || depth > maxDepth {
		return doc, false, nil
	}
	changed := false
	if c.hook != nil && t.Kind() != reflect.Interface {
		v, err := c.hook(t, doc)
		if err != nil {
			return nil, false, &DecodeError{Source: c.source, Key: strings.Join(path, "."), Err: err}
		}
		if !reflect.DeepEqual(v, doc) {
			doc, changed = v, true
		}
	}
	for t.Kind() == reflect.Pointer && !decodesItself(t) {
		t = t.Elem()
	}
	if t == durationType {
		if s, ok := doc.(string); ok {
			d, err := time.ParseDuration(s)
			if err != nil {
				return nil, false, &DecodeError{Source: c.source, Key: strings.Join(path, "."),
					Err: fmt.Errorf("not a duration: write one as \"5s\", \"1m30s\" or \"250ms\", or as a number of nanoseconds")}
			}
			return json.Number(strconv.FormatInt(int64(d), 10)), true, nil
		}
		return doc, changed, nil
	}
	if decodesItself(t) || decodesItself(reflect.PointerTo(t)) {
		return doc, changed, nil
	}
	child := func(v any, ct reflect.Type, k string) (any, bool, error) {
		return c.convert(v, ct, append(path[:len(path):len(path)], k), depth+1)
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		m, ok := doc.(map[string]any)
		if !ok {
			return doc, changed, nil
		}
		var fields map[string]reflect.StructField
		if t.Kind() == reflect.Struct {
			fields = fieldsByTag(t, cmp.Or(c.tag, "json"))
		}
		var out map[string]any
		copyOnce := func() {
			if out == nil {
				out = make(map[string]any, len(m))
				for kk, vv := range m {
					out[kk] = vv
				}
			}
		}
		for _, k := range sortedKeys(m) {
			ct := reflect.Type(nil)
			if t.Kind() == reflect.Map {
				ct = t.Elem()
			} else if f, ok := fields[k]; ok {
				ct = f.Type
			} else if name, ok := foldMatch(fields, k); ok {
				ct = fields[name].Type
			}
			if ct == nil {
				continue
			}
			v, ch, err := child(m[k], ct, k)
			if err != nil {
				return nil, false, err
			}
			if ch {
				copyOnce()
				out[k] = v
			}
			if c.tag != "" && t.Kind() == reflect.Struct {
				// Name the field as encoding/json does; a field it cannot
				// reach is left to fillHidden.
				if jn := renameForJSON(t, c.tag, k); jn != k {
					copyOnce()
					val := out[k]
					delete(out, k)
					if jn != "" {
						out[jn] = val
					}
				}
			}
		}
		if out != nil {
			return out, true, nil
		}
	case reflect.Slice, reflect.Array:
		a, ok := doc.([]any)
		if !ok {
			return doc, changed, nil
		}
		var out []any
		for i, e := range a {
			v, ch, err := child(e, t.Elem(), strconv.Itoa(i))
			if err != nil {
				return nil, false, err
			}
			if ch {
				if out == nil {
					out = append([]any(nil), a...)
				}
				out[i] = v
			}
		}
		if out != nil {
			return out, true, nil
		}
	}
	return doc, changed, nil
}
