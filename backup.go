package configmgr

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/configmgr/configmgr/internal/backupid"
)

// Backup IDs, for stores: a store makes the ID of each backup it takes with
// NewBackupID, and checks a caller's ID with CheckBackupID, so that every
// store names backups alike and Migrate carries them between stores.

// NewBackupID returns the ID of a backup taken at now, and the time it
// stands for: a UTC time with nanoseconds (20060102_150405.000000000Z),
// later than every ID in existing, even when the clock has not moved or
// went backwards. IDs sort in time order as strings.
func NewBackupID(now time.Time, existing []string) (string, time.Time) {
	return backupid.Next(now, existing)
}

// ParseBackupID reports the time a backup ID stands for, and whether id is
// one: an ID NewBackupID makes, or one of the design document's Python
// (20060102_150405, local time) or JavaScript (2006-01-02T15-04-05) tools.
func ParseBackupID(id string) (time.Time, bool) { return backupid.Parse(id) }

// CheckBackupID returns nil if id is a backup ID, and otherwise an error
// wrapping [ErrInvalidName] that says what an ID looks like.
func CheckBackupID(id string) error {
	if _, ok := backupid.Parse(id); ok {
		return nil
	}
	return backupid.Invalid(ErrInvalidName, id)
}

func (m *Manager) history() (HistoryStore, error) {
	hs, ok := m.store.(HistoryStore)
	if !ok {
		return nil, fmt.Errorf("%T keeps no history: %w", m.store, errors.ErrUnsupported)
	}
	return hs, nil
}

// Backups returns the backups of env, newest first. It fails with an error
// wrapping [errors.ErrUnsupported] if the store is not a [HistoryStore].
func (m *Manager) Backups(env string) ([]Backup, error) {
	return m.BackupsContext(context.Background(), env)
}

// BackupsContext is [Manager.Backups] with a context.
func (m *Manager) BackupsContext(ctx context.Context, env string) ([]Backup, error) {
	if err := m.check(ctx, env); err != nil {
		return nil, opError("backups", env, err)
	}
	hs, err := m.history()
	if err != nil {
		return nil, opError("backups", env, err)
	}
	bs, err := hs.Backups(ctx, env)
	return bs, opError("backups", env, err)
}

// Restore makes backup backupID the current document of env again. The
// backup must match the current schema. The document it replaces is backed
// up first, as by any write, so a Restore can itself be undone. An unknown
// ID is an error wrapping [ErrNotFound].
func (m *Manager) Restore(env, backupID string) error {
	return m.RestoreContext(context.Background(), env, backupID)
}

// RestoreContext is [Manager.Restore] with a context.
func (m *Manager) RestoreContext(ctx context.Context, env, backupID string) error {
	if err := m.check(ctx, env); err != nil {
		return opError("restore", env, err)
	}
	hs, err := m.history()
	if err != nil {
		return opError("restore", env, err)
	}
	data, err := hs.ReadBackup(ctx, env, backupID)
	if err != nil {
		return opError("restore", env, err)
	}
	// modify parses and validates what it stores; name the backup in the
	// errors, since that is what is wrong.
	name := "backup " + backupID
	if _, err := m.parse(name, data); err != nil {
		return opError("restore", env, err)
	}
	return m.modify(ctx, "restore", env, nil, func(*schemaState, *object, error) (any, error) {
		return source{data, name}, nil
	})
}
