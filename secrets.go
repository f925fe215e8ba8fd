package configmgr

import (
	"strconv"
)

// Redacted stands in for the value of a secret: a property that the schema
// marks "writeOnly": true (JSON Schema draft 7). Secrets never appear in
// errors, diffs, backup listings or the String form of this package's types.
const Redacted = "[REDACTED]"

// schemaAt returns the schema node for the value at path, or nil.
func schemaAt(root map[string]any, path []string) (node map[string]any, secret bool) {
	node = root
	for _, k := range path {
		if node == nil {
			return nil, false
		}
		if isWriteOnly(deref(node, root)) {
			return node, true
		}
		node = childSchema(node, root, k)
	}
	if node == nil {
		return nil, false
	}
	node = deref(node, root)
	return node, isWriteOnly(node)
}

func isWriteOnly(node map[string]any) bool {
	b, _ := node["writeOnly"].(bool)
	return b
}

// redactValue returns a copy of v, a value made by plain at path, with
// every secret replaced by [Redacted].
func redactValue(root map[string]any, v any, path []string) any {
	if root == nil {
		return copyPlain(v)
	}
	if _, secret := schemaAt(root, path); secret {
		return Redacted
	}
	switch c := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(c))
		for k, e := range c {
			out[k] = redactValue(root, e, append(path[:len(path):len(path)], k))
		}
		return out
	case []any:
		out := make([]any, len(c))
		for i, e := range c {
			out[i] = redactValue(root, e, append(path[:len(path):len(path)], strconv.Itoa(i)))
		}
		return out
	}
	return v
}

// Redact returns a copy of doc, a document as [Manager.Read] returns it,
// with the value of every secret (a property the schema marks
// "writeOnly": true) replaced by [Redacted]: safe to log or print.
func (m *Manager) Redact(doc map[string]any) map[string]any {
	out, _ := redactValue(m.sch.Load().root, doc, nil).(map[string]any)
	return out
}
