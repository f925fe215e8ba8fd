package configmgr

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// WatchOption configures [Watch]. When an option is given more than once,
// the last one wins.
type WatchOption func(*watchOptions)

type watchOptions struct {
	debounce time.Duration
	poll     time.Duration
	init     func(v any) // fills a new T before the document is decoded into it
}

// WithInit sets Go defaults: fn fills each new T before the document is
// decoded into it, so that its values stand wherever the document, with
// the schema's defaults, says nothing. Without it a T starts as new(T).
// (Load does the same with whatever its argument holds already.)
func WithInit[T any](fn func(*T)) WatchOption {
	return func(o *watchOptions) {
		o.init = func(v any) {
			if t, ok := v.(*T); ok {
				fn(t)
			}
		}
	}
}

// WithDebounce sets how long [Watch] waits after a change is signalled
// before it reloads, so that the burst of events of one save is one
// reload. The default is 25ms. Writes through the same Manager are applied
// at once.
func WithDebounce(d time.Duration) WatchOption { return func(o *watchOptions) { o.debounce = d } }

// WithPollInterval sets how often [Watch] polls a store that cannot signal
// changes (one that is not a [WatchStore]), and how long it waits after a
// store's watch fails before it tries again. The default is one second.
func WithPollInterval(d time.Duration) WatchOption { return func(o *watchOptions) { o.poll = d } }

// Live is a document decoded into a T that follows the stored document as
// it changes. See [Watch].
//
// A Live is safe for concurrent use by multiple goroutines.
type Live[T any] struct {
	m      *Manager
	env    string
	o      watchOptions
	cur    atomic.Pointer[T]
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	rev      Revision // of cur
	seenRev  Revision // the newest version looked at, good or not
	rejected bool     // seenRev was rejected
	err      error    // why the newest version was rejected; nil if it was applied
	gen      uint64   // versions applied or rejected so far
	seen     uint64   // of those, how many Next has returned
	lastErr  error    // the rejection error of the newest event, if any
	wake     chan struct{}
}

// Watch loads env into a new T, as [Manager.Load] does, and keeps it up to
// date: a new version in the store is loaded, validated and, only if it is
// good, applied. A version that fails to parse or validate is never
// applied: the last good T stays, and the rejection is reported by
// [Live.Err] and [Live.Next]. Watch fails if the first load does.
//
// Changes are noticed through the store when it is a [WatchStore] (the file
// store watches its directory; the SQLite store polls cheaply), by polling
// otherwise (see [WithPollInterval]), and at once for writes through m.
// The same revision is never delivered twice.
//
// The Live runs one goroutine until ctx ends, [Live.Close] is called or
// the Manager is closed.
func Watch[T any](ctx context.Context, m *Manager, env string, opts ...WatchOption) (*Live[T], error) {
	o := watchOptions{debounce: 25 * time.Millisecond, poll: time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if o.poll <= 0 {
		return nil, opError("watch", env, fmt.Errorf("WithPollInterval(%v): the interval must be positive", o.poll))
	}
	v := new(T)
	if o.init != nil {
		o.init(v)
	}
	rev, err := m.loadRev(ctx, env, v)
	if err != nil && !errors.Is(err, ErrStale) {
		return nil, opError("watch", env, err)
	}
	lctx, cancel := context.WithCancel(ctx)
	l := &Live[T]{m: m, env: env, o: o, cancel: cancel, done: make(chan struct{}), rev: rev, seenRev: rev, wake: make(chan struct{})}
	if err != nil {
		l.err = opError("watch", env, err) // serving the kept copy
	}
	l.cur.Store(v)
	go l.run(lctx)
	return l, nil
}

// loadRev is Load that also returns the revision it loaded, or tried to.
// Its errors are bare.
func (m *Manager) loadRev(ctx context.Context, env string, v any) (Revision, error) {
	e, rev, err := m.currentRev(ctx, env)
	if e == nil {
		return rev, err
	}
	if derr := m.decode(e, env, v); derr != nil {
		return rev, derr
	}
	return rev, err
}

// Origin is [Manager.OriginContext] for the Live's environment, knowing
// the Go defaults given by [WithInit] too: a value that only they set,
// where the document, the schema's defaults, the environment and the flags
// say nothing, is reported as Origin{Source: "default", Name: "WithInit"}.
// Pointers name keys as the document does ("/server/port"), whatever
// struct tag the Manager decodes by.
func (l *Live[T]) Origin(ctx context.Context, pointer string) (Origin, error) {
	o, err := l.m.OriginContext(ctx, l.env, pointer)
	if !errors.Is(err, ErrNotFound) || l.o.init == nil {
		return o, err
	}
	path, perr := splitPointer(pointer)
	if perr != nil {
		return o, err
	}
	tag := cmp.Or(l.m.o.tagName, "json")
	v := new(T)
	l.o.init(v)
	if lookupGo(reflect.ValueOf(v), tag, path) {
		return Origin{Source: "default", Name: "WithInit"}, nil
	}
	return o, err
}

// Latest returns the newest good version. It takes no lock and does no
// I/O: call it as often as needed, on every request. The T must not be
// modified.
func (l *Live[T]) Latest() *T { return l.cur.Load() }

// Revision returns the revision of the version Latest returns.
func (l *Live[T]) Revision() Revision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rev
}

