package configmgr

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// override is one environment variable that overrides a value.
type override struct {
	name string   // the variable, or --flag
	path []string // the keys of the property
	val  any      // a document tree value
	flag bool     // set by a flag (WithFlags), not a variable
}

// properties returns the properties a schema node declares, following local
// "$ref"s and "allOf".
func properties(node, root map[string]any, depth int) map[string]map[string]any {
	out := map[string]map[string]any{}
	if node == nil || depth > 32 {
		return out
	}
	if ref, ok := node["$ref"].(string); ok {
		return properties(resolveRef(root, ref), root, depth+1)
	}
	if all, ok := node["allOf"].([]any); ok {
		for _, s := range all {
			sm, _ := s.(map[string]any)
			for k, v := range properties(sm, root, depth+1) {
				out[k] = v
			}
		}
	}
	props, _ := node["properties"].(map[string]any)
	for k, v := range props {
		if vm, ok := v.(map[string]any); ok {
			out[k] = vm
		}
	}
	return out
}

// deref follows a node's local "$ref".
func deref(node, root map[string]any) map[string]any {
	for range 32 {
		ref, ok := node["$ref"].(string)
		if !ok {
			break
		}
		node = resolveRef(root, ref)
	}
	return node
}

// envName is the variable-name form of a path: upper case, keys joined by
// "_", anything but letters and digits as "_".
func envName(path []string) string {
	var b strings.Builder
	for i, k := range path {
		if i > 0 {
			b.WriteByte('_')
		}
		for _, r := range k {
			switch {
			case 'a' <= r && r <= 'z':
				b.WriteRune(r - 'a' + 'A')
			case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

// target is a property that a variable or flag name can set.
type target struct {
	path []string
	node map[string]any
}

// resolver maps names in the variable form (upper case, keys joined by
// "_", see envName) onto the properties of a schema, through
// "properties" (with "$ref" and "allOf"), and through the entries of
// "additionalProperties" and "patternProperties" maps, whose keys it takes
// from the name, lower-cased: PREFIX_STORAGE_LOCAL_BRANCH sets
// storage.local.branch when storage is such a map.
type resolver struct {
	root  map[string]any
	exact map[string][]target // by full name
	maps  []mapTarget
}

// mapTarget is a map-valued property and the schema of its entries.
type mapTarget struct {
	name    string // in the variable form
	path    []string
	entry   map[string]any // additionalProperties, or nil
	pattern map[string]any // patternProperties, or nil
	sub     *resolver      // the entries' own properties
}

func newResolver(root map[string]any, node map[string]any, prefix string, depth int) *resolver {
	r := &resolver{root: root, exact: map[string][]target{}}
	var walk func(node map[string]any, path []string, depth int)
	walk = func(node map[string]any, path []string, depth int) {
		if depth > 32 || node == nil {
			return
		}
		n := deref(node, root)
		ap, _ := n["additionalProperties"].(map[string]any)
		pp, _ := n["patternProperties"].(map[string]any)
		if (ap != nil || pp != nil) && len(path) > 0 && depth < 8 {
			entry := ap
			var sub map[string]any = ap
			if sub == nil {
				for _, v := range pp {
					sub, _ = v.(map[string]any)
					break
				}
			}
			r.maps = append(r.maps, mapTarget{name: prefix + envName(path), path: path, entry: entry, pattern: pp,
				sub: newResolver(root, sub, "", depth+1)})
		}
		for name, sub := range properties(n, root, 0) {
			p := append(append([]string(nil), path...), name)
			v := prefix + envName(p)
			r.exact[v] = append(r.exact[v], target{p, deref(sub, root)})
			walk(sub, p, depth+1)
		}
	}
	walk(node, nil, depth)
	return r
}

// resolve returns the properties name may set.
func (r *resolver) resolve(name string) []target {
	if ts := r.exact[name]; len(ts) > 0 {
		return ts
	}
	var out []target
	for _, mt := range r.maps {
		rest, ok := strings.CutPrefix(name, mt.name+"_")
		if !ok {
			continue
		}
		// rest is KEY, or KEY_SUB: try each split.
		for i := 0; i <= len(rest); i++ {
			if i < len(rest) && rest[i] != '_' {
				continue
			}
			key := strings.ToLower(rest[:i])
			if key == "" || !mt.takes(key) {
				continue
			}
			path := append(append([]string(nil), mt.path...), key)
			if i == len(rest) {
				out = append(out, target{path, deref(mt.schemaOf(key), r.root)})
				continue
			}
			for _, t := range mt.sub.resolve(rest[i+1:]) {
				out = append(out, target{append(append([]string(nil), path...), t.path...), t.node})
			}
		}
	}
	return out
}

// takes reports whether key may be an entry of the map.
func (mt mapTarget) takes(key string) bool {
	for pat := range mt.pattern {
		if matchPattern(pat, key) {
			return true
		}
	}
	return mt.entry != nil
}

func (mt mapTarget) schemaOf(key string) map[string]any {
	for pat, sub := range mt.pattern {
		if sm, ok := sub.(map[string]any); ok && matchPattern(pat, key) {
			return sm
		}
	}
	return mt.entry
}

// envOverrides maps the variables in environ that start with prefix_ onto
// the properties of the schema. A variable NAME_FILE names a file that
// holds the value of NAME, for a writeOnly property (the Docker and
// Kubernetes secrets convention). Variables that name no property are an
// error, or, with ignoreUnknown, returned in ignored.
func envOverrides(prefix string, environ []string, root map[string]any, ignoreUnknown bool) (out []override, ignored []string, err error) {
	r := newResolver(root, root, prefix+"_", 0)
	var errs []error
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, prefix+"_") {
			continue
		}
		ts := r.resolve(name)
		if base, isFile := strings.CutSuffix(name, "_FILE"); len(ts) == 0 && isFile {
			if fts := r.resolve(base); len(fts) == 1 && isWriteOnly(fts[0].node) {
				data, _, rerr := readRegular(value, 1<<20, false)
				if rerr != nil {
					errs = append(errs, fmt.Errorf("%s: %w", name, rerr))
					continue
				}
				ts, value = fts, strings.TrimRight(string(data), "\r\n")
			}
		}
		ov, oerr := overrideOf(name, value, ts)
		switch {
		case oerr == nil:
			out = append(out, ov)
		case errors.Is(oerr, errNoProperty) && ignoreUnknown:
			ignored = append(ignored, name)
		default:
			errs = append(errs, oerr)
		}
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("environment overrides: %w", errors.Join(errs...))
	}
	sortOverrides(out)
	sort.Strings(ignored)
	return out, ignored, nil
}

var errNoProperty = errors.New("names no property of the schema")

// overrideOf makes the override of the variable or flag name, whose value
// is value, from the properties it resolves to.
func overrideOf(name, value string, ts []target) (override, error) {
	if len(ts) > 1 {
		// Of several readings of the name, keep those that take the value.
		var fit []target
		for _, t := range ts {
			if _, err := convertEnv(value, t.node); err == nil {
				fit = append(fit, t)
			}
		}
		if len(fit) > 0 {
			ts = fit
		}
	}
	switch len(ts) {
	case 0:
		return override{}, fmt.Errorf("%s %w", name, errNoProperty)
	case 1:
	default:
		var ps []string
		for _, t := range ts {
			ps = append(ps, strings.Join(t.path, "."))
		}
		sort.Strings(ps)
		return override{}, fmt.Errorf("%s could name any of %s", name, strings.Join(ps, ", "))
	}
	val, err := convertEnv(value, ts[0].node)
	if err != nil {
		return override{}, fmt.Errorf("%s: %w", name, err)
	}
	return override{name: name, path: ts[0].path, val: val}, nil
}

// sortOverrides puts parents first, so that a variable for a nested value
// wins over one that sets the whole object.
func sortOverrides(out []override) {
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].path) != len(out[j].path) {
			return len(out[i].path) < len(out[j].path)
		}
		return out[i].name < out[j].name
	})
}

