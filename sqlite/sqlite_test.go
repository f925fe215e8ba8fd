package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
	"github.com/configmgr/configmgr/storetest"
)

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) configmgr.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "config.db"), sqlite.WithCreate())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// sampleDB migrates ../testdata/config into a new database and returns its
// path.
func sampleDB(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	configDir := filepath.Join(dir, "config")
	os.Mkdir(configDir, 0o755)
	for _, name := range []string{"schema.json", "dev.json", "staging.json", "production.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "config", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(configDir, name), data, 0o600)
	}
	files, err := configmgr.NewFileStore(configDir, filepath.Join(dir, "backups"))
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	path := filepath.Join(dir, "config.db")
	db, err := sqlite.Open(path, sqlite.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := configmgr.Migrate(t.Context(), db, files); err != nil {
		t.Fatal(err)
	}
	return path
}

func newManager(t testing.TB) (*configmgr.Manager, string) {
	t.Helper()
	path := sampleDB(t)
	m, err := sqlite.New(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, path
}

// TestManagerCalls runs every Manager call against the SQLite store.
func TestManagerCalls(t *testing.T) {
	m, _ := newManager(t)
	envs, err := m.Environments()
	if err != nil || strings.Join(envs, ",") != "dev,production,staging" {
		t.Fatalf("Environments = %v, %v", envs, err)
	}
	var cfg struct {
		Database struct {
			PoolSize int `json:"pool_size"`
		} `json:"database"`
	}
	if err := m.Load("production", &cfg); err != nil || cfg.Database.PoolSize != 10 {
		t.Fatalf("Load = %+v, %v; want the schema default 10", cfg, err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 600}}); err != nil {
		t.Fatal(err)
	}
	if err := m.UpdateFunc("dev", func(c map[string]any) error { c["features"] = map[string]any{"x": true}; return nil }); err != nil {
		t.Fatal(err)
	}
	bs, err := m.Backups("dev")
	if err != nil || len(bs) != 2 {
		t.Fatalf("Backups = %v, %v", bs, err)
	}
	if err := m.Restore("dev", bs[1].ID); err != nil {
		t.Fatal(err)
	}
	got, _ := m.Read("dev")
	if got["cache"].(map[string]any)["ttl"] != "300" && got["cache"].(map[string]any)["ttl"].(interface{ String() string }).String() != "300" {
		t.Fatalf("after Restore ttl = %v", got["cache"])
	}
	var ve *configmgr.ValidationError
	if err := m.Update("dev", map[string]any{"database": map[string]any{"port": 0}}); !errors.As(err, &ve) {
		t.Fatalf("invalid Update = %v", err)
	}
	_, rev, _ := m.ReadRevision("dev")
	m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}})
	if err := m.CompareAndWrite("dev", rev, map[string]any{}); !errors.Is(err, configmgr.ErrConflict) {
		t.Fatalf("stale CompareAndWrite = %v", err)
	}
	if err := m.Restore("dev", "20200101_000000.000000000Z"); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("Restore(unknown) = %v", err)
	}
	if _, err := m.Read("../x"); !errors.Is(err, configmgr.ErrInvalidName) {
		t.Fatalf("Read(../x) = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.ReadContext(ctx, "dev"); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadContext(cancelled) = %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := sqlite.Open(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open(missing) = %v; want ErrNotExist", err)
	}
	corrupt := filepath.Join(dir, "corrupt.db")
	os.WriteFile(corrupt, []byte(strings.Repeat("this is not a database\n", 100)), 0o600)
	if s, err := sqlite.Open(corrupt); err == nil {
		s.Close()
		t.Fatal("Open(corrupt) succeeded")
	}
	if got, _ := os.ReadFile(corrupt); !strings.HasPrefix(string(got), "this is not") {
		t.Fatal("Open changed a corrupt file")
	}

	// A database from a newer format version is refused, untouched.
	newer := filepath.Join(dir, "newer.db")
	s, err := sqlite.Open(newer, sqlite.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	setFormat(t, newer, "2")
	if _, err := sqlite.Open(newer); !errors.Is(err, sqlite.ErrFormat) || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open(newer format) = %v; want ErrFormat", err)
	}

	// So is somebody else's database.
	foreign := filepath.Join(dir, "foreign.db")
	s, _ = sqlite.Open(foreign, sqlite.WithCreate())
	s.Close()
	dropMeta(t, foreign)
	if _, err := sqlite.Open(foreign); !errors.Is(err, sqlite.ErrFormat) {
		t.Fatalf("Open(foreign) = %v; want ErrFormat", err)
	}

	// No schema in the database: New says how to put one there.
	empty := filepath.Join(dir, "empty.db")
	s, _ = sqlite.Open(empty, sqlite.WithCreate())
	s.Close()
	if _, err := sqlite.New(empty); !errors.Is(err, configmgr.ErrNotFound) || !strings.Contains(err.Error(), "SetSchema") {
		t.Fatalf("New without a schema = %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	path := sampleDB(t)
	s, err := sqlite.Open(path, sqlite.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	m, err := configmgr.Open(s)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	before, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	err = m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}})
	if !errors.Is(err, sqlite.ErrReadOnly) {
		t.Fatalf("Update on a read-only database = %v; want ErrReadOnly", err)
	}
	after, _ := m.Read("dev")
	if after["cache"].(map[string]any)["ttl"] != before["cache"].(map[string]any)["ttl"] {
		t.Fatal("a refused write changed the document")
	}
	if _, err := s.DB().Exec(`DELETE FROM documents`); err == nil {
		t.Fatal("DB() allowed a write")
	}
}