// Err returns why the newest version of the document was rejected, or nil
// if the newest version is the one Latest returns. The error wraps
// [ErrRejected] and the cause, such as a *[ValidationError]; or, while the
// store cannot be reached and the Live serves the copy [WithFallback]
// kept, [ErrStale].
func (l *Live[T]) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Next waits for the next version of the document after the last one Next
// returned (or, the first time, after the one Watch loaded), and returns
// the newest good T. If that version was rejected, Next returns the last
// good T and an error wrapping [ErrRejected]. Versions that come faster than
// Next is called are folded into the newest. After Close, Next returns an
// error wrapping [ErrClosed].
func (l *Live[T]) Next(ctx context.Context) (*T, error) {
	for {
		select {
		case <-l.done:
			return nil, opError("watch", l.env, ErrClosed)
		default:
		}
		l.mu.Lock()
		if l.gen > l.seen {
			l.seen = l.gen
			err := l.lastErr
			l.mu.Unlock()
			return l.cur.Load(), err
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.done:
			return nil, opError("watch", l.env, ErrClosed)
		}
	}
}

// Close stops watching and waits for the Live's goroutine to end. Latest
// keeps returning the last good version.
func (l *Live[T]) Close() error {
	l.cancel()
	<-l.done
	return nil
}

// String describes the Live without its value.
func (l *Live[T]) String() string {
	return fmt.Sprintf("configmgr.Live{%s, revision %q}", l.env, l.Revision())
}

// GoString is String.
func (l *Live[T]) GoString() string { return l.String() }

func (l *Live[T]) run(ctx context.Context) {
	defer close(l.done)
	for {
		changed := l.m.changedCh(l.env)
		local, err := l.wait(ctx, changed)
		if ctx.Err() != nil || errors.Is(err, ErrClosed) {
			return
		}
		switch {
		case err != nil:
			if !sleep(ctx, l.o.poll, nil) {
				return
			}
		case !local && l.o.debounce > 0:
			// Let the burst of one save settle; a write through the
			// Manager, which may have caused the signal, ends the wait.
			if !sleep(ctx, l.o.debounce, changed) {
				return
			}
		}
		if !l.reload(ctx) {
			return
		}
	}
}

// sleep waits for d, or until wake is closed; it reports false if ctx
// ended first.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	}
}

// wait returns when the document may have changed: local is set when
// changed, the signal of a write through the Live's Manager, fired.
func (l *Live[T]) wait(ctx context.Context, changed <-chan struct{}) (local bool, err error) {
	l.mu.Lock()
	rev := l.seenRev
	l.mu.Unlock()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- l.waitStore(wctx, rev) }()
	select {
	case <-changed:
		cancel()
		<-errc
		return true, nil
	case err := <-errc:
		return false, err
	}
}

func (l *Live[T]) waitStore(ctx context.Context, rev Revision) error {
	if ws, ok := l.m.store.(WatchStore); ok {
		return ws.Watch(ctx, l.env, rev)
	}
	for {
		if !sleep(ctx, l.o.poll, nil) {
			return ctx.Err()
		}
		doc, err := l.m.store.Get(ctx, l.env)
		switch {
		case errors.Is(err, ErrNotFound):
			if rev != "" {
				return nil
			}
		case err != nil:
			return err
		case doc.Revision != rev:
			return nil
		}
	}
}

// reload loads the newest version and applies or rejects it. It reports
// false when the Manager is closed, which ends the Live.
func (l *Live[T]) reload(ctx context.Context) bool {
	v := new(T)
	if l.o.init != nil {
		l.o.init(v)
	}
	rev, err := l.m.loadRev(ctx, l.env, v)
	if ctx.Err() != nil || errors.Is(err, ErrClosed) {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if errors.Is(err, ErrStale) {
		// The store is unreachable: keep serving what is served, say so,
		// and keep trying; the next look at the store, once it answers,
		// sees a revision other than this one and reloads.
		l.err = opError("watch", l.env, err)
		l.seenRev = staleRevision
		return true
	}
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			rev = ""
		}
		if l.rejected && rev == l.seenRev {
			return true // reported already
		}
		l.seenRev, l.rejected = rev, true
		l.err = opError("watch", l.env, fmt.Errorf("%w: %w", ErrRejected, err))
		l.event(l.err)
		return true
	}
	l.seenRev, l.rejected = rev, false
	if rev == l.rev {
		l.err = nil // back to the version being served
		return true
	}
	l.cur.Store(v)
	l.rev, l.err = rev, nil
	l.event(nil)
	return true
}

// event records an applied (err nil) or rejected version and wakes Next.
func (l *Live[T]) event(err error) {
	l.gen++
	l.lastErr = err
	close(l.wake)
	l.wake = make(chan struct{})
}
