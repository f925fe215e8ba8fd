package storetest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/backupid"
)

// MemStore is an in-memory [configmgr.Store], [configmgr.HistoryStore],
// [configmgr.SchemaGuardStore] and [configmgr.ImportStore].
// It is the reference implementation of the Store contract: it passes
// [Run], and it offers compare-and-swap only (it is not a
// [configmgr.UpdateStore]), so a Manager over it takes the retry path that
// stores such as etcd need.
//
// A MemStore is safe for concurrent use by multiple goroutines. Its zero
// value is an empty store ready to use.
type MemStore struct {
	mu     sync.Mutex
	docs   map[string]memDoc
	hist   map[string][]memBackup // oldest first
	seq    uint64
	schema []byte
	closed bool
	change chan struct{} // closed and replaced by every write
}

type memDoc struct {
	data []byte
	rev  configmgr.Revision
}

type memBackup struct {
	id   string
	at   time.Time
	data []byte
}

var (
	_ configmgr.HistoryStore = (*MemStore)(nil)
	_ configmgr.SchemaStore  = (*MemStore)(nil)

	_ configmgr.SchemaGuardStore = (*MemStore)(nil)
	_ configmgr.WatchStore       = (*MemStore)(nil)
	_ configmgr.ImportStore      = (*MemStore)(nil)
)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

func (s *MemStore) check(ctx context.Context, op, env string) error {
	var err error
	switch {
	case s.closed:
		err = configmgr.ErrClosed
	case env != "" || op == "get" || op == "put":
		err = configmgr.CheckName(env)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return configmgr.NewStoreError("storetest", op, env, err)
	}
	return nil
}

// Get implements [configmgr.Store].
func (s *MemStore) Get(ctx context.Context, env string) (configmgr.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "get", env); err != nil {
		return configmgr.Document{}, err
	}
	d, ok := s.docs[env]
	if !ok {
		return configmgr.Document{}, configmgr.NewStoreError("storetest", "get", env, configmgr.ErrNotFound)
	}
	return configmgr.Document{Data: slices.Clone(d.data), Revision: d.rev}, nil
}

// Put implements [configmgr.Store].
func (s *MemStore) Put(ctx context.Context, env string, data []byte, opts configmgr.PutOptions) (configmgr.Revision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "put", env); err != nil {
		return "", err
	}
	cur, exists := s.docs[env]
	if cur.rev != opts.Revision {
		return "", configmgr.NewStoreError("storetest", "put", env, configmgr.ErrConflict)
	}
	if opts.Schema != "" && configmgr.SchemaRevision(s.schema) != opts.Schema {
		return "", configmgr.NewStoreError("storetest", "put", env, configmgr.ErrSchemaChanged)
	}
	if s.docs == nil {
		s.docs = map[string]memDoc{}
		s.hist = map[string][]memBackup{}
	}
	if exists && opts.Keep != 0 {
		h := s.hist[env]
		ids := make([]string, len(h))
		for i, b := range h {
			ids[i] = b.id
		}
		id, at := backupid.Next(time.Now(), ids)
		h = append(h, memBackup{id: id, at: at, data: cur.data})
		if opts.Keep > 0 && len(h) > opts.Keep {
			h = slices.Clone(h[len(h)-opts.Keep:])
		}
		s.hist[env] = h
	}
	s.seq++
	rev := configmgr.Revision(strconv.FormatUint(s.seq, 10))
	s.docs[env] = memDoc{data: slices.Clone(data), rev: rev}
	s.changed()
	return rev, nil
}

// changed wakes the watchers; s.mu is held.
func (s *MemStore) changed() {
	if s.change != nil {
		close(s.change)
	}
	s.change = make(chan struct{})
}

// Watch implements [configmgr.WatchStore].
func (s *MemStore) Watch(ctx context.Context, env string, rev configmgr.Revision) error {
	for {
		s.mu.Lock()
		if err := s.check(ctx, "watch", env); err != nil {
			s.mu.Unlock()
			return err
		}
		if s.docs[env].rev != rev {
			s.mu.Unlock()
			return nil
		}
		if s.change == nil {
			s.change = make(chan struct{})
		}
		ch := s.change
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return configmgr.NewStoreError("storetest", "watch", env, ctx.Err())
		}
	}
}

