package configmgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
)

// MigrateReport says what [Migrate] did.
type MigrateReport struct {
	// Copied and Unchanged name the environments that were copied, and
	// those that the destination already held, identical, with the same
	// backups.
	Copied, Unchanged []string
	// Backups and Bytes count what was copied: backups, and bytes of
	// documents and backups together.
	Backups int
	Bytes   int64
	// Schema says whether the schema was copied.
	Schema bool
}

// String summarises the report in one line.
func (r MigrateReport) String() string {
	if len(r.Copied) == 0 && !r.Schema {
		return fmt.Sprintf("nothing to do: %d environments already identical", len(r.Unchanged))
	}
	return fmt.Sprintf("copied %d environments (%d backups, %d bytes), schema copied: %v; %d already identical",
		len(r.Copied), r.Backups, r.Bytes, r.Schema, len(r.Unchanged))
}

// Migrate copies the schema, every environment and every backup from src to
// dst, for example from a [FileStore] to the SQLite store or back.
//
// Backups are copied oldest first with their IDs, so their times and order
// survive. Each environment's copy is atomic (dst must be an [ImportStore]
// if there are backups to copy), and is read back and compared byte for
// byte. Migrate is idempotent: an environment or schema that dst already
// holds, identical, is left alone and listed in the report as unchanged.
// One that dst holds with different content is an error wrapping
// [ErrConflict]; Migrate never overwrites. The report covers what was done
// before any error.
func Migrate(ctx context.Context, dst, src Store, opts ...MigrateOption) (MigrateReport, error) {
	var o migrateOptions
	for _, opt := range opts {
		opt(&o)
	}
	var r MigrateReport
	env, err := migrate(ctx, dst, src, &r, o)
	return r, opError("migrate", env, err)
}

// MigrateOption is an option of [Migrate].
type MigrateOption func(*migrateOptions)

type migrateOptions struct {
	progress func(env string, done, total int)
}

// WithProgress has [Migrate] call fn after each environment it has copied
// or found already in place, with the count done so far (from 1) and the
// count of environments to do: for a progress bar. fn runs on Migrate's
// goroutine and delays it while it runs.
func WithProgress(fn func(env string, done, total int)) MigrateOption {
	return func(o *migrateOptions) { o.progress = fn }
}

// migrate does Migrate's work, and returns the environment it failed on
// ("" for the schema or the listing) with a bare error.
func migrate(ctx context.Context, dst, src Store, r *MigrateReport, o migrateOptions) (string, error) {
	if err := migrateSchema(ctx, dst, src, r); err != nil {
		return "", fmt.Errorf("schema: %w", err)
	}
	envs, err := src.List(ctx)
	if err != nil {
		return "", fmt.Errorf("list the source: %w", cause(err))
	}
	done := func(env string, i int) {
		if o.progress != nil {
			o.progress(env, i+1, len(envs))
		}
	}
	for i, env := range envs {
		snap, err := snapshot(ctx, src, env)
		if err != nil {
			return env, fmt.Errorf("read the source: %w", err)
		}
		have, err := snapshot(ctx, dst, env)
		switch {
		case err == nil:
			if !sameSnapshot(have, snap) {
				return env, fmt.Errorf("%w: the destination holds a different version or history", ErrConflict)
			}
			r.Unchanged = append(r.Unchanged, env)
			done(env, i)
			continue
		case !errors.Is(err, ErrNotFound):
			return env, fmt.Errorf("read the destination: %w", err)
		}
		if is, ok := dst.(ImportStore); ok {
			err = is.Import(ctx, snap)
		} else if len(snap.Backups) > 0 {
			err = fmt.Errorf("%T cannot take backups: %w", dst, errors.ErrUnsupported)
		} else {
			_, err = dst.Put(ctx, env, snap.Data, PutOptions{})
		}
		if err != nil {
			return env, fmt.Errorf("write the destination: %w", cause(err))
		}
		got, err := snapshot(ctx, dst, env)
		if err != nil {
			return env, fmt.Errorf("read back: %w", err)
		}
		if !sameSnapshot(got, snap) {
			return env, errors.New("the copy differs from the original")
		}
		r.Copied = append(r.Copied, env)
		done(env, i)
		r.Backups += len(snap.Backups)
		r.Bytes += int64(len(snap.Data))
		for _, b := range snap.Backups {
			r.Bytes += int64(len(b.Data))
		}
	}
	return "", nil
}

func migrateSchema(ctx context.Context, dst, src Store, r *MigrateReport) error {
	ss, ok := src.(SchemaStore)
	if !ok {
		return nil
	}
	schema, err := ss.Schema(ctx)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return cause(err)
	}
	ds, ok := dst.(SchemaStore)
	if !ok {
		return fmt.Errorf("%T keeps no schema: %w", dst, errors.ErrUnsupported)
	}
	have, err := ds.Schema(ctx)
	switch {
	case err == nil && bytes.Equal(have, schema):
		return nil
	case err == nil:
		return fmt.Errorf("%w: the destination has a different schema", ErrConflict)
	case !errors.Is(err, ErrNotFound):
		return cause(err)
	}
	if err := ds.SetSchema(ctx, schema); err != nil {
		return cause(err)
	}
	r.Schema = true
	r.Bytes += int64(len(schema))
	return nil
}

// snapshot reads env and its backups, oldest first, from s.
func snapshot(ctx context.Context, s Store, env string) (Snapshot, error) {
	doc, err := s.Get(ctx, env)
	if err != nil {
		return Snapshot{}, cause(err)
	}
	snap := Snapshot{Env: env, Data: doc.Data}
	hs, ok := s.(HistoryStore)
	if !ok {
		return snap, nil
	}
	bs, err := hs.Backups(ctx, env)
	if err != nil {
		return Snapshot{}, cause(err)
	}
	for _, b := range slices.Backward(bs) {
		data, err := hs.ReadBackup(ctx, env, b.ID)
		if err != nil {
			return Snapshot{}, cause(err)
		}
		snap.Backups = append(snap.Backups, BackupData{Backup: b, Data: data})
	}
	return snap, nil
}

func sameSnapshot(a, b Snapshot) bool {
	if !bytes.Equal(a.Data, b.Data) || len(a.Backups) != len(b.Backups) {
		return false
	}
	for i := range a.Backups {
		if a.Backups[i].ID != b.Backups[i].ID || !bytes.Equal(a.Backups[i].Data, b.Backups[i].Data) {
			return false
		}
	}
	return true
}