// convertEnv converts a variable's value to the type the schema gives the
// property. The error never quotes the value, which may be a secret.
func convertEnv(value string, node map[string]any) (any, error) {
	var types []string
	switch t := node["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				types = append(types, s)
			}
		}
	}
	if len(types) == 0 {
		return jstring{s: value}, nil
	}
	for _, t := range types {
		switch t {
		case "string":
			return jstring{s: value}, nil
		case "boolean":
			if b, err := strconv.ParseBool(value); err == nil {
				return b, nil
			}
		case "integer", "number":
			v, err := parseDocument([]byte(strings.TrimSpace(value)), "", false)
			if n, ok := v.(interface{ String() string }); err == nil && ok {
				if t == "number" || !strings.ContainsAny(n.String(), ".eE") {
					return v, nil
				}
			}
		case "array":
			if trimmed := strings.TrimSpace(value); !strings.HasPrefix(trimmed, "[") {
				// A delimited list of scalars: a,b,c.
				items, _ := node["items"].(map[string]any)
				var list []any
				ok := true
				for _, part := range strings.Split(value, ",") {
					if items == nil {
						list = append(list, jstring{s: strings.TrimSpace(part)})
						continue
					}
					v, err := convertEnv(strings.TrimSpace(part), items)
					if err != nil {
						ok = false
						break
					}
					list = append(list, v)
				}
				if ok {
					return list, nil
				}
				continue
			}
			fallthrough
		case "object", "null":
			v, err := parseDocument([]byte(value), "", false)
			if err != nil {
				continue
			}
			if _, ok := v.(*object); ok && t == "object" {
				return v, nil
			}
			if _, ok := v.([]any); ok && t == "array" {
				return v, nil
			}
			if v == nil && t == "null" {
				return nil, nil
			}
		}
	}
	return nil, fmt.Errorf("the value is not of the schema's type %s", strings.Join(types, " or "))
}

