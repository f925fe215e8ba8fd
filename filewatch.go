package configmgr

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

var _ WatchStore = (*FileStore)(nil)

// Watch implements [WatchStore] with fsnotify (inotify on Linux) on the
// configuration directory, not on the file: an atomic rename replaces the
// file's inode, after which a watch on the file sees nothing more. It
// notices saves by rename (vim and most editors), writes in place, and
// Kubernetes ConfigMap updates, which swap the ..data symlink.
func (s *FileStore) Watch(ctx context.Context, env string, rev Revision) error {
	if err := s.check(ctx, env); err != nil {
		return fmt.Errorf("configmgr: watch %s: %w", env, err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("configmgr: watch %s: %w", env, err)
	}
	defer w.Close()
	if err := w.Add(s.dir); err != nil {
		return fmt.Errorf("configmgr: watch %s: %w", env, err)
	}
	// Now that no change can be missed, see whether one came already.
	if changed, err := s.changedSince(ctx, env, rev); changed || err != nil {
		return err
	}
	name := env + ".json"
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return errors.New("configmgr: watch: watcher closed")
			}
			base := filepath.Base(ev.Name)
			if base == name || strings.HasPrefix(base, "..") {
				return nil
			}
		case err, ok := <-w.Errors:
			if !ok {
				return errors.New("configmgr: watch: watcher closed")
			}
			return fmt.Errorf("configmgr: watch %s: %w", env, err)
		case <-ctx.Done():
			return fmt.Errorf("configmgr: watch %s: %w", env, ctx.Err())
		}
	}
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
