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

// MemStore is an in-memory [configmgr.Store] and [configmgr.HistoryStore].
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
	closed bool
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

var _ configmgr.HistoryStore = (*MemStore)(nil)

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
		return fmt.Errorf("storetest: %s %s: %w", op, env, err)
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
		return configmgr.Document{}, fmt.Errorf("storetest: get %s: %w", env, configmgr.ErrNotFound)
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
		return "", fmt.Errorf("storetest: put %s: %w", env, configmgr.ErrConflict)
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
	return rev, nil
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
	return nil, fmt.Errorf("storetest: read backup %s %s: %w", env, id, configmgr.ErrNotFound)
}

// Close implements [configmgr.Store].
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
