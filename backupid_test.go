package configmgr_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// TestKeepAllNotesNewest: a store that keeps every backup finds the ID a
// new backup must follow in its note of the newest (no listing), and each
// new ID is still later than the one before; an ID in use, as a backup
// put there behind the note's back leaves it, is passed over, never
// replaced.
func TestKeepAllNotesNewest(t *testing.T) {
	m, _, backupDir := newManager(t, true, configmgr.WithBackups(-1))
	for i := range 3 {
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 100 + i}}); err != nil {
			t.Fatal(err)
		}
	}
	bs, err := m.Backups("dev")
	if err != nil || len(bs) != 3 {
		t.Fatalf("Backups: %v, %v", bs, err)
	}
	note, err := os.ReadFile(filepath.Join(backupDir, ".dev.json.newest"))
	if err != nil || strings.TrimSpace(string(note)) != bs[0].ID {
		t.Fatalf("the note says %q (%v); the newest backup is %s", note, err, bs[0].ID)
	}

	// A note ahead of the clock, and a backup at the very ID that follows
	// it: the next backup takes the ID after that.
	future := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	noted, _ := configmgr.NewBackupID(future, nil)
	taken, takenAt := configmgr.NewBackupID(future, []string{noted})
	os.WriteFile(filepath.Join(backupDir, ".dev.json.newest"), []byte(noted+"\n"), 0o600)
	planted := filepath.Join(backupDir, "dev.json.backup_"+taken)
	os.WriteFile(planted, []byte(`{"planted": true}`), 0o600)
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 200}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(planted); string(got) != `{"planted": true}` {
		t.Errorf("the backup in the way was replaced: %s", got)
	}
	bs, _ = m.Backups("dev")
	if len(bs) != 5 || !bs[0].Time.After(takenAt) || bs[1].ID != taken {
		t.Errorf("after the update: %v; want a new newest after %s", bs, taken)
	}

	// Without the note, the next write lists the backups and notes the
	// newest again.
	os.Remove(filepath.Join(backupDir, ".dev.json.newest"))
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 201}}); err != nil {
		t.Fatal(err)
	}
	bs, _ = m.Backups("dev")
	if len(bs) != 6 || !bs[0].Time.After(bs[1].Time) {
		t.Errorf("after the note was lost: %v", bs)
	}
}

// TestNewestNoteSymlink: a symlink planted as the note of the newest
// backup ID is neither followed when read nor written through.
func TestNewestNoteSymlink(t *testing.T) {
	m, _, backupDir := newManager(t, true, configmgr.WithBackups(-1))
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, []byte("99991231_235959.999999999Z\n"), 0o600)
	if err := os.Symlink(outside, filepath.Join(backupDir, ".dev.json.newest")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 10 + i}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(outside); string(got) != "99991231_235959.999999999Z\n" {
		t.Errorf("the note was written through a symlink: %q", got)
	}
	bs, _ := m.Backups("dev")
	if len(bs) != 2 || bs[0].Time.Year() > 3000 {
		t.Errorf("backups %v: the planted note was believed", bs)
	}
}
