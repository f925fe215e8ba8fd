package configmgr

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// override is one environment variable that overrides a value.
type override struct {
	name string   // the variable
	path []string // the keys of the property
	val  any      // a document tree value
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

// envOverrides maps the variables in environ that start with prefix_ onto
// the properties of the schema.
func envOverrides(prefix string, environ []string, root map[string]any) ([]override, error) {
	type target struct {
		path []string
		node map[string]any
	}
	targets := map[string][]target{}
	var walk func(node map[string]any, path []string, depth int)
	walk = func(node map[string]any, path []string, depth int) {
		if depth > 32 {
			return
		}
		for name, sub := range properties(node, root, 0) {
			p := append(append([]string(nil), path...), name)
			v := prefix + "_" + envName(p)
			targets[v] = append(targets[v], target{p, deref(sub, root)})
			walk(sub, p, depth+1)
		}
	}
	walk(root, nil, 0)

	var out []override
	var errs []error
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, prefix+"_") {
			continue
		}
		ts := targets[name]
		switch len(ts) {
		case 0:
			errs = append(errs, fmt.Errorf("%s names no property of the schema", name))
			continue
		case 1:
		default:
			var ps []string
			for _, t := range ts {
				ps = append(ps, strings.Join(t.path, "."))
			}
			sort.Strings(ps)
			errs = append(errs, fmt.Errorf("%s could name any of %s", name, strings.Join(ps, ", ")))
			continue
		}
		val, err := convertEnv(value, ts[0].node)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		out = append(out, override{name: name, path: ts[0].path, val: val})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("environment overrides: %w", errors.Join(errs...))
	}
	// Parents first, so that a variable for a nested value wins over one
	// that sets the whole object.
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].path) != len(out[j].path) {
			return len(out[i].path) < len(out[j].path)
		}
		return out[i].name < out[j].name
	})
	return out, nil
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
		case "object", "array", "null":
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
	// Source is "env" for an environment variable (see
	// [WithEnvOverrides]), "store" for the stored document, or "default"
	// for a schema default that [Manager.Load] fills in.
	Source string
	// Name is the environment variable, for Source "env".
	Name string
}

// String returns "env NAME", "store" or "default".
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
	if best != nil {
		return Origin{Source: "env", Name: best.name}, nil
	}
	if _, ok := lookupPlain(plain(e.tree), path); ok {
		return Origin{Source: "store"}, nil
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
