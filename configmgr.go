package configmgr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Manager reads, validates, merges and writes the configuration documents
// of a set of environments kept in a [Store].
//
// Every document is checked against the JSON Schema on every read and every
// write; an invalid write changes nothing. Every write keeps the version it
// replaces as a backup (see [WithBackups]), and [Manager.Restore] brings one
// back.
//
// A Manager is safe for concurrent use by multiple goroutines, and several
// processes may use one store at once: writes to one environment are
// serialised by the store (see [UpdateStore]) or retried on conflict, so no
// update is lost.
type Manager struct {
	store  Store
	o      options
	fb     *fallback // WithFallback, or nil
	sch    atomic.Pointer[schemaState]
	closed atomic.Bool

	mu        sync.Mutex
	cache     map[string]*entry
	changed   map[string]chan struct{} // closed when this Manager writes env
	contended map[string]bool          // the last write of env met a conflict
}

// schemaState is the compiled schema and what is derived from it. It is
// replaced whole by SetSchema.
type schemaState struct {
	raw        []byte
	rev        Revision       // SchemaRevision(raw)
	stored     bool           // raw is the store's schema, which writes then check
	validator  Validator      // nil without a schema
	root       map[string]any // nil without a schema
	overrides  []override     // from WithEnvOverrides, then WithFlags
	ignoredEnv []string       // variables WithIgnoreUnknownEnv ignored
}

// keyCheck is, for one type decoded into, the result of the key check and
// the document converted for it (nil if the conversion changed nothing).
type keyCheck struct {
	err  error
	doc  any
	data []byte
}

// New returns a Manager over the JSON files in configDir, keeping backups
// in backupDir (see [FileStore]). The schema is read from
// configDir/schema.json and compiled once; if it is missing or invalid, New
// fails, unless [WithoutSchema] or [WithSchema] says otherwise.
func New(configDir, backupDir string, opts ...Option) (*Manager, error) {
	o := applyOptions(opts)
	if err := o.misplacedError("new"); err != nil {
		return nil, err
	}
	fopts := append([]FileOption{WithFileMaxSize(o.maxSize)}, o.fileOpts...)
	if o.readOnly {
		fopts = append(fopts, func(fo *fileOptions) { fo.readOnly = true })
	}
	s, err := NewFileStore(configDir, backupDir, fopts...)
	if err != nil {
		return nil, opError("new", "", err)
	}
	m, err := open(context.Background(), s, o)
	if err != nil {
		s.Close()
		return nil, opError("new", "", err)
	}
	return m, nil
}

// Open returns a Manager over any [Store]. The schema comes from
// [WithSchema], or else from the store if it is a [SchemaStore]; without
// either, Open fails unless [WithoutSchema] is given. A SchemaStore that
// holds neither a schema nor any environment (a new one) keeps the schema
// given with WithSchema, so that it describes itself to later opens. The
// Manager owns the store: [Manager.Close] closes it.
//
// A store package's option (such as sqlite.WithCreate) or a [FileOption]
// makes Open fail: the store is made already.
func Open(s Store, opts ...Option) (*Manager, error) {
	return OpenContext(context.Background(), s, opts...)
}

// OpenContext is [Open] with a context for the calls it makes to the store
// (the schema, the environments, the retention policy): over a store that
// may be unreachable, such as one on the network, its deadline bounds how
// long opening may take. Such stores also give their calls a default
// deadline of their own when the context has none.
func OpenContext(ctx context.Context, s Store, opts ...Option) (*Manager, error) {
	if ctx == nil {
		return nil, opError("open", "", errors.New("nil Context"))
	}
	o := applyOptions(opts)
	if len(o.fileOpts) > 0 {
		o.misplaced = append(o.misplaced, "configmgr.FileOption")
	}
	if err := o.misplacedError("open"); err != nil {
		return nil, err
	}
	m, err := open(ctx, s, o)
	return m, opError("open", "", err)
}

func applyOptions(opts []Option) options {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt.applyOption(&o)
		}
	}
	return o
}

