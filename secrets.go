package configmgr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
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

// Change is one difference between two versions of a document.
type Change struct {
	// Pointer is the RFC 6901 JSON Pointer of the value.
	Pointer string
	// Kind is "added", "removed" or "changed".
	Kind string
	// Old and New are the values before and after ([encoding/json.Number]
	// for numbers), nil where there is none, and [Redacted] for secrets.
	Old, New any
}

// String describes the change in one line, values as JSON.
func (c Change) String() string {
	switch c.Kind {
	case "added":
		return fmt.Sprintf("%s added: %s", c.Pointer, jsonText(c.New))
	case "removed":
		return fmt.Sprintf("%s removed (was %s)", c.Pointer, jsonText(c.Old))
	}
	return fmt.Sprintf("%s: %s -> %s", c.Pointer, jsonText(c.Old), jsonText(c.New))
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Diff lists the changes from version from to version to of env, each a
// backup ID or "" for the current stored version, sorted by pointer.
// Secrets are redacted. Diff(env, "", id) shows what Restore(env, id) would
// change.
func (m *Manager) Diff(env, from, to string) ([]Change, error) {
	return m.DiffContext(context.Background(), env, from, to)
}

// DiffContext is [Manager.Diff] with a context.
func (m *Manager) DiffContext(ctx context.Context, env, from, to string) ([]Change, error) {
	if err := m.check(ctx, env); err != nil {
		return nil, opError("diff", env, err)
	}
	a, err := m.version(ctx, env, from)
	if err != nil {
		return nil, opError("diff", env, err)
	}
	b, err := m.version(ctx, env, to)
	if err != nil {
		return nil, opError("diff", env, err)
	}
	var out []Change
	diffValues(m.sch.Load().root, nil, a, b, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out, nil
}

// version returns a stored version of env, as stored (no overrides): the
// current one for id "", or a backup.
func (m *Manager) version(ctx context.Context, env, id string) (any, error) {
	var data []byte
	source := m.location(env)
	if id == "" {
		doc, err := m.store.Get(ctx, env)
		if errors.Is(err, ErrNotFound) {
			err = m.notFound(ctx, env, cause(err))
		}
		if err != nil {
			return nil, err
		}
		data = doc.Data
	} else {
		hs, err := m.history()
		if err != nil {
			return nil, err
		}
		if data, err = hs.ReadBackup(ctx, env, id); err != nil {
			return nil, err
		}
		source = "backup " + id
	}
	tree, err := m.parse(source, data)
	if err != nil {
		return nil, err
	}
	return plain(tree), nil
}

func diffValues(root map[string]any, path []string, a, b any, out *[]Change) {
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if aIsMap && bIsMap {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for k := range keys {
			p := append(path[:len(path):len(path)], k)
			av, aok := am[k]
			bv, bok := bm[k]
			switch {
			case aok && bok:
				diffValues(root, p, av, bv, out)
			case aok:
				*out = append(*out, change(root, p, "removed", av, nil))
			default:
				*out = append(*out, change(root, p, "added", nil, bv))
			}
		}
		return
	}
	aa, aIsArr := a.([]any)
	ba, bIsArr := b.([]any)
	if aIsArr && bIsArr {
		for i := 0; i < max(len(aa), len(ba)); i++ {
			p := append(path[:len(path):len(path)], strconv.Itoa(i))
			switch {
			case i < len(aa) && i < len(ba):
				diffValues(root, p, aa[i], ba[i], out)
			case i < len(aa):
				*out = append(*out, change(root, p, "removed", aa[i], nil))
			default:
				*out = append(*out, change(root, p, "added", nil, ba[i]))
			}
		}
		return
	}
	if jsonText(a) != jsonText(b) {
		*out = append(*out, change(root, path, "changed", a, b))
	}
}

func change(root map[string]any, path []string, kind string, old, new any) Change {
	c := Change{Pointer: pointerOf(path), Kind: kind}
	if old != nil || kind != "added" {
		c.Old = redactValue(root, old, path)
	}
	if new != nil || kind != "removed" {
		c.New = redactValue(root, new, path)
	}
	return c
}

// String describes the Manager without any configuration value.
func (m *Manager) String() string { return fmt.Sprintf("configmgr.Manager{store: %T}", m.store) }

// GoString is String, so that %#v shows no configuration value either.
func (m *Manager) GoString() string { return m.String() }

// String describes the document by size and revision, not content.
func (d Document) String() string {
	return fmt.Sprintf("configmgr.Document{%d bytes, revision %q}", len(d.Data), d.Revision)
}

// GoString is String.
func (d Document) GoString() string { return d.String() }

// String describes the snapshot without its content.
func (s Snapshot) String() string {
	return fmt.Sprintf("configmgr.Snapshot{%s: %d bytes, %d backups}", s.Env, len(s.Data), len(s.Backups))
}

// GoString is String.
func (s Snapshot) GoString() string { return s.String() }

// String describes the backup without its content.
func (b BackupData) String() string {
	return fmt.Sprintf("configmgr.BackupData{%s, %d bytes}", b.ID, len(b.Data))
}

// GoString is String.
func (b BackupData) GoString() string { return b.String() }

// String describes the store by its directories.
func (s *FileStore) String() string {
	return fmt.Sprintf("configmgr.FileStore{%s, backups in %s}", s.dir, s.backupDir)
}

// GoString is String.
func (s *FileStore) GoString() string { return s.String() }
