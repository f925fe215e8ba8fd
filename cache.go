package configmgr

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// The Manager's cache: for each environment, the document as last read or
// written, parsed and validated, by revision; and the reads that fill it.

// entry is a parsed and validated document, shared by the readers of one
// revision. Nothing in it changes once it is in the cache but what its
// sync.Onces fill in, once (the trees, Load's document); callers get
// copies.
type entry struct {
	rev  Revision
	sch  *schemaState
	data []byte // as stored, for a write to keep its style

	// The tree as stored, and with environment overrides (the same tree if
	// there are none), through trees: an entry made by a read of a
	// document without overrides has neither until a call wants them, and
	// parse builds them then (a Read wants only the plain value, which
	// the read made for the validator, and Load the value with defaults).
	treeOnce  sync.Once
	parse     func() (*object, error)
	tree, eff *object

	// fresh is the plain form of eff that the entry's validation made,
	// until a caller takes it (see value).
	fresh atomic.Pointer[map[string]any]

	loadOnce sync.Once
	loadDoc  any    // the document with schema defaults, for Load
	loadJSON []byte // loadDoc encoded
	loadErr  error
	keysOK   sync.Map // reflect.Type -> keyCheck, for the types decoded into
}

// newEntry returns the entry of a document: tree as stored (data), eff
// with environment overrides, and p, eff's plain form, which the entry
// hands to the first caller that asks for a value.
func newEntry(rev Revision, st *schemaState, tree *object, data []byte, eff *object, p map[string]any) *entry {
	e := &entry{rev: rev, sch: st, tree: tree, data: data, eff: eff}
	if p != nil {
		e.fresh.Store(&p)
	}
	return e
}

// newPlainEntry is newEntry for a document without environment overrides
// whose read made only its plain form p: parse builds the tree when a call
// wants it.
func newPlainEntry(rev Revision, st *schemaState, data []byte, p map[string]any, parse func() (*object, error)) *entry {
	e := &entry{rev: rev, sch: st, data: data, parse: parse}
	e.fresh.Store(&p)
	return e
}

// trees returns the document's tree as stored and with environment
// overrides, building them the first time for an entry that has none yet.
// They are nil only if the stored text no longer parses, which its read
// checked already.
func (e *entry) trees() (stored, eff *object) {
	e.treeOnce.Do(func() {
		if e.tree == nil && e.parse != nil {
			if t, err := e.parse(); err == nil {
				e.tree, e.eff = t, t
			}
			e.parse = nil
		}
	})
	return e.tree, e.eff
}

// value returns the entry's document, with environment overrides, as a
// plain value that the caller owns: the first time, the one its
// validation made (so that a first Read builds it once), and then a new
// one each time.
func (e *entry) value() map[string]any {
	if p := e.fresh.Swap(nil); p != nil {
		return *p
	}
	if _, eff := e.trees(); eff != nil {
		return plain(eff).(map[string]any)
	}
	return map[string]any{}
}

// current returns the parsed and validated document of env, from the cache
// if the store reports the revision cached. Its errors are bare.
func (m *Manager) current(ctx context.Context, env string) (*entry, error) {
	e, _, err := m.currentRev(ctx, env)
	return e, err
}

// currentRev is current that also returns the revision it read, even when
// that version does not parse or validate.
func (m *Manager) currentRev(ctx context.Context, env string) (*entry, Revision, error) {
	if err := m.check(ctx, env); err != nil {
		return nil, "", err
	}
	doc, err := m.store.Get(ctx, env)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			err = m.notFound(ctx, env, cause(err))
		} else if m.fb != nil && unreachable(ctx, err) {
			if e, serr := m.staleEntry(ctx, env, err); e != nil {
				return e, staleRevision, serr
			}
		}
		return nil, "", err
	}
	st := m.sch.Load()
	m.mu.Lock()
	e := m.cache[env]
	m.mu.Unlock()
	if e != nil && e.rev == doc.Revision && e.sch == st {
		return e, doc.Revision, nil
	}
	source := m.location(env)
	if len(st.overrides) == 0 {
		// The value alone, for the validator and the first caller; the
		// tree only when a call wants it (see entry.trees).
		v, std, err := m.parseValue(source, doc.Data)
		if err != nil {
			return nil, doc.Revision, err
		}
		if err := validateWith(ctx, st, source, std, v); err != nil {
			return nil, doc.Revision, err
		}
		data := doc.Data
		e = newPlainEntry(doc.Revision, st, data, v, func() (*object, error) { return m.parse(source, data) })
	} else {
		tree, _, err := m.parseText(source, doc.Data)
		if err != nil {
			return nil, doc.Revision, err
		}
		eff := applyOverrides(tree, st.overrides)
		p := plain(eff).(map[string]any)
		if err := validateWith(ctx, st, source, encodeDocument(eff), p); err != nil {
			return nil, doc.Revision, err
		}
		e = newEntry(doc.Revision, st, tree, doc.Data, eff, p)
	}
	m.mu.Lock()
	m.cache[env] = e
	m.mu.Unlock()
	if m.fb != nil {
		m.fb.save(env, doc.Data)
	}
	return e, doc.Revision, nil
}

