package configmgr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr/internal/atomicfile"
)

// ErrStale reports that a store could not be reached, and that what a
// read returns is the copy that [WithFallback] kept on local disk: the
// last validated version this program read, validated again. The call
// returns that copy together with an error wrapping ErrStale, which a
// program may treat as a warning:
//
//	err := m.Load("production", &cfg)
//	if err != nil && !errors.Is(err, configmgr.ErrStale) {
//		return err
//	}
var ErrStale = errors.New("store unreachable: serving the local copy")

// WithFallback keeps, in dir (created 0700 if needed), a copy of the last
// validated document of each environment the Manager reads, and of the
// schema, written atomically, files 0600. When the store cannot be reached
// (an error other than not-found, closed, a bad name or the caller's own
// context), Read, Load and Watch serve that copy, validated again, with an
// error wrapping [ErrStale], and keep trying the store: a [Live] moves to
// the store's document when it returns. Open succeeds over an unreachable
// store whose schema was kept. Writes never go to the copy: they fail as
// the store fails.
//
// Apollo's and Nacos' clients keep such a local copy; it lets a service
// start and run through an outage of a remote store, such as etcd.
func WithFallback(dir string) Option {
	return optionFunc(func(o *options) { o.fallback = dir })
}

// fallback is the local copy of WithFallback.
type fallback struct{ dir string }

func (f *fallback) path(name string) string { return filepath.Join(f.dir, name+".json") }

// save keeps data as name's copy; a copy that cannot be kept is no
// error of the read that made it.
func (f *fallback) save(name string, data []byte) {
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return
	}
	if old, _, err := readRegular(f.path(name), int64(len(data))+1, true); err == nil && string(old) == string(data) {
		return
	}
	atomicfile.Write(f.path(name), data, 0o600, nil)
}

func (f *fallback) load(name string, limit int64) ([]byte, error) {
	data, _, err := readRegular(f.path(name), limit, true)
	return data, err
}

// unreachable reports whether err, from a store call made with ctx, means
// that the store could not be reached, rather than an answer.
func unreachable(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrClosed) &&
		!errors.Is(err, ErrInvalidName) && !errors.Is(err, context.Canceled)
}

// staleEntry parses and validates the kept copy of env, for a read whose
// store failed with storeErr.
func (m *Manager) staleEntry(ctx context.Context, env string, storeErr error) (*entry, error) {
	data, err := m.fb.load(env, m.o.maxSize)
	if err != nil {
		return nil, storeErr
	}
	st := m.sch.Load()
	source := m.fb.path(env)
	tree, err := m.parse(source, data)
	if err != nil {
		return nil, storeErr
	}
	data2, eff := data, tree
	if len(st.overrides) > 0 {
		eff = applyOverrides(tree, st.overrides)
		data2 = encodeDocument(eff)
	}
	if err := validateWith(ctx, st, source, data2, nil); err != nil {
		return nil, storeErr
	}
	e := newEntry(staleRevision, st, tree, nil, eff, nil)
	return e, fmt.Errorf("%w (%s), since the store failed: %w", ErrStale, source, cause(storeErr))
}

// staleRevision is the revision of a version served from the kept copy:
// no store revision equals it.
const staleRevision Revision = "\\x00stale"
