package configmgr

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

var _ WatchStore = (*FileStore)(nil)

// dirWatch is a FileStore's one fsnotify watcher on its configuration
// directory, shared by every Watch call: creating and closing a watcher per
// call would cost milliseconds each (and inotify instances are limited).
// It lives until the store is closed.
type dirWatch struct {
	w    *fsnotify.Watcher
	done chan struct{}
	dir  string      // the configuration directory's path, as given
	id   fs.FileInfo // the directory it named when the watch began

	mu   sync.Mutex
	subs map[chan struct{}]string // subscriber -> file name it waits for
	err  error                    // set when the watcher fails; it is then gone
}

// Watch implements [WatchStore] with fsnotify (inotify on Linux) on the
// configuration directory, not on the file: an atomic rename replaces the
// file's inode, after which a watch on the file sees nothing more. It
// notices saves by rename (vim and most editors), writes in place, and
// Kubernetes ConfigMap updates, which swap the ..data symlink.
func (s *FileStore) Watch(ctx context.Context, env string, rev Revision) error {
	if err := s.check(ctx, env); err != nil {
		return &OpError{Op: "watch", Env: env, Err: err}
	}
	dw, err := s.dirWatch()
	if err != nil {
		return &OpError{Op: "watch", Env: env, Err: err}
	}
	ch := make(chan struct{}, 1)
	if err := dw.subscribe(ch, env+".json"); err != nil {
		return &OpError{Op: "watch", Env: env, Err: err}
	}
	defer dw.unsubscribe(ch)
	// Now that no change can be missed, see whether one came already.
	if changed, err := s.changedSince(ctx, env, rev); changed || err != nil {
		return err
	}
	select {
	case <-ch:
		if err := dw.failure(); !errors.Is(err, errDirSwapped) {
			return err
		}
		return nil // a new directory: the document may have changed
	case <-ctx.Done():
		return &OpError{Op: "watch", Env: env, Err: ctx.Err()}
	}
}

// dirWatch returns the store's watcher, starting it the first time.
func (s *FileStore) dirWatch() (*dirWatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() { // Close sets closed before it takes mu
		return nil, ErrClosed
	}
	if s.watch != nil {
		if err := s.watch.failure(); err == nil {
			return s.watch, nil
		}
	}
	id, err := os.Stat(s.dir)
	if err != nil {
		return nil, err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	if err := w.Add(s.dir); err != nil {
		w.Close()
		return nil, err
	}
	dw := &dirWatch{w: w, done: make(chan struct{}), dir: s.dir, id: id, subs: map[chan struct{}]string{}}
	go dw.run()
	s.watch = dw
	return dw, nil
}

// errDirSwapped reports that the configuration directory's path now
// names another directory: it was renamed over (an mv-swap deploy), or a
// symlink on its path was switched (current -> releases/N).
var errDirSwapped = errors.New("the configuration directory was swapped")

// swapCheck is how often a watch checks that its directory's path still
// names the directory it watches: inotify follows the directory, not the
// path, and sees no event when a symlink above it is switched.
var swapCheck = time.Second

func (dw *dirWatch) run() {
	defer close(dw.done)
	tick := time.NewTicker(swapCheck)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if fi, err := os.Stat(dw.dir); err != nil || !os.SameFile(fi, dw.id) {
				dw.fail(errDirSwapped)
				dw.w.Close()
				return
			}
		case ev, ok := <-dw.w.Events:
			if !ok {
				dw.fail(errors.New("watcher closed"))
				return
			}
			base := filepath.Base(ev.Name)
			dw.mu.Lock()
			for ch, name := range dw.subs {
				if base == name || strings.HasPrefix(base, "..") {
					select {
					case ch <- struct{}{}:
					default:
					}
				}
			}
			dw.mu.Unlock()
		case err, ok := <-dw.w.Errors:
			if !ok {
				err = errors.New("watcher closed")
			}
			dw.fail(err)
			dw.w.Close()
			return
		}
	}
}

// fail records err and wakes every subscriber, which then returns it.
func (dw *dirWatch) fail(err error) {
	dw.mu.Lock()
	defer dw.mu.Unlock()
	if dw.err == nil {
		dw.err = err
	}
	for ch := range dw.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (dw *dirWatch) failure() error {
	dw.mu.Lock()
	defer dw.mu.Unlock()
	return dw.err
}

func (dw *dirWatch) subscribe(ch chan struct{}, name string) error {
	dw.mu.Lock()
	defer dw.mu.Unlock()
	if dw.err != nil {
		return dw.err
	}
	dw.subs[ch] = name
	return nil
}

func (dw *dirWatch) unsubscribe(ch chan struct{}) {
	dw.mu.Lock()
	defer dw.mu.Unlock()
	delete(dw.subs, ch)
}

// close stops the watcher and waits for its goroutine.
func (dw *dirWatch) close() {
	dw.w.Close()
	<-dw.done
}

// changedSince reports whether env is no longer at rev.
func (s *FileStore) changedSince(ctx context.Context, env string, rev Revision) (bool, error) {
	doc, err := s.Get(ctx, env)
	if errors.Is(err, ErrNotFound) {
		return rev != "", nil
	}
	if err != nil {
		return false, err
	}
	return doc.Revision != rev, nil
}
