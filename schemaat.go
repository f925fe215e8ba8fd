package configmgr

import (
	"context"
	"fmt"
	"sort"
)

// SchemaAt returns what the schema says about the value at pointer (an RFC
// 6901 JSON Pointer such as "/database/port"; "" for the whole document):
// the keywords of every subschema that reaches it ("properties", "items",
// "additionalProperties" and the other keywords that place a subschema on
// a value, following local "$ref"s, "allOf", "anyOf", "oneOf" and
// "if"/"then"/"else", all branches alike), merged into one map in which
// the first subschema found to give a keyword wins. It is for tools that explain a value or
// convert one an operator typed (see [Manager.ParseValue]). Without a
// schema, or where no subschema reaches, the error wraps [ErrNotFound].
// The map is the caller's to modify.
func (m *Manager) SchemaAt(pointer string) (map[string]any, error) {
	path, err := splitPointer(pointer)
	if err != nil {
		return nil, opError("schema", "", err)
	}
	node := schemaAt(m.sch.Load().root, path)
	if node == nil {
		return nil, opError("schema", "", fmt.Errorf("%w: the schema says nothing about %s", ErrNotFound, pointer))
	}
	return node, nil
}

// schemaAt merges the subschemas that reach path, or returns nil if none
// does.
func schemaAt(root map[string]any, path []string) map[string]any {
	if root == nil {
		return nil
	}
	s := walkSchema(root)
	for _, k := range path {
		s = s.child(k)
	}
	if len(s.nodes) == 0 {
		return nil
	}
	out := map[string]any{}
	for _, n := range s.nodes {
		for k, v := range n {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return copyPlain(out).(map[string]any)
}

// ParseValue converts text, a value as an operator types it on a command
// line, to the type the schema gives the value at pointer, as
// [WithEnvOverrides] converts a variable: "6543" is a number where the
// schema says "integer", "true" a boolean, "a,b" or a JSON array a list,
// JSON text an object. Where the schema gives no type, text is a string.
// Numbers are [encoding/json.Number], as [Manager.Read] gives them. The
// error never quotes text, which may be a secret.
func (m *Manager) ParseValue(pointer, text string) (any, error) {
	path, err := splitPointer(pointer)
	if err != nil {
		return nil, opError("parse", "", err)
	}
	node := schemaAt(m.sch.Load().root, path)
	if node == nil {
		return text, nil
	}
	v, err := convertEnv(text, node)
	if err != nil {
		return nil, opError("parse", "", fmt.Errorf("%s: %w", pointer, err))
	}
	return plain(v), nil
}

// Validate checks doc, any value that encodes to a JSON object with
// [encoding/json.Marshal], against the schema as a write would, and writes
// nothing: a *[ValidationError] lists every violation.
func (m *Manager) Validate(doc any) error {
	return m.ValidateContext(context.Background(), doc)
}

// ValidateContext is [Manager.Validate] with a context.
func (m *Manager) ValidateContext(ctx context.Context, doc any) error {
	nv, err := treeOf(doc)
	if err != nil {
		return opError("validate", "", err)
	}
	if _, ok := nv.(*object); !ok {
		return opError("validate", "", ErrNotObject)
	}
	return opError("validate", "", validateWith(ctx, m.sch.Load(), "the document given", encodeDocument(nv), nil))
}

// Compare lists the changes from old to new, two documents as
// [Manager.Read] returns them, sorted by pointer, with secrets redacted:
// [Manager.Diff] for versions that are not stored, such as an edit about to
// be written.
func (m *Manager) Compare(old, new map[string]any) []Change {
	var out []Change
	diffValues(walkSchema(m.sch.Load().root), nil, old, new, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}