// misplacedError reports the store options given to a constructor that
// does not make that store.
func (o *options) misplacedError(op string) error {
	if len(o.misplaced) == 0 {
		return nil
	}
	to := "configmgr.New or NewFileStore"
	if pkg, _, _ := strings.Cut(o.misplaced[0], "."); pkg != "configmgr" {
		to = pkg + ".New or " + pkg + ".Open"
	}
	return opError(op, "", fmt.Errorf("%s configures a store that %s does not make: give it to %s", strings.Join(o.misplaced, ", "), "configmgr."+strings.ToUpper(op[:1])+op[1:], to))
}

// open makes the Manager; its errors are bare, for New and Open to wrap.
func open(ctx context.Context, s Store, o options) (*Manager, error) {
	if s == nil {
		return nil, errors.New("nil Store")
	}
	if o.maxSize <= 0 {
		return nil, fmt.Errorf("WithMaxSize(%d): the limit must be positive", o.maxSize)
	}
	if o.compiler == nil {
		return nil, errors.New("WithCompiler(nil)")
	}
	m := &Manager{store: s, o: o, cache: map[string]*entry{}, changed: map[string]chan struct{}{}}
	if o.fallback != "" {
		m.fb = &fallback{dir: o.fallback}
	}
	schema := o.schema
	if !o.schemaOptions {
		ss, ok := s.(SchemaStore)
		if !ok {
			return nil, fmt.Errorf("%w: the store keeps no schema; use WithSchema, or WithoutSchema to run without one", ErrNotFound)
		}
		var err error
		schema, err = ss.Schema(ctx)
		if err != nil && m.fb != nil && unreachable(ctx, err) {
			if kept, kerr := m.fb.load("schema", maxSchemaSize); kerr == nil {
				schema, err = kept, nil
			}
		} else if err == nil && m.fb != nil {
			m.fb.save("schema", schema)
		}
		if err != nil {
			return nil, fmt.Errorf("schema: %w (use WithSchema to give one, or WithoutSchema to run without one)", cause(err))
		}
	}
	st := &schemaState{}
	if !o.noSchema {
		var err error
		if st, err = m.compile(schema); err != nil {
			return nil, err
		}
		st.stored = !o.schemaOptions
	} else if o.envPrefix != "" || o.flags != nil {
		return nil, errors.New("WithEnvOverrides and WithFlags need a schema to map names onto")
	}
	if rs, ok := s.(RetentionStore); ok && o.keepSet && !o.readOnly {
		if err := rs.SetRetention(ctx, o.keep); err != nil {
			return nil, fmt.Errorf("store the retention policy: %w", cause(err))
		}
	}
	if o.schemaOptions && !o.noSchema && !o.readOnly {
		stored, err := adoptSchema(ctx, s, schema)
		if err != nil {
			return nil, fmt.Errorf("store the schema: %w", cause(err))
		}
		st.stored = stored
	}
	m.sch.Store(st)
	return m, nil
}

// adoptSchema stores schema in s if s keeps schemas and holds neither a
// schema nor any environment: a new store then describes itself, and later
// opens need no WithSchema. It reports whether s's schema is schema now.
func adoptSchema(ctx context.Context, s Store, schema []byte) (bool, error) {
	ss, ok := s.(SchemaStore)
	if !ok {
		return false, nil
	}
	have, err := ss.Schema(ctx)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return err == nil && bytes.Equal(have, schema), nil
	}
	if envs, err := s.List(ctx); err != nil || len(envs) > 0 {
		return false, err
	}
	return true, ss.SetSchema(ctx, schema)
}

// compile compiles schema and derives the state that depends on it.
func (m *Manager) compile(schema []byte) (*schemaState, error) {
	dir := ""
	if fs, ok := m.store.(*FileStore); ok {
		dir = fs.Dir()
	}
	v, root, err := compileSchema(m.o.compiler, schema, m.location(""), dir)
	if err != nil {
		return nil, err
	}
	st := &schemaState{raw: schema, rev: SchemaRevision(schema), validator: v, root: root}
	if m.o.envPrefix != "" {
		if st.overrides, st.ignoredEnv, err = envOverrides(m.o.envPrefix, m.o.environ(), root, m.o.ignoreEnv); err != nil {
			return nil, err
		}
	}
	if m.o.flags != nil {
		fl, err := flagOverrides(m.o.flags, m.o.flagBind, root)
		if err != nil {
			return nil, err
		}
		st.overrides = append(st.overrides, fl...) // after the variables: flags win
	}
	return st, nil
}

