package configmgr

import (
	"strconv"
	"strings"
)

// Redacted stands in for the value of a secret: a value that the schema
// marks "writeOnly": true, wherever the schema reaches it. Secrets never
// appear in errors, diffs, backup listings or the String form of this
// package's types; nor do the keys inside a secret object.
const Redacted = "[REDACTED]"

// secretPrefix returns the length of the shortest prefix of path whose
// value is a secret, or -1 if no value on the path is one.
func secretPrefix(root map[string]any, path []string) int {
	if root == nil {
		return -1
	}
	s := walkSchema(root)
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
func redactValue(s schemaWalk, v any) any {
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
	out, _ := redactValue(walkSchema(m.sch.Load().root), doc).(map[string]any)
	return out
}

// isWriteOnly reports whether a schema node itself marks its value secret.
func isWriteOnly(node map[string]any) bool {
	b, _ := node["writeOnly"].(bool)
	return b
}
