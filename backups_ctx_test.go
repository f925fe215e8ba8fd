package configmgr_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// lateCancel is a context whose Err reports cancellation as from its
// (after+1)th call: a cancellation that comes while a call runs.
type lateCancel struct {
	context.Context
	after int32
	calls atomic.Int32
}

func (c *lateCancel) Err() error {
	if c.calls.Add(1) > c.after {
		return context.Canceled
	}
	return nil
}

// TestBackupsHonoursContextInLongHistory: listing a long history stops
// when the context ends during it, not only before it starts.
func TestBackupsHonoursContextInLongHistory(t *testing.T) {
	m, _, backupDir := newManager(t, true)
	plantBackups(t, backupDir, "dev", 1000)
	// How often a listing with nothing to list looks at its context.
	empty := &lateCancel{Context: context.Background(), after: 1 << 30}
	if bs, err := m.BackupsContext(empty, "production"); err != nil || len(bs) != 0 {
		t.Fatalf("Backups(production) = %d, %v", len(bs), err)
	}
	// Cancelled just after those looks, the long listing must stop.
	ctx := &lateCancel{Context: context.Background(), after: empty.calls.Load()}
	if bs, err := m.BackupsContext(ctx, "dev"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Backups cancelled during a listing of 1000 = %d backups, %v; want context.Canceled", len(bs), err)
	}
}
