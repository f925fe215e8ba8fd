package configmgr

import (
	"bytes"
	"encoding/json"
)

// The document tree keeps what a round trip through map[string]any loses:
// the order of keys, the exact text of numbers, and the source text of
// strings, so that rewriting a document changes only what was changed.
//
// A value in the tree is one of *object, []any, jstring, json.Number, bool
// or nil. Trees are never modified once built; merging copies the objects
// it changes.

type member struct {
	key    string
	rawKey string // source text including quotes; "" if none
	val    any
}

type object struct {
	members []member
	index   map[string]int
}

func (o *object) get(key string) (any, bool) {
	if i := o.find(key); i >= 0 {
		return o.members[i].val, true
	}
	return nil, false
}

// indexFrom is the size above which an object keeps a map from its keys to
// their positions; a smaller one is searched in order, which is faster and
// allocates nothing (most objects of a configuration are small).
const indexFrom = 8

// find returns the position of key, or -1.
func (o *object) find(key string) int {
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range o.members {
		if o.members[i].key == key {
			return i
		}
	}
	return -1
}

// add appends a member whose key the object does not have.
func (o *object) add(m member) {
	o.members = append(o.members, m)
	switch {
	case o.index != nil:
		o.index[m.key] = len(o.members) - 1
	case len(o.members) > indexFrom:
		o.index = make(map[string]int, len(o.members))
		for i, m := range o.members {
			o.index[m.key] = i
		}
	}
}

// set replaces key's value in place or appends it.
func (o *object) set(key string, val any) {
	if i := o.find(key); i >= 0 {
		o.members[i].val = val
		return
	}
	o.add(member{key: key, val: val})
}

func (o *object) del(key string) {
	i := o.find(key)
	if i < 0 {
		return
	}
	o.members = append(o.members[:i:i], o.members[i+1:]...)
	if o.index != nil {
		delete(o.index, key)
		for j := i; j < len(o.members); j++ {
			o.index[o.members[j].key] = j
		}
	}
}

// clone copies the object's own members (not the values below them).
func (o *object) clone() *object {
	c := &object{members: make([]member, len(o.members))}
	copy(c.members, o.members)
	if o.index != nil {
		c.index = make(map[string]int, len(o.index))
		for k, v := range o.index {
			c.index[k] = v
		}
	}
	return c
}

func newObject(n int) *object {
	return &object{members: make([]member, 0, n)}
}

type jstring struct {
	s   string
	raw string // source text including quotes; "" if none
}

// pointerOf joins path elements into an RFC 6901 JSON Pointer.
func pointerOf(path []string) string {
	var b bytes.Buffer
	for _, p := range path {
		b.WriteByte('/')
		for i := 0; i < len(p); i++ {
			switch p[i] {
			case '~':
				b.WriteString("~0")
			case '/':
				b.WriteString("~1")
			default:
				b.WriteByte(p[i])
			}
		}
	}
	return b.String()
}

// plain converts a tree to the values encoding/json produces with
// UseNumber: map[string]any, []any, string, json.Number, bool and nil.
func plain(v any) any {
	switch v := v.(type) {
	case *object:
		m := make(map[string]any, len(v.members))
		for _, mb := range v.members {
			m[mb.key] = plain(mb.val)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = plain(e)
		}
		return a
	case jstring:
		return v.s
	default:
		return v
	}
}

// copyPlain deep-copies a value made by plain.
func copyPlain(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = copyPlain(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = copyPlain(e)
		}
		return a
	default:
		return v
	}
}

// align returns nv with its keys in ov's order (keys new in nv follow, in
// nv's order) and with ov's source text for every string, number or key
// whose value is unchanged, so that encoding it changes only the lines that
// differ.
func align(nv, ov any) any {
	switch n := nv.(type) {
	case *object:
		o, ok := ov.(*object)
		if !ok {
			return n
		}
		out := newObject(len(n.members))
		for _, om := range o.members {
			if i := n.find(om.key); i >= 0 {
				out.add(member{key: om.key, rawKey: om.rawKey, val: align(n.members[i].val, om.val)})
			}
		}
		for _, nm := range n.members {
			if out.find(nm.key) < 0 {
				out.add(nm)
			}
		}
		return out
	case []any:
		o, ok := ov.([]any)
		if !ok {
			return n
		}
		a := make([]any, len(n))
		for i, e := range n {
			if i < len(o) {
				a[i] = align(e, o[i])
			} else {
				a[i] = e
			}
		}
		return a
	case jstring:
		if o, ok := ov.(jstring); ok && o.s == n.s {
			return o
		}
		return n
	case json.Number:
		// The same number in other words (1e3 for 1000) keeps its text.
		if o, ok := ov.(json.Number); ok && sameValue(o, n) {
			return o
		}
		return n
	default:
		return nv
	}
}
