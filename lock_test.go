package configmgr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// TestLockWaitHonoursContext holds an environment's lock through one
// Manager (inside UpdateFunc) and checks that a writer through another
// Manager, with its own file descriptors as another process would have,
// waits and gives up when its context ends, then goes through once the
// lock is free.
func TestLockWaitHonoursContext(t *testing.T) {
	m1, configDir, backupDir := newManager(t, true)
	m2, err := configmgr.New(configDir, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()

	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- m1.UpdateFunc("dev", func(cfg map[string]any) error {
			close(holding)
			<-release
			return incrementTTL(cfg)
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	err = m2.UpdateFuncContext(ctx, "dev", incrementTTL)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write while another holds the lock = %v; want DeadlineExceeded", err)
	}
	// Reads take no lock.
	if _, err := m2.Read("dev"); err != nil {
		t.Fatalf("Read while the lock is held = %v", err)
	}
	// Another environment is not blocked.
	if err := m2.Update("staging", map[string]any{"cache": map[string]any{"ttl": 5}}); err != nil {
		t.Fatalf("writing another environment while dev is locked = %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := m2.UpdateFunc("dev", incrementTTL); err != nil {
		t.Fatalf("the write after the lock was freed = %v", err)
	}
	cfg, _ := m2.Read("dev")
	if got := ttlOf(t, cfg); got != 302 {
		t.Fatalf("ttl = %d; want 302", got)
	}
}
