package configmgr_test

import (
	"errors"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// TestBackupIDs: a store outside this module makes and checks backup IDs
// with the exported functions, and they agree with the file store's.
func TestBackupIDs(t *testing.T) {
	now := time.Date(2026, 11, 30, 5, 20, 34, 0, time.UTC)
	a, at := configmgr.NewBackupID(now, nil)
	b, bt := configmgr.NewBackupID(now, []string{a})
	if a != "20261130_052034.000000000Z" || b <= a || !bt.After(at) {
		t.Fatalf("NewBackupID = %s, then %s", a, b)
	}
	for _, id := range []string{a, "20240101_120000", "2024-01-01T12-00-00"} {
		if _, ok := configmgr.ParseBackupID(id); !ok || configmgr.CheckBackupID(id) != nil {
			t.Errorf("%s is not accepted", id)
		}
	}
	for _, id := range []string{"latest", "../x", "", "20240101_120000.000000000Z/.."} {
		if err := configmgr.CheckBackupID(id); !errors.Is(err, configmgr.ErrInvalidName) {
			t.Errorf("CheckBackupID(%q) = %v; want ErrInvalidName", id, err)
		}
	}
}
