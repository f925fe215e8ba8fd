package configmgr

import (
	"reflect"
	"regexp"
	"strconv"
	"sync"
)

// The walk of a schema beside a document: which subschemas reach the value
// at a path. Redaction (secrets.go) and Manager.SchemaAt (schemaat.go) use
// it.

// schemaWalk walks a schema beside a document: at each step it holds the
// subschemas that apply to the value there. The value at a path is a
// secret if any of them says "writeOnly": true; everything below a secret
// is secret too. A subschema applies to a value through every keyword
// that can reach it: "properties", "patternProperties",
// "additionalProperties", "unevaluatedProperties", "items" (one schema or
// a tuple), "prefixItems", "additionalItems", "unevaluatedItems",
// "contains", "allOf", "anyOf", "oneOf", "if"/"then"/"else",
// "dependencies", "dependentSchemas", and local "$ref"s. Where the walk cannot tell
// whether a keyword applies (which branch of an "anyOf" a value matches),
// it assumes it does: redacting too much is safe, too little is not.
type schemaWalk struct {
	root  map[string]any
	nodes []map[string]any // the subschemas that apply to the value here
}

// maxWalkNodes bounds the subschemas one step of the walk looks at.
const maxWalkNodes = 4096

// walkSchema starts a walk at the top of a document; with a nil root
// (no schema) nothing is secret.
func walkSchema(root map[string]any) schemaWalk {
	if root == nil {
		return schemaWalk{}
	}
	return schemaWalk{root: root, nodes: expandSchemas(root, []map[string]any{root})}
}

// secret reports whether the value here is a secret.
func (s schemaWalk) secret() bool {
	for _, n := range s.nodes {
		if b, _ := n["writeOnly"].(bool); b {
			return true
		}
	}
	return false
}

// child returns the walk at key k (a property name or an array index) of
// the value here.
func (s schemaWalk) child(k string) schemaWalk {
	if len(s.nodes) == 0 {
		return schemaWalk{}
	}
	idx, err := strconv.Atoi(k)
	isIndex := err == nil && idx >= 0
	var next []map[string]any
	add := func(v any) {
		if m, ok := v.(map[string]any); ok {
			next = append(next, m)
		}
	}
	for _, n := range s.nodes {
		props, _ := n["properties"].(map[string]any)
		_, declared := props[k]
		add(props[k])
		matched := false
		if pp, ok := n["patternProperties"].(map[string]any); ok {
			for pat, sub := range pp {
				if matchPattern(pat, k) {
					matched = true
					add(sub)
				}
			}
		}
		if !declared && !matched {
			add(n["additionalProperties"])
			add(n["unevaluatedProperties"])
		}
		if isIndex {
			prefix, _ := n["prefixItems"].([]any)
			switch items := n["items"].(type) {
			case []any: // a tuple (draft 7 and before)
				if idx < len(items) {
					add(items[idx])
				} else {
					add(n["additionalItems"])
				}
			case map[string]any:
				if idx >= len(prefix) {
					add(items)
				}
			}
			if idx < len(prefix) {
				add(prefix[idx])
			}
			add(n["unevaluatedItems"])
			add(n["contains"])
		}
	}
	return schemaWalk{root: s.root, nodes: expandSchemas(s.root, next)}
}

// expandSchemas adds to nodes every subschema that applies to the same
// value as one of them, through "$ref", "allOf", "anyOf", "oneOf", "if",
// "then", "else", "dependencies" and "dependentSchemas", each once.
func expandSchemas(root map[string]any, nodes []map[string]any) []map[string]any {
	seen := map[uintptr]bool{}
	var out []map[string]any
	for len(nodes) > 0 && len(out) < maxWalkNodes {
		n := nodes[len(nodes)-1]
		nodes = nodes[:len(nodes)-1]
		p := reflect.ValueOf(n).Pointer()
		if n == nil || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, n)
		push := func(v any) {
			if m, ok := v.(map[string]any); ok {
				nodes = append(nodes, m)
			}
		}
		if ref, ok := n["$ref"].(string); ok {
			if r := resolveRef(root, ref); r != nil {
				nodes = append(nodes, r)
			}
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			list, _ := n[kw].([]any)
			for _, sub := range list {
				push(sub)
			}
		}
		for _, kw := range []string{"if", "then", "else"} {
			push(n[kw])
		}
		for _, kw := range []string{"dependencies", "dependentSchemas"} {
			deps, _ := n[kw].(map[string]any)
			for _, sub := range deps {
				push(sub)
			}
		}
	}
	return out
}

var patterns sync.Map // string -> *regexp.Regexp, or nil if it does not compile

// matchPattern reports whether key matches the "patternProperties" pattern
// pat; a pattern Go cannot compile matches everything, so that a secret
// behind it is not missed.
func matchPattern(pat, key string) bool {
	re, ok := patterns.Load(pat)
	if !ok {
		c, err := regexp.Compile(pat)
		if err != nil {
			c = nil
		}
		re, _ = patterns.LoadOrStore(pat, c)
	}
	c, _ := re.(*regexp.Regexp)
	return c == nil || c.MatchString(key)
}
