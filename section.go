package configmgr

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
)

// LoadSection decodes one part of env's document, the value at pointer (an
// RFC 6901 JSON Pointer such as "/database"), into v, with the schema's
// defaults, as [Manager.Load] decodes the whole: the twin of viper's
// UnmarshalKey. If there is no value at pointer, even after defaults, the
// error wraps [ErrNotFound].
func (m *Manager) LoadSection(env, pointer string, v any) error {
	return m.LoadSectionContext(context.Background(), env, pointer, v)
}

// LoadSectionContext is [Manager.LoadSection] with a context.
func (m *Manager) LoadSectionContext(ctx context.Context, env, pointer string, v any) error {
	e, err := m.current(ctx, env)
	if e == nil {
		return opError("load", env, err)
	}
	if derr := m.decodeSection(e, env, pointer, v); derr != nil {
		err = derr
	}
	return opError("load", env, err)
}

// decodeSection decodes the value at pointer of e's document, with
// defaults, into v, checking its keys against the schema there.
func (m *Manager) decodeSection(e *entry, env, pointer string, v any) error {
	path, err := splitPointer(pointer)
	if err != nil {
		return err
	}
	if err := m.fillDefaults(e); err != nil {
		return err
	}
	val, ok := lookupPlain(e.loadDoc, path)
	if !ok {
		return fmt.Errorf("%w: no value at %s", ErrNotFound, pointer)
	}
	node := e.sch.root
	for _, k := range path {
		node = childSchema(node, e.sch.root, k)
	}
	source := m.location(env) + "#" + pointer
	k := m.prepare(val, reflect.TypeOf(v), node, path, source, e.sch.root)
	if k.err != nil {
		return k.err
	}
	if k.data == nil {
		data, err := json.Marshal(val)
		if err != nil {
			return err
		}
		k.doc, k.data = val, data
	}
	if err := decodeInto(k.data, k.doc, v, source, m.o.strict, e.sch.root); err != nil {
		return err
	}
	return m.fillHidden(val, reflect.ValueOf(v), source, e.sch.root, path, 0)
}