// applyOverrides returns tree with the overrides set, copying what it
// changes.
func applyOverrides(tree *object, ovs []override) *object {
	var v any = tree
	for _, ov := range ovs {
		v = setPath(v, ov.path, ov.val)
	}
	return v.(*object)
}

func setPath(v any, path []string, val any) any {
	if len(path) == 0 {
		return val
	}
	o, ok := v.(*object)
	if ok {
		o = o.clone()
	} else {
		o = newObject(1)
	}
	child, _ := o.get(path[0])
	o.set(path[0], setPath(child, path[1:], val))
	return o
}

// Origin says where an effective value of a document comes from.
type Origin struct {
	// Source is "flag" for a command-line flag (see [WithFlags]), "env"
	// for an environment variable (see [WithEnvOverrides]), "store" for
	// the stored document, or "default" for a schema default that
	// [Manager.Load] fills in, or a Go default given by [WithInit] (which
	// [Live.Origin] reports).
	Source string
	// Name is the flag, for Source "flag", the environment variable, for
	// Source "env", and "WithInit" for a Go default.
	Name string
}

// String returns "flag NAME", "env NAME", "store", "default" or
// "default WithInit".
func (o Origin) String() string {
	if o.Name != "" {
		return o.Source + " " + o.Name
	}
	return o.Source
}

// Origin reports where the value at pointer (an RFC 6901 JSON Pointer such
// as "/database/port") of env's effective document comes from. If no value
// is there, even after defaults, the error wraps [ErrNotFound].
func (m *Manager) Origin(env, pointer string) (Origin, error) {
	return m.OriginContext(context.Background(), env, pointer)
}

// OriginContext is [Manager.Origin] with a context.
func (m *Manager) OriginContext(ctx context.Context, env, pointer string) (Origin, error) {
	e, err := m.current(ctx, env)
	if err != nil {
		return Origin{}, opError("origin", env, err)
	}
	path, err := splitPointer(pointer)
	if err != nil {
		return Origin{}, opError("origin", env, err)
	}
	var best *override
	for i, ov := range e.sch.overrides {
		if len(ov.path) <= len(path) && slicesEqual(ov.path, path[:len(ov.path)]) {
			best = &e.sch.overrides[i]
		}
	}
	if best != nil && best.flag {
		return Origin{Source: "flag", Name: strings.TrimPrefix(best.name, "--")}, nil
	}
	if best != nil {
		return Origin{Source: "env", Name: best.name}, nil
	}
	if stored, _ := e.trees(); stored != nil {
		if _, ok := lookupPlain(plain(stored), path); ok {
			return Origin{Source: "store"}, nil
		}
	}
	var withDefaults any
	m.decode(e, env, &withDefaults)
	if _, ok := lookupPlain(withDefaults, path); ok {
		return Origin{Source: "default"}, nil
	}
	return Origin{}, opError("origin", env, fmt.Errorf("%w: no value at %s", ErrNotFound, pointer))
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// splitPointer splits an RFC 6901 JSON Pointer into its tokens.
func splitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("JSON Pointer %q does not start with /", p)
	}
	toks := strings.Split(p[1:], "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks, nil
}

func lookupPlain(v any, path []string) (any, bool) {
	for _, k := range path {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// lookupGo reports whether the Go value v holds a non-zero value at path,
// naming struct fields by tag as decoding does.
func lookupGo(v reflect.Value, tag string, path []string) bool {
	for _, k := range path {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return false
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Struct:
			f, ok := fieldsByTag(v.Type(), tag)[k]
			if !ok {
				return false
			}
			fv, err := v.FieldByIndexErr(f.Index)
			if err != nil {
				return false // behind a nil embedded pointer
			}
			v = fv
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return false
			}
			if v = v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())); !v.IsValid() {
				return false
			}
		case reflect.Slice, reflect.Array:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= v.Len() {
				return false
			}
			v = v.Index(i)
		default:
			return false
		}
	}
	return v.IsValid() && !v.IsZero()
}
