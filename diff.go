package configmgr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

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
	diffValues(walkSchema(m.sch.Load().root), nil, a, b, &out)
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

// diffValues appends the changes from a to b, values at path where the
// secrets walk s stands. A secret is compared whole: one change, with both
// values redacted, and nothing of what lies inside it.
func diffValues(s schemaWalk, path []string, a, b any, out *[]Change) {
	if s.secret() {
		if jsonText(a) != jsonText(b) {
			*out = append(*out, change(s, path, "changed", a, b))
		}
		return
	}
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
				diffValues(s.child(k), p, av, bv, out)
			case aok:
				*out = append(*out, change(s.child(k), p, "removed", av, nil))
			default:
				*out = append(*out, change(s.child(k), p, "added", nil, bv))
			}
		}
		return
	}
	aa, aIsArr := a.([]any)
	ba, bIsArr := b.([]any)
	if aIsArr && bIsArr {
		for i := 0; i < max(len(aa), len(ba)); i++ {
			k := strconv.Itoa(i)
			p := append(path[:len(path):len(path)], k)
			switch {
			case i < len(aa) && i < len(ba):
				diffValues(s.child(k), p, aa[i], ba[i], out)
			case i < len(aa):
				*out = append(*out, change(s.child(k), p, "removed", aa[i], nil))
			default:
				*out = append(*out, change(s.child(k), p, "added", nil, ba[i]))
			}
		}
		return
	}
	if jsonText(a) != jsonText(b) {
		*out = append(*out, change(s, path, "changed", a, b))
	}
}

// change makes a Change of the value at path, where the walk s stands.
func change(s schemaWalk, path []string, kind string, old, new any) Change {
	c := Change{Pointer: pointerOf(path), Kind: kind}
	if old != nil || kind != "added" {
		c.Old = redactValue(s, old)
	}
	if new != nil || kind != "removed" {
		c.New = redactValue(s, new)
	}
	return c
}
