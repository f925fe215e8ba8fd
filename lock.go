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
	// The lock file is opened without following a symlink and without
	// blocking on a FIFO: a link planted at its name must not make a
	// privileged writer create or lock a file elsewhere.
	fl := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDWR|oNoFollow|oNonBlock))
	if err := tryLock(ctx, fl); err != nil {
		<-c
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("lock file %s: %w (%v): remove it", path, errNotRegular, fi.Mode().Type())
		}
		return nil, err
	}
	if fi, err := fl.Stat(); err != nil || !fi.Mode().IsRegular() {
		fl.Unlock()
		<-c
		return nil, fmt.Errorf("lock file %s: %w: remove it", path, errNotRegular)
	}
	return func() {
		fl.Unlock()
		<-c
	}, nil
}

// tryLock polls for the file lock with a growing delay. flock(2) cannot be
// abandoned once it blocks, so a blocking wait could not honour ctx.
func tryLock(ctx context.Context, fl *flock.Flock) error {
	delay := 50 * time.Microsecond
	var timer *time.Timer
	for {
		ok, err := fl.TryLock()
		if err != nil {
			return fmt.Errorf("lock %s: %w", fl.Path(), err)
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
			return fmt.Errorf("wait for lock %s: %w", fl.Path(), ctx.Err())
		}
		if delay < 2*time.Millisecond {
			delay *= 2
		}
	}
}