// IgnoredEnv lists the variables with the prefix of [WithEnvOverrides]
// that named no property and were ignored ([WithIgnoreUnknownEnv]).
func (m *Manager) IgnoredEnv() []string {
	return append([]string(nil), m.sch.Load().ignoredEnv...)
}

// Store returns the store the Manager works on.
func (m *Manager) Store() Store { return m.store }

// Close closes the Manager and its store. Calls after Close fail with an
// error wrapping [ErrClosed].
func (m *Manager) Close() error {
	if m.closed.Swap(true) {
		return nil
	}
	return m.store.Close()
}

// check returns why a call on env cannot start, bare.
func (m *Manager) check(ctx context.Context, env string) error {
	switch {
	case ctx == nil:
		return errors.New("nil Context")
	case m.closed.Load():
		return ErrClosed
	}
	if err := CheckName(env); err != nil {
		return err
	}
	return ctx.Err()
}

// location names where env's document (or for "", the schema) is kept,
// for error messages: the store's [LocationStore.Location], or the
// environment's name.
func (m *Manager) location(env string) string {
	if ls, ok := m.store.(LocationStore); ok {
		return ls.Location(env)
	}
	if env == "" {
		return "the schema"
	}
	return env
}

// notFound adds to err, which says that env does not exist, the
// environments that do (the first few), and the closest name.
func (m *Manager) notFound(ctx context.Context, env string, err error) error {
	envs, lerr := m.store.List(ctx)
	if lerr != nil {
		return err
	}
	if len(envs) == 0 {
		return fmt.Errorf("%w (there are no environments yet)", err)
	}
	const few = 8
	list := strings.Join(envs[:min(len(envs), few)], ", ")
	if len(envs) > few {
		list += fmt.Sprintf(", and %d more", len(envs)-few)
	}
	if near := closest(env, envs); near != "" {
		return fmt.Errorf("%w (environments: %s; did you mean %q?)", err, list, near)
	}
	return fmt.Errorf("%w (environments: %s)", err, list)
}

