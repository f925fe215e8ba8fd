package configmgr

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Redacted stands in for the value of a secret: a value that the schema
// marks "writeOnly": true, wherever the schema reaches it. Secrets never
// appear in errors, diffs, backup listings or the String form of this
// package's types; nor do the keys inside a secret object.
const Redacted = "[REDACTED]"

// secrets finds the secrets of a document by walking its schema beside it.
// The value at a path is a secret if any subschema that applies to it says
// "writeOnly": true; everything below a secret is secret too. A subschema
// applies to a value through every keyword that can reach it:
// "properties", "patternProperties", "additionalProperties",
// "unevaluatedProperties", "items" (one schema or a tuple),
// "prefixItems", "additionalItems", "unevaluatedItems", "contains",
// "allOf", "anyOf", "oneOf", "if"/"then"/"else", "dependencies",
// "dependentSchemas", and local "$ref"s. Where the walk cannot tell
// whether a keyword applies (which branch of an "anyOf" a value matches),
// it assumes it does: redacting too much is safe, too little is not.
type secrets struct {
	root  map[string]any
	nodes []map[string]any // the subschemas that apply to the value here
}

// maxSecretNodes bounds the subschemas one step of the walk looks at.
const maxSecretNodes = 4096

// newSecrets starts a walk at the top of a document; with a nil root
// (no schema) nothing is secret.
func newSecrets(root map[string]any) secrets {
	if root == nil {
		return secrets{}
	}
	return secrets{root: root, nodes: expandSchemas(root, []map[string]any{root})}
}

// secret reports whether the value here is a secret.
func (s secrets) secret() bool {
	for _, n := range s.nodes {
		if b, _ := n["writeOnly"].(bool); b {
			return true
		}
	}
	return false
}

// child returns the walk at key k (a property name or an array index) of
// the value here.
func (s secrets) child(k string) secrets {
	if len(s.nodes) == 0 {
		return secrets{}
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
	return secrets{root: s.root, nodes: expandSchemas(s.root, next)}
}

// expandSchemas adds to nodes every subschema that applies to the same
// value as one of them, through "$ref", "allOf", "anyOf", "oneOf", "if",
// "then", "else", "dependencies" and "dependentSchemas", each once.
func expandSchemas(root map[string]any, nodes []map[string]any) []map[string]any {
	seen := map[uintptr]bool{}
	var out []map[string]any
	for len(nodes) > 0 && len(out) < maxSecretNodes {
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

// secretPrefix returns the length of the shortest prefix of path whose
// value is a secret, or -1 if no value on the path is one.
func secretPrefix(root map[string]any, path []string) int {
	if root == nil {
		return -1
	}
	s := newSecrets(root)
	for i := 0; ; i++ {
		if s.secret() {
			return i
		}
		if i == len(path) {
			return -1
		}
		s = s.child(path[i])
	}
}

// redactPath returns path cut at the first secret, with [Redacted] in
// place of what lies below it (so that keys inside a secret object are
// never shown), and whether it cut.
func redactPath(root map[string]any, path []string) ([]string, bool) {
	n := secretPrefix(root, path)
	if n < 0 || n == len(path) {
		return path, false
	}
	return append(path[:n:n], Redacted), true
}

// redactPointer is redactPath for an RFC 6901 JSON Pointer.
func redactPointer(root map[string]any, pointer string) (string, bool) {
	path, err := splitPointer(pointer)
	if err != nil {
		return pointer, false
	}
	p, cut := redactPath(root, path)
	if !cut {
		return pointer, false
	}
	return pointerOf(p), true
}

// redactKey is redactPath for a dotted key path, as in DecodeError.Key.
func redactKey(root map[string]any, key string) string {
	if key == "" {
		return key
	}
	p, _ := redactPath(root, strings.Split(key, "."))
	return strings.Join(p, ".")
}

// redactValue returns a copy of v, a value made by plain, where the walk s
// stands, with every secret replaced by [Redacted].
func redactValue(s secrets, v any) any {
	if s.secret() {
		return Redacted
	}
	if len(s.nodes) == 0 {
		return copyPlain(v)
	}
	switch c := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(c))
		for k, e := range c {
			out[k] = redactValue(s.child(k), e)
		}
		return out
	case []any:
		out := make([]any, len(c))
		for i, e := range c {
			out[i] = redactValue(s.child(strconv.Itoa(i)), e)
		}
		return out
	}
	return v
}

// redactViolations hides what lies inside a secret: a violation below one
// points at the secret itself, with a message that names nothing in it.
func redactViolations(root map[string]any, vs []Violation) []Violation {
	if root == nil {
		return vs
	}
	out := vs[:0:0]
	seen := map[Violation]bool{}
	for _, v := range vs {
		if p, cut := redactPointer(root, v.Pointer); cut {
			v = Violation{Pointer: strings.TrimSuffix(p, "/"+Redacted), Message: "a value inside this secret does not match the schema (not shown)"}
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Redact returns a copy of doc, a document as [Manager.Read] returns it,
// with the value of every secret (see [Redacted]) replaced by [Redacted]:
// safe to log or print.
func (m *Manager) Redact(doc map[string]any) map[string]any {
	out, _ := redactValue(newSecrets(m.sch.Load().root), doc).(map[string]any)
	return out
}

// isWriteOnly reports whether a schema node itself marks its value secret.
func isWriteOnly(node map[string]any) bool {
	b, _ := node["writeOnly"].(bool)
	return b
}