// TestBusyHonoursContext holds the database's write lock from another
// connection and checks that a write waits, gives up when its context
// ends, and goes through once the lock is free.
func TestBusyHonoursContext(t *testing.T) {
	m, path := newManager(t)
	conn, err := rawDB(t, path).Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	err = m.UpdateContext(ctx, "dev", map[string]any{"cache": map[string]any{"ttl": 1}})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write while the database is locked = %v; want DeadlineExceeded", err)
	}
	if _, err := m.Read("dev"); err != nil {
		t.Fatalf("Read while a writer holds the lock = %v (WAL readers do not wait)", err)
	}
	if _, err := conn.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); err != nil {
		t.Fatalf("the write after the lock was freed = %v", err)
	}
}

// TestCancelInsideWrite cancels a write's context while its transaction
// is open (inside the function that makes the new document): the write
// fails with the context's error, the document and its backups are as
// they were, and the next write on the same Store goes through.
func TestCancelInsideWrite(t *testing.T) {
	path := sampleDB(t)
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, err := s.Get(t.Context(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	backups, _ := s.Backups(t.Context(), "dev")
	ctx, cancel := context.WithCancel(t.Context())
	_, err = s.Update(ctx, "dev", configmgr.PutOptions{Keep: 5}, func(cur configmgr.Document) ([]byte, error) {
		cancel()
		return []byte(`{"environment": "development"}`), nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a write whose context ends inside it = %v; want context.Canceled", err)
	}
	after, _ := s.Get(t.Context(), "dev")
	if string(after.Data) != string(before.Data) || after.Revision != before.Revision {
		t.Fatalf("the cancelled write changed the document: %s -> %s", before.Revision, after.Revision)
	}
	if bs, _ := s.Backups(t.Context(), "dev"); len(bs) != len(backups) {
		t.Fatalf("the cancelled write left %d backups; there were %d", len(bs), len(backups))
	}
	rev, err := s.Put(t.Context(), "dev", []byte(`{"environment": "development"}`), configmgr.PutOptions{Revision: before.Revision, Keep: 5})
	if err != nil {
		t.Fatalf("the write after the cancelled one = %v", err)
	}
	if bs, _ := s.Backups(t.Context(), "dev"); len(bs) != min(len(backups)+1, 5) {
		t.Fatalf("after one write, %d backups; want %d", len(bs), min(len(backups)+1, 5))
	}
	t.Logf("revision %s -> %s", before.Revision, rev)
}