// closest returns the name in names nearest to name, if it is at most two
// edits away (ignoring case), or "".
func closest(name string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Read returns the document of env, validated, with numbers as
// [encoding/json.Number]. If env does not exist, the error wraps
// [ErrNotFound]; if the document is not valid JSON, it is a *[DecodeError];
// if it does not match the schema, a *[ValidationError]. The map is the
// caller's to modify.
func (m *Manager) Read(env string) (map[string]any, error) {
	return m.ReadContext(context.Background(), env)
}

// ReadContext is [Manager.Read] with a context.
func (m *Manager) ReadContext(ctx context.Context, env string) (map[string]any, error) {
	cfg, _, err := m.ReadRevisionContext(ctx, env)
	return cfg, err
}

// ReadRevision is [Manager.Read] that also returns the document's revision,
// for a later [Manager.CompareAndWrite].
func (m *Manager) ReadRevision(env string) (map[string]any, Revision, error) {
	return m.ReadRevisionContext(context.Background(), env)
}

// ReadRevisionContext is [Manager.ReadRevision] with a context.
func (m *Manager) ReadRevisionContext(ctx context.Context, env string) (map[string]any, Revision, error) {
	e, err := m.current(ctx, env)
	if e == nil {
		return nil, "", opError("read", env, err)
	}
	return e.value(), e.rev, opError("read", env, err)
}

// Load decodes the document of env into v, a pointer, with the semantics of
// [encoding/json.Unmarshal], after filling in the schema's "default" values
// for missing properties of objects that are present (as ajv's useDefaults
// does). Defaults are never written back. Errors are as for [Manager.Read];
// a value that does not fit v is a *[DecodeError] naming the key.
//
// No value reaches a field of v unless the schema validated it under the
// key it is decoded from. encoding/json matches keys to fields
// case-insensitively, JSON Schema exactly: so a key that matches a field
// only by case is a *[DecodeError] naming both, unless the schema declares
// that very key (and not the field's name) and no other key of its object
// reaches the field. An untagged field Port still takes "port" where the
// schema declares "port"; "Port" beside a declared "port", or "port" and
// "Port" together, is refused.
func (m *Manager) Load(env string, v any) error {
	return m.LoadContext(context.Background(), env, v)
}

// LoadContext is [Manager.Load] with a context.
func (m *Manager) LoadContext(ctx context.Context, env string, v any) error {
	e, err := m.current(ctx, env)
	if e != nil {
		if derr := m.decode(e, env, v); derr != nil {
			err = derr
		}
	}
	return opError("load", env, err)
}

// prepare checks doc's keys for type t (doc stands at path, under the
// schema node) and converts it for t (durations, the decode hook).
func (m *Manager) prepare(doc any, t reflect.Type, node map[string]any, path []string, source string, root map[string]any) keyCheck {
	c := keyChecker{root: root, source: source, tag: m.altTag()}
	if err := c.check(doc, t, node, path, 0); err != nil {
		return keyCheck{err: err}
	}
	conv := converter{hook: m.o.hook, source: source, tag: m.altTag()}
	out, changed, err := conv.convert(doc, t, path, 0)
	if err != nil || !changed {
		return keyCheck{err: err}
	}
	data, err := json.Marshal(out)
	return keyCheck{err: err, doc: out, data: data}
}

// fillDefaults fills schema defaults into e's document, once per entry.
func (m *Manager) fillDefaults(e *entry) error {
	e.loadOnce.Do(func() {
		doc := e.value()
		applyDefaults(doc, e.sch.root)
		e.loadDoc = doc
		e.loadJSON, e.loadErr = json.Marshal(doc)
	})
	return e.loadErr
}

// decode fills schema defaults into e's document (once per entry) and
// decodes it into v.
func (m *Manager) decode(e *entry, env string, v any) error {
	if err := m.fillDefaults(e); err != nil {
		return err
	}
	source := m.location(env)
	t := reflect.TypeOf(v)
	kc, ok := e.keysOK.Load(t)
	if !ok {
		kc, _ = e.keysOK.LoadOrStore(t, m.prepare(e.loadDoc, t, e.sch.root, nil, source, e.sch.root))
	}
	k := kc.(keyCheck)
	if k.err != nil {
		return k.err
	}
	data, doc := e.loadJSON, e.loadDoc
	if k.data != nil {
		data, doc = k.data, k.doc
	}
	if err := decodeInto(data, doc, v, source, m.o.strict, e.sch.root); err != nil {
		return err
	}
	return m.fillHidden(e.loadDoc, reflect.ValueOf(v), source, e.sch.root, nil, 0)
}

// validateWith validates data against st's schema, giving up when ctx
// ends: a validator cannot be interrupted, so it runs on in the background
// (bounded by the size and number limits) while the caller, and whatever
// lock it holds, go free.
//
// value, if not nil, is data already parsed (as plain makes it): a
// validator that can take it (valueValidator) spares a second parse.
func validateWith(ctx context.Context, st *schemaState, source string, data []byte, value any) error {
	if st.validator == nil {
		return nil
	}
	type result struct {
		vs  []Violation
		err error
	}
	validate := st.validator.Validate
	if vv, ok := st.validator.(valueValidator); ok && value != nil {
		validate = func(data []byte) ([]Violation, error) { return vv.validateValue(value, data) }
	}
	var r result
	if ctx.Done() == nil {
		r.vs, r.err = validate(data)
	} else {
		ch := make(chan result, 1)
		go func() {
			vs, err := validate(data)
			ch <- result{vs, err}
		}()
		select {
		case r = <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if r.err != nil {
		return r.err
	}
	if len(r.vs) > 0 {
		return &ValidationError{Source: source, Violations: redactViolations(st.root, r.vs)}
	}
	return nil
}

// treeOf turns a caller's value into a document tree via encoding/json.
func treeOf(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return parseDocument(data, "the value given", false)
}

// Write replaces the document of env with cfg, any value that encodes to a
// JSON object with [encoding/json.Marshal]. Keys already in the document
// keep their order; new keys follow. If cfg does not match the schema, the
// error is a *[ValidationError] and nothing is written.
func (m *Manager) Write(env string, cfg any) error {
	return m.WriteContext(context.Background(), env, cfg)
}

// WriteContext is [Manager.Write] with a context.
func (m *Manager) WriteContext(ctx context.Context, env string, cfg any) error {
	return m.write(ctx, "write", env, cfg, nil)
}

// CompareAndWrite is [Manager.Write] on the condition that the document's
// revision is still rev, as returned by [Manager.ReadRevision]; the zero
// Revision means env must not exist yet. If the document has changed, the
// error wraps [ErrConflict] and nothing is written.
func (m *Manager) CompareAndWrite(env string, rev Revision, cfg any) error {
	return m.CompareAndWriteContext(context.Background(), env, rev, cfg)
}

// CompareAndWriteContext is [Manager.CompareAndWrite] with a context.
func (m *Manager) CompareAndWriteContext(ctx context.Context, env string, rev Revision, cfg any) error {
	return m.write(ctx, "write", env, cfg, &rev)
}

func (m *Manager) write(ctx context.Context, op, env string, cfg any, expect *Revision) error {
	if err := m.check(ctx, env); err != nil {
		return opError(op, env, err)
	}
	nv, err := treeOf(cfg)
	if err != nil {
		return opError(op, env, err)
	}
	if _, ok := nv.(*object); !ok {
		return opError(op, env, ErrNotObject)
	}
	return m.modify(ctx, op, env, expect, func(_ *schemaState, cur *object, curErr error) (any, error) {
		if cur == nil {
			return nv, nil // nothing to align with (missing or unreadable)
		}
		return align(nv, cur), nil
	})
}

// Update applies patch, an RFC 7396 JSON merge patch, to the document of
// env: objects merge key by key, null deletes a key, anything else
// replaces. patch is any value that encodes to JSON with
// [encoding/json.Marshal], such as a map[string]any or a
// [encoding/json.RawMessage]. The read, merge and write happen as one atomic
// step. If env does not exist, the error wraps [ErrNotFound].
func (m *Manager) Update(env string, patch any) error {
	return m.UpdateContext(context.Background(), env, patch)
}

// UpdateContext is [Manager.Update] with a context.
func (m *Manager) UpdateContext(ctx context.Context, env string, patch any) error {
	if err := m.check(ctx, env); err != nil {
		return opError("update", env, err)
	}
	p, err := treeOf(patch)
	if err != nil {
		return opError("update", env, err)
	}
	return m.modify(ctx, "update", env, nil, func(_ *schemaState, cur *object, curErr error) (any, error) {
		if curErr != nil {
			return nil, curErr
		}
		res, ok := mergePatch(cur, p).(*object)
		if !ok {
			return nil, fmt.Errorf("%w: the patch replaces the document with a non-object", ErrNotObject)
		}
		return res, nil
	})
}

// UpdateFunc calls fn with the current document of env, as [Manager.Read]
// returns it (but without environment overrides, which are never written),
// and writes what fn leaves in it, as one atomic step: no other
// writer, in this process or another, changes env in between. If fn returns
// an error, nothing is written and UpdateFunc returns that error unchanged.
//
// On a store that can hold an environment exclusively ([UpdateStore]) fn
// runs once. On a store that can only compare-and-swap, fn runs again with
// the newer document whenever another writer got in first, so it must not
// have side effects beyond cfg.
func (m *Manager) UpdateFunc(env string, fn func(cfg map[string]any) error) error {
	return m.UpdateFuncContext(context.Background(), env, fn)
}

// UpdateFuncContext is [Manager.UpdateFunc] with a context.
func (m *Manager) UpdateFuncContext(ctx context.Context, env string, fn func(cfg map[string]any) error) error {
	if err := m.check(ctx, env); err != nil {
		return opError("update", env, err)
	}
	return m.modify(ctx, "update", env, nil, func(st *schemaState, cur *object, curErr error) (any, error) {
		if curErr != nil {
			return nil, curErr
		}
		if !m.knownValid(env, st, cur) {
			if err := validateWith(ctx, st, m.location(env), encodeDocument(cur), nil); err != nil {
				return nil, err
			}
		}
		cfg := plain(cur).(map[string]any)
		if err := fn(cfg); err != nil {
			return nil, userError{err}
		}
		nv, err := treeOf(cfg)
		if err != nil {
			return nil, err
		}
		return align(nv, cur), nil
	})
}

// userError carries an error from a caller's function through the store
// unchanged.
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }

// source is raw bytes to store as they are, named for error messages.
type source struct {
	data []byte
	name string
}

// modify runs one read-modify-write of env. fn gets the schema it works
// under and the current document (nil and an error wrapping ErrNotFound if
// there is none, or nil and a decode error if it does not parse) and
// returns the new tree, or a source to store as it is. The result is
// checked and stored, exclusively if the store can, and otherwise with
// compare-and-swap retried on conflict. If the store's schema changed
// meanwhile, the Manager loads it and starts again. The error names the
// call op.
func (m *Manager) modify(ctx context.Context, op, env string, expect *Revision, fn func(st *schemaState, cur *object, curErr error) (any, error)) error {
	if m.o.readOnly {
		return opError(op, env, ErrReadOnly)
	}
	var err error
	var written []byte
	var writtenTree *object         // the tree of written, when the Manager built it
	var writtenPlain map[string]any // and its plain form
	for attempt := 0; ; attempt++ {
		st := m.sch.Load()
		build := func(doc Document, pinned *object) ([]byte, error) {
			if expect != nil && doc.Revision != *expect {
				return nil, fmt.Errorf("%w: the document changed since it was read", ErrConflict)
			}
			var cur *object
			var curErr error
			if doc.Revision == "" {
				curErr = fmt.Errorf("%w; Write creates an environment", m.notFound(ctx, env, fmt.Errorf("%w: %s", ErrNotFound, m.location(env))))
			} else if pinned != nil {
				cur = pinned
			} else {
				cur, curErr = m.treeFor(env, doc)
			}
			out, err := fn(st, cur, curErr)
			if err != nil {
				return nil, err
			}
			var data []byte
			name := "the new version of " + m.location(env)
			writtenTree, writtenPlain = nil, nil
			switch out := out.(type) {
			case source:
				data, name = out.data, out.name
			case *object:
				data, writtenTree = encodeLike(doc.Data, cur, out), out
				writtenPlain = plain(out).(map[string]any)
			default:
				data = encodeDocument(out)
			}
			if int64(len(data)) > m.o.maxSize {
				return nil, fmt.Errorf("%w: %s would be %d bytes, the limit is %d (WithMaxSize)", ErrTooLarge, name, len(data), m.o.maxSize)
			}
			std, err := m.standard(data)
			if err != nil {
				return nil, &DecodeError{Source: name, Err: err}
			}
			var value any
			if writtenPlain != nil {
				value = writtenPlain
			}
			if err := validateWith(ctx, st, name, std, value); err != nil {
				return nil, err
			}
			written = data
			return data, nil
		}
		var rev Revision
		rev, err = m.storeWith(ctx, env, expect, st, build)
		if err == nil {
			m.remember(env, rev, st, written, writtenTree, writtenPlain)
		}
		if !errors.Is(err, ErrSchemaChanged) || attempt == 5 {
			break
		}
		if rerr := m.reloadSchema(ctx, st); rerr != nil {
			err = rerr
			break
		}
	}
	var ue userError
	if errors.As(err, &ue) {
		return ue.err
	}
	if err == nil {
		m.notify(env)
	}
	return opError(op, env, err)
}

// reloadSchema replaces old, the schema the Manager had, with the one the
// store holds now.
func (m *Manager) reloadSchema(ctx context.Context, old *schemaState) error {
	ss, ok := m.store.(SchemaStore)
	if !ok {
		return fmt.Errorf("%w, and the store keeps no schema to reload", ErrSchemaChanged)
	}
	raw, err := ss.Schema(ctx)
	if err != nil {
		return fmt.Errorf("reload the schema: %w", cause(err))
	}
	st, err := m.compile(raw)
	if err != nil {
		return fmt.Errorf("reload the schema: %w", err)
	}
	st.stored = true
	if m.sch.CompareAndSwap(old, st) {
		m.mu.Lock()
		clear(m.cache)
		m.mu.Unlock()
	}
	return nil
}

// notify wakes this Manager's watchers of env.
func (m *Manager) notify(env string) {
	m.mu.Lock()
	if c, ok := m.changed[env]; ok {
		close(c)
		delete(m.changed, env)
	}
	m.mu.Unlock()
}

// changedCh returns a channel that is closed when this Manager next writes
// env.
func (m *Manager) changedCh(env string) <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.changed[env]
	if !ok {
		c = make(chan struct{})
		m.changed[env] = c
	}
	return c
}

// storeWith stores what build makes of the current document, validated
// under st, and returns the new revision.
//
// build makes the new version from the current one, doc, whose tree is
// pinned when storeWith has it already (the optimistic first attempt,
// which has no bytes: the cache may move on meanwhile, under writes of
// other goroutines, so build must not look it up again).
func (m *Manager) storeWith(ctx context.Context, env string, expect *Revision, st *schemaState, build func(doc Document, pinned *object) ([]byte, error)) (Revision, error) {
	opts := PutOptions{Keep: m.o.keep}
	if _, ok := m.store.(SchemaGuardStore); ok && st.stored {
		opts.Schema = st.rev
	}
	if us, ok := m.store.(UpdateStore); ok {
		return us.Update(ctx, env, opts, func(doc Document) ([]byte, error) { return build(doc, nil) })
	}
	// A compare-and-swap store: the first attempt starts from the version
	// this Manager has cached, with no read (the swap fails if that is no
	// longer current), unless its last write of env met other writers: a
	// writer that skipped the read would keep beating them to it. Later
	// attempts start from the document the failed swap found, or read it.
	optimistic := false
	var found *Document // the document a failed swap found
	for attempt := 0; ; attempt++ {
		var doc Document
		var pinned *object
		m.mu.Lock()
		e, contended := m.cache[env], m.contended[env]
		m.mu.Unlock()
		if optimistic = attempt == 0 && expect == nil && e != nil && !contended; optimistic {
			doc = Document{Revision: e.rev, Data: e.data}
			pinned, _ = e.trees()
		} else if found != nil {
			doc, found = *found, nil
		} else {
			var err error
			doc, err = m.store.Get(ctx, env)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return "", err
			}
			if err != nil {
				doc = Document{}
			}
		}
		data, err := build(doc, pinned)
		if err != nil {
			return "", err
		}
		opts.Revision = doc.Revision
		rev, err := m.store.Put(ctx, env, data, opts)
		var ce *ConflictError
		if errors.As(err, &ce) {
			found = &ce.Current
		}
		m.mu.Lock()
		if m.contended == nil {
			m.contended = map[string]bool{}
		}
		if errors.Is(err, ErrConflict) {
			m.contended[env] = true
		} else if attempt == 0 {
			delete(m.contended, env)
		}
		m.mu.Unlock()
		if optimistic && errors.Is(err, ErrConflict) {
			continue // the cached version was not current: start from the store's
		}
		if !errors.Is(err, ErrConflict) || expect != nil || attempt >= m.o.maxRetries {
			return rev, err
		}
		// Another writer got in first. With the newer document in hand,
		// try again at once: a writer that has just won starts its next
		// write at once too, so waiting would starve this one. Without it,
		// back off a short random while, growing with the attempts, before
		// reading it.
		if found != nil {
			continue
		}
		d := time.Duration(rand.Int64N(int64(min(100*time.Microsecond<<min(attempt, 6), 5*time.Millisecond)) + 1))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		}
	}
}

// Environments returns the names of the stored environments, sorted.
func (m *Manager) Environments() ([]string, error) {
	return m.EnvironmentsContext(context.Background())
}

// EnvironmentsContext is [Manager.Environments] with a context.
func (m *Manager) EnvironmentsContext(ctx context.Context) ([]string, error) {
	if ctx == nil {
		return nil, opError("environments", "", errors.New("nil Context"))
	}
	if m.closed.Load() {
		return nil, opError("environments", "", ErrClosed)
	}
	envs, err := m.store.List(ctx)
	return envs, opError("environments", "", err)
}

// String describes the Manager without any configuration value.
func (m *Manager) String() string { return fmt.Sprintf("configmgr.Manager{store: %T}", m.store) }

// GoString is String, so that %#v shows no configuration value either.
func (m *Manager) GoString() string { return m.String() }