// parse checks the size of a stored document and parses it. A duplicate
// key inside a secret is not named.
func (m *Manager) parse(source string, data []byte) (*object, error) {
	tree, _, err := m.parseText(source, data)
	return tree, err
}

// parseText is parse that also returns data as standard JSON (see
// Manager.standard), for the validator.
func (m *Manager) parseText(source string, data []byte) (*object, []byte, error) {
	var tree *object
	std, err := m.parseWith(source, data, func(std []byte) (err error) {
		tree, err = parseObject(std, source, true)
		return err
	})
	return tree, std, err
}

// parseValue is parseText that makes the plain value (as plain makes it
// of the tree) rather than the tree.
func (m *Manager) parseValue(source string, data []byte) (map[string]any, []byte, error) {
	var obj map[string]any
	std, err := m.parseWith(source, data, func(std []byte) error {
		v, err := parsePlain(std, source)
		if err != nil {
			return err
		}
		var ok bool
		if obj, ok = v.(map[string]any); !ok {
			return &DecodeError{Source: source, Line: 1, Column: 1, Err: ErrNotObject}
		}
		return nil
	})
	return obj, std, err
}

// parseWith checks the size of a stored document, makes it standard JSON
// and parses that with parse, naming no key of a secret in the error of a
// duplicate key.
func (m *Manager) parseWith(source string, data []byte, parse func(std []byte) error) ([]byte, error) {
	if int64(len(data)) > m.o.maxSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, source, len(data), m.o.maxSize)
	}
	std, serr := m.standard(data)
	if serr != nil {
		return nil, &DecodeError{Source: source, Err: serr}
	}
	err := parse(std)
	var dk *DuplicateKeyError
	if errors.As(err, &dk) {
		if p, cut := redactPointer(m.sch.Load().root, dk.Pointer); cut {
			dk.Pointer, dk.Key = p, Redacted
		}
	}
	return std, err
}

// remember caches what this Manager has just written as env's document at
// rev, as a read would, so that the next read or write starts from it. tree
// is the tree data was encoded from, if the Manager built it (no second
// parse).
// It caches nothing under environment overrides, which a read validates
// with the document.
func (m *Manager) remember(env string, rev Revision, st *schemaState, data []byte, tree *object, p map[string]any) {
	if len(st.overrides) > 0 || rev == "" {
		return
	}
	if tree == nil {
		var err error
		if tree, err = m.parse(env, data); err != nil {
			return
		}
		p = nil
	}
	e := newEntry(rev, st, tree, data, tree, p)
	m.mu.Lock()
	if m.sch.Load() == st {
		m.cache[env] = e
	}
	m.mu.Unlock()
}

// knownValid reports whether tree is the cached stored document of env and
// was validated, as stored, against st.
func (m *Manager) knownValid(env string, st *schemaState, tree *object) bool {
	m.mu.Lock()
	e := m.cache[env]
	m.mu.Unlock()
	if e == nil || e.sch != st || len(st.overrides) > 0 {
		return false
	}
	stored, _ := e.trees()
	return stored == tree
}

// treeFor parses a stored document, using the cache when it holds the same
// revision.
func (m *Manager) treeFor(env string, doc Document) (*object, error) {
	m.mu.Lock()
	e := m.cache[env]
	m.mu.Unlock()
	if e != nil && e.rev == doc.Revision {
		if stored, _ := e.trees(); stored != nil {
			return stored, nil
		}
	}
	return m.parse(m.location(env), doc.Data)
}