// List implements [configmgr.Store].
func (s *MemStore) List(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "list", ""); err != nil {
		return nil, err
	}
	envs := make([]string, 0, len(s.docs))
	for env := range s.docs {
		envs = append(envs, env)
	}
	sort.Strings(envs)
	return envs, nil
}

// Backups implements [configmgr.HistoryStore].
func (s *MemStore) Backups(ctx context.Context, env string) ([]configmgr.Backup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "backups", env); err != nil {
		return nil, err
	}
	h := s.hist[env]
	out := make([]configmgr.Backup, 0, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out = append(out, configmgr.Backup{ID: h[i].id, Time: h[i].at, Size: int64(len(h[i].data))})
	}
	return out, nil
}

// ReadBackup implements [configmgr.HistoryStore].
func (s *MemStore) ReadBackup(ctx context.Context, env, id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "read backup", env); err != nil {
		return nil, err
	}
	for _, b := range s.hist[env] {
		if b.id == id {
			return slices.Clone(b.data), nil
		}
	}
	return nil, configmgr.NewStoreError("storetest", "read backup", env, fmt.Errorf("backup %s: %w", id, configmgr.ErrNotFound))
}

// Schema implements [configmgr.SchemaStore].
func (s *MemStore) Schema(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "schema", ""); err != nil {
		return nil, err
	}
	if s.schema == nil {
		return nil, configmgr.NewStoreError("storetest", "schema", "", configmgr.ErrNotFound)
	}
	return slices.Clone(s.schema), nil
}

// SetSchema implements [configmgr.SchemaStore].
func (s *MemStore) SetSchema(ctx context.Context, schema []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "set schema", ""); err != nil {
		return err
	}
	s.schema = append([]byte{}, schema...)
	return nil
}

// SetSchemaIf implements [configmgr.SchemaGuardStore].
func (s *MemStore) SetSchemaIf(ctx context.Context, schema []byte, docs map[string]configmgr.Revision) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "set schema", ""); err != nil {
		return err
	}
	if len(docs) != len(s.docs) {
		return configmgr.NewStoreError("storetest", "set schema", "", configmgr.ErrConflict)
	}
	for env, d := range s.docs {
		if rev, ok := docs[env]; !ok || rev != d.rev {
			return configmgr.NewStoreError("storetest", "set schema", "", configmgr.ErrConflict)
		}
	}
	s.schema = append([]byte{}, schema...)
	return nil
}

// Import implements [configmgr.ImportStore].
func (s *MemStore) Import(ctx context.Context, snap configmgr.Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "import", snap.Env); err != nil {
		return err
	}
	var h []memBackup
	for _, b := range snap.Backups {
		at, ok := backupid.Parse(b.ID)
		if !ok {
			return configmgr.NewStoreError("storetest", "import", snap.Env, fmt.Errorf("%w: backup ID %q", configmgr.ErrInvalidName, b.ID))
		}
		h = append(h, memBackup{id: b.ID, at: at, data: slices.Clone(b.Data)})
	}
	if _, ok := s.docs[snap.Env]; ok {
		return configmgr.NewStoreError("storetest", "import", snap.Env, configmgr.ErrConflict)
	}
	if s.docs == nil {
		s.docs = map[string]memDoc{}
		s.hist = map[string][]memBackup{}
	}
	s.seq++
	s.docs[snap.Env] = memDoc{data: slices.Clone(snap.Data), rev: configmgr.Revision(strconv.FormatUint(s.seq, 10))}
	s.changed()
	s.hist[snap.Env] = h
	return nil
}

// Close implements [configmgr.Store].
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// String describes the store without its content.
func (s *MemStore) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("storetest.MemStore{%d environments}", len(s.docs))
}

// GoString is String.
func (s *MemStore) GoString() string { return s.String() }
