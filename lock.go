package configmgr

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// envLocks serialises the writers of one environment: first among the
// goroutines of this process, with a channel that a waiter can abandon when
// its context ends, then among processes, with an advisory lock (flock(2)
// on Unix, LockFileEx on Windows) on a dedicated lock file.
//
// The lock file is never renamed or deleted. Locking the configuration
// file itself would not work: each atomic write replaces its inode, after
// which a lock on the old inode excludes nobody.
type envLocks struct {
	mu    sync.Mutex
	chans map[string]chan struct{}
}

func (l *envLocks) ch(path string) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.chans == nil {
		l.chans = map[string]chan struct{}{}
	}
	c, ok := l.chans[path]
	if !ok {
		c = make(chan struct{}, 1)
		l.chans[path] = c
	}
	return c
}

// lock takes the lock at path, waiting until ctx ends. The returned func
// releases it.
func (l *envLocks) lock(ctx context.Context, path string) (func(), error) {
	c := l.ch(path)
	select {
	case c <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
	}
	unlock, err := lockFile(ctx, path, false)
	if err != nil {
		<-c
		return nil, err
	}
	return func() {
		unlock()
		<-c
	}, nil
}

// lockFile takes an advisory lock on the file at path, shared or
// exclusive, waiting until ctx ends. The lock file is opened without
// following a symlink and without blocking on a FIFO: a link planted at its
// name must not make a privileged writer create or lock a file elsewhere.
func lockFile(ctx context.Context, path string, shared bool) (func(), error) {
	fl := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDWR|oNoFollow|oNonBlock))
	try := fl.TryLock
	if shared {
		try = fl.TryRLock
	}
	if err := poll(ctx, path, try); err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("lock file %s: %w (%v): remove it", path, errNotRegular, fi.Mode().Type())
		}
		return nil, err
	}
	if fi, err := fl.Stat(); err != nil || !fi.Mode().IsRegular() {
		fl.Unlock()
		return nil, fmt.Errorf("lock file %s: %w: remove it", path, errNotRegular)
	}
	return func() { fl.Unlock() }, nil
}

// poll calls try with a growing delay until it succeeds, fails, or ctx
// ends. flock(2) cannot be abandoned once it blocks, so a blocking wait
// could not honour ctx.
func poll(ctx context.Context, path string, try func() (bool, error)) error {
	delay := 50 * time.Microsecond
	var timer *time.Timer
	for {
		ok, err := try()
		if err != nil {
			return fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(delay)
			defer timer.Stop()
		} else {
			timer.Reset(delay)
		}
		select {
		case <-timer.C:
		case <-ctx.Done():
			return fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
		}
		if delay < 2*time.Millisecond {
			delay *= 2
		}
	}
}

// schemaLock keeps schema changes apart from the writes of every
// environment: a write holds it shared across its critical section, a
// schema change exclusively. Within the process an RWMutex, which lets a
// waiting schema change in ahead of new writes, comes first; across
// processes, flock(2) on the store's .schema.lock file.
type schemaLock struct {
	mu sync.RWMutex
}

// lock takes the schema lock of the store at path, waiting until ctx ends.
func (l *schemaLock) lock(ctx context.Context, path string, exclusive bool) (func(), error) {
	try, unlock := l.mu.TryRLock, l.mu.RUnlock
	if exclusive {
		try, unlock = l.mu.TryLock, l.mu.Unlock
	}
	if err := poll(ctx, path, func() (bool, error) { return try(), nil }); err != nil {
		return nil, err
	}
	unlockFile, err := lockFile(ctx, path, !exclusive)
	if err != nil {
		unlock()
		return nil, err
	}
	return func() {
		unlockFile()
		unlock()
	}, nil
}
