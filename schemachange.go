package configmgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
)

// SchemaChangeError reports the stored environments that a new schema
// would make invalid. [Manager.SetSchema] refuses the schema when it
// returns one.
type SchemaChangeError struct {
	// Failures maps each environment that fails to why, usually a
	// *[ValidationError].
	Failures map[string]error
	envs     []string
}

// Error lists every failing environment and why.
func (e *SchemaChangeError) Error() string {
	var b strings.Builder
	b.WriteString("the new schema would make stored documents invalid:")
	for _, env := range e.envs {
		fmt.Fprintf(&b, "\n  %s: %v", env, e.Failures[env])
	}
	return b.String()
}

// SetSchema replaces the schema, if every stored environment matches it.
// It compiles the new schema and checks every environment against it; if
// any would become invalid, it changes nothing and returns a
// *[SchemaChangeError] listing every failure. Otherwise it stores the
// schema atomically through the store, which keeps the old one as a backup
// (see [SchemaStore]), and the Manager uses it from then on. The store must
// be a [SchemaStore], or the error wraps [errors.ErrUnsupported].
//
// On a [SchemaGuardStore] (the file store, SQLite, and storetest.MemStore)
// the check and the change are one step that no write interleaves, and a
// write by any other Manager, in this process or another, that was
// validated against the old schema is refused by the store and made again
// under the new one: no stored document is ever invalid under the stored
// schema. On another store, a write racing SetSchema is checked against
// the old schema only.
func (m *Manager) SetSchema(schema []byte) error {
	return m.SetSchemaContext(context.Background(), schema)
}

// SetSchemaContext is [Manager.SetSchema] with a context.
func (m *Manager) SetSchemaContext(ctx context.Context, schema []byte) error {
	return opError("set schema", "", m.setSchema(ctx, schema))
}

func (m *Manager) setSchema(ctx context.Context, schema []byte) error {
	if ctx == nil {
		return errors.New("nil Context")
	}
	if m.closed.Load() {
		return ErrClosed
	}
	if m.o.readOnly {
		return ErrReadOnly
	}
	ss, ok := m.store.(SchemaStore)
	if !ok {
		return fmt.Errorf("%T keeps no schema: %w", m.store, errors.ErrUnsupported)
	}
	st, err := m.compile(schema)
	if err != nil {
		return err
	}
	st.stored = true
	guard, guarded := m.store.(SchemaGuardStore)
	for attempt := 0; ; attempt++ {
		revs, err := m.checkAll(ctx, st)
		if err != nil {
			return err
		}
		if !guarded {
			err = ss.SetSchema(ctx, schema)
		} else if err = guard.SetSchemaIf(ctx, schema, revs); errors.Is(err, ErrConflict) && attempt < 20 {
			continue // a document changed since it was checked: check again
		}
		if err != nil {
			return cause(err)
		}
		break
	}
	m.sch.Store(st)
	m.mu.Lock()
	clear(m.cache)
	m.mu.Unlock()
	return nil
}

// checkAll checks every stored environment against st, and returns the
// revisions it checked, or a *SchemaChangeError listing every failure.
func (m *Manager) checkAll(ctx context.Context, st *schemaState) (map[string]Revision, error) {
	envs, err := m.store.List(ctx)
	if err != nil {
		return nil, cause(err)
	}
	revs := make(map[string]Revision, len(envs))
	sce := &SchemaChangeError{Failures: map[string]error{}}
	for _, env := range envs {
		doc, err := m.store.Get(ctx, env)
		if errors.Is(err, ErrNotFound) {
			continue // removed meantime
		}
		if err != nil {
			return nil, cause(err)
		}
		revs[env] = doc.Revision
		tree, err := m.parse(m.location(env), doc.Data)
		if err == nil {
			data := doc.Data
			if len(st.overrides) > 0 {
				data = encodeDocument(applyOverrides(tree, st.overrides))
			}
			err = validateWith(ctx, st, m.location(env), data, nil)
		}
		if err != nil {
			sce.Failures[env] = err
			sce.envs = append(sce.envs, env)
		}
	}
	if len(sce.envs) > 0 {
		return nil, sce
	}
	return revs, nil
}

// Schema returns the text of the schema the Manager validates with, or nil
// if it runs without one ([WithoutSchema]).
func (m *Manager) Schema() []byte {
	raw := m.sch.Load().raw
	if raw == nil {
		return nil
	}
	return bytes.Clone(raw)
}
