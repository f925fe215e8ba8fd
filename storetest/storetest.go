// Package storetest checks that a [configmgr.Store] keeps the Store
// contract, and provides [MemStore], the in-memory reference store.
//
// A store's test calls [Run] with a function that makes a new, empty store:
//
//	func TestMyStore_Conformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) configmgr.Store {
//			s, err := mystore.Open(filepath.Join(t.TempDir(), "db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// Run checks the Store contract on stores made by newStore, one t.Run per
// behaviour. newStore must return a new, empty store each time.
func Run(t *testing.T, newStore func(t *testing.T) configmgr.Store) {
	t.Run("GetMissing", func(t *testing.T) { testGetMissing(t, newStore(t)) })
	t.Run("RoundTripExact", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("CreateOnly", func(t *testing.T) { testCreateOnly(t, newStore(t)) })
	t.Run("StaleRevision", func(t *testing.T) { testStaleRevision(t, newStore(t)) })
	t.Run("List", func(t *testing.T) { testList(t, newStore(t)) })
	t.Run("InvalidNames", func(t *testing.T) { testInvalidNames(t, newStore(t)) })
	t.Run("Backups", func(t *testing.T) { testBackups(t, newStore(t)) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, newStore(t)) })
	t.Run("Schema", func(t *testing.T) { testSchema(t, newStore(t)) })
	t.Run("SchemaGuard", func(t *testing.T) { testSchemaGuard(t, newStore(t)) })
	t.Run("Import", func(t *testing.T) { testImport(t, newStore(t)) })
	t.Run("Watch", func(t *testing.T) { testWatch(t, newStore(t)) })
	t.Run("Manager", func(t *testing.T) { testManager(t, newStore(t)) })
	t.Run("UseAfterClose", func(t *testing.T) { testClosed(t, newStore(t)) })
}

func testSchema(t *testing.T, s configmgr.Store) {
	ss, ok := s.(configmgr.SchemaStore)
	if !ok {
		t.Skipf("%T is not a configmgr.SchemaStore", s)
	}
	ctx := t.Context()
	if _, err := ss.Schema(ctx); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("Schema on a new store = %v; want ErrNotFound", err)
	}
	for _, schema := range []string{`{"type": "object"}`, "{\n  \"type\": \"object\",\n  \"required\": [\"x\"]\n}\n"} {
		if err := ss.SetSchema(ctx, []byte(schema)); err != nil {
			t.Fatal(err)
		}
		got, err := ss.Schema(ctx)
		if err != nil || string(got) != schema {
			t.Fatalf("Schema = %q, %v; want %q", got, err, schema)
		}
	}
	if envs, _ := s.List(ctx); len(envs) != 0 {
		t.Fatalf("the schema shows up as an environment: %q", envs)
	}
}

func testSchemaGuard(t *testing.T, s configmgr.Store) {
	gs, ok := s.(configmgr.SchemaGuardStore)
	if !ok {
		t.Skipf("%T is not a configmgr.SchemaGuardStore", s)
	}
	ctx := t.Context()
	v1, v2 := []byte(`{"type": "object"}`), []byte(`{"type": "object", "required": ["a"]}`)
	if err := gs.SetSchema(ctx, v1); err != nil {
		t.Fatal(err)
	}
	rev, err := s.Put(ctx, "dev", []byte(`{"a": 1}`), configmgr.PutOptions{Schema: configmgr.SchemaRevision(v1)})
	if err != nil {
		t.Fatalf("Put with the stored schema's revision = %v", err)
	}
	// A write validated against another schema is refused, changing nothing.
	if _, err := s.Put(ctx, "dev", []byte(`{}`), configmgr.PutOptions{Revision: rev, Schema: configmgr.SchemaRevision(v2)}); !errors.Is(err, configmgr.ErrSchemaChanged) {
		t.Fatalf("Put with another schema's revision = %v; want ErrSchemaChanged", err)
	}
	if doc, _ := s.Get(ctx, "dev"); doc.Revision != rev {
		t.Fatal("a refused Put changed the document")
	}
	// The schema changes only if the documents are still those checked.
	for _, docs := range []map[string]configmgr.Revision{
		{"dev": rev + "x"},
		{},
		{"dev": rev, "other": "1"},
	} {
		if err := gs.SetSchemaIf(ctx, v2, docs); !errors.Is(err, configmgr.ErrConflict) {
			t.Fatalf("SetSchemaIf with stale documents %v = %v; want ErrConflict", docs, err)
		}
	}
	if got, _ := gs.Schema(ctx); string(got) != string(v1) {
		t.Fatal("a refused SetSchemaIf changed the schema")
	}
	if err := gs.SetSchemaIf(ctx, v2, map[string]configmgr.Revision{"dev": rev}); err != nil {
		t.Fatalf("SetSchemaIf with the stored documents = %v", err)
	}
	if got, _ := gs.Schema(ctx); string(got) != string(v2) {
		t.Fatal("SetSchemaIf did not store the schema")
	}
	if _, err := s.Put(ctx, "dev", []byte(`{"a": 2}`), configmgr.PutOptions{Revision: rev, Schema: configmgr.SchemaRevision(v1)}); !errors.Is(err, configmgr.ErrSchemaChanged) {
		t.Fatalf("Put validated against the old schema = %v; want ErrSchemaChanged", err)
	}
}

func testImport(t *testing.T, s configmgr.Store) {
	is, ok := s.(configmgr.ImportStore)
	if !ok {
		t.Skipf("%T is not a configmgr.ImportStore", s)
	}
	ctx := t.Context()
	snap := configmgr.Snapshot{
		Env:  "imported",
		Data: []byte(`{"v":3}`),
		Backups: []configmgr.BackupData{ // oldest first; old and new ID forms
			{Backup: configmgr.Backup{ID: "20240119_235959"}, Data: []byte(`{"v":1}`)},
			{Backup: configmgr.Backup{ID: "20240120_100000.000000001Z"}, Data: []byte(`{"v":2}`)},
		},
	}
	bad := snap
	bad.Env = "bad"
	bad.Backups = []configmgr.BackupData{{Backup: configmgr.Backup{ID: "../x"}, Data: []byte(`{}`)}}
	if err := is.Import(ctx, bad); !errors.Is(err, configmgr.ErrInvalidName) {
		t.Fatalf("Import with a bad backup ID = %v; want ErrInvalidName", err)
	}
	if _, err := s.Get(ctx, "bad"); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("a refused Import left the environment: %v", err)
	}
	if err := is.Import(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if d := get(t, s, "imported"); string(d.Data) != `{"v":3}` {
		t.Fatalf("Get after Import = %s", d.Data)
	}
	if hs, ok := s.(configmgr.HistoryStore); ok {
		bs, err := hs.Backups(ctx, "imported")
		if err != nil || len(bs) != 2 || bs[0].ID != snap.Backups[1].ID || bs[1].ID != snap.Backups[0].ID {
			t.Fatalf("Backups after Import = %v, %v", bs, err)
		}
		for i, b := range snap.Backups {
			data, err := hs.ReadBackup(ctx, "imported", b.ID)
			if err != nil || string(data) != string(b.Data) {
				t.Fatalf("backup %d = %s, %v", i, data, err)
			}
		}
	}
	if err := is.Import(ctx, snap); !errors.Is(err, configmgr.ErrConflict) {
		t.Fatalf("a second Import = %v; want ErrConflict", err)
	}
}

func put(t *testing.T, s configmgr.Store, env string, data []byte, rev configmgr.Revision, keep int) configmgr.Revision {
	t.Helper()
	r, err := s.Put(t.Context(), env, data, configmgr.PutOptions{Revision: rev, Keep: keep})
	if err != nil {
		t.Fatalf("Put(%q, rev %q) = %v", env, rev, err)
	}
	if r == "" {
		t.Fatalf("Put(%q) returned the zero Revision", env)
	}
	return r
}

func get(t *testing.T, s configmgr.Store, env string) configmgr.Document {
	t.Helper()
	d, err := s.Get(t.Context(), env)
	if err != nil {
		t.Fatalf("Get(%q) = %v", env, err)
	}
	return d
}

func testGetMissing(t *testing.T, s configmgr.Store) {
	_, err := s.Get(t.Context(), "missing")
	if !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("Get(missing) = %v; want ErrNotFound", err)
	}
	if hs, ok := s.(configmgr.HistoryStore); ok {
		if _, err := hs.ReadBackup(t.Context(), "missing", "20240120_100000"); !errors.Is(err, configmgr.ErrNotFound) {
			t.Errorf("ReadBackup(missing) = %v; want ErrNotFound", err)
		}
		bs, err := hs.Backups(t.Context(), "missing")
		if err != nil || len(bs) != 0 {
			t.Errorf("Backups(missing) = %v, %v; want none", bs, err)
		}
	}
}

func testRoundTrip(t *testing.T, s configmgr.Store) {
	docs := [][]byte{
		[]byte("{\n  \"b\": 1.0,\n  \"a\": [1e400, -0, 9007199254740993],\n  \"\u00e9\\u00e9\": \"\\ud83d\\ude00 \u2028\"\n}\n"),
		[]byte(`{}`),
		[]byte("{\"x\":\t\"no newline\"}"),
	}
	var rev configmgr.Revision
	for i, want := range docs {
		rev = put(t, s, "exact", want, rev, 0)
		d := get(t, s, "exact")
		if !bytes.Equal(d.Data, want) {
			t.Fatalf("round trip %d: Get = %q; want %q", i, d.Data, want)
		}
		if d.Revision != rev {
			t.Fatalf("round trip %d: Get revision %q; Put returned %q", i, d.Revision, rev)
		}
		d.Data[0] = 'X' // the caller owns what Get returns
		if again := get(t, s, "exact"); !bytes.Equal(again.Data, want) {
			t.Fatalf("modifying Get's result changed the store: %q", again.Data)
		}
	}
}

func testCreateOnly(t *testing.T, s configmgr.Store) {
	put(t, s, "dev", []byte(`{"v":1}`), "", 5)
	_, err := s.Put(t.Context(), "dev", []byte(`{"v":2}`), configmgr.PutOptions{Keep: 5})
	if !errors.Is(err, configmgr.ErrConflict) {
		t.Fatalf("Put at the zero revision over an existing document = %v; want ErrConflict", err)
	}
	if d := get(t, s, "dev"); string(d.Data) != `{"v":1}` {
		t.Fatalf("after a refused create, Get = %s", d.Data)
	}
}

func testStaleRevision(t *testing.T, s configmgr.Store) {
	r1 := put(t, s, "dev", []byte(`{"v":1}`), "", 5)
	r2 := put(t, s, "dev", []byte(`{"v":2}`), r1, 5)
	if r1 == r2 {
		t.Fatalf("two versions share revision %q", r1)
	}
	_, err := s.Put(t.Context(), "dev", []byte(`{"v":3}`), configmgr.PutOptions{Revision: r1, Keep: 5})
	if !errors.Is(err, configmgr.ErrConflict) {
		t.Fatalf("Put with a stale revision = %v; want ErrConflict", err)
	}
	if d := get(t, s, "dev"); string(d.Data) != `{"v":2}` || d.Revision != r2 {
		t.Fatalf("after a refused Put, Get = %s @ %q; want {\"v\":2} @ %q", d.Data, d.Revision, r2)
	}
	if hs, ok := s.(configmgr.HistoryStore); ok {
		bs, err := hs.Backups(t.Context(), "dev")
		if err != nil || len(bs) != 1 {
			t.Fatalf("a refused Put took a backup: Backups = %v, %v; want 1", bs, err)
		}
	}
}

func testList(t *testing.T, s configmgr.Store) {
	envs, err := s.List(t.Context())
	if err != nil || len(envs) != 0 {
		t.Fatalf("List on an empty store = %v, %v", envs, err)
	}
	for _, env := range []string{"staging", "dev", "production", "a.b-c_d"} {
		put(t, s, env, []byte(`{}`), "", 5)
	}
	envs, err = s.List(t.Context())
	want := []string{"a.b-c_d", "dev", "production", "staging"}
	if err != nil || fmt.Sprint(envs) != fmt.Sprint(want) {
		t.Fatalf("List = %q, %v; want %q", envs, err, want)
	}
}

func testInvalidNames(t *testing.T, s configmgr.Store) {
	for _, env := range []string{"", "../x", "a/b", "a\x00b", ".hidden", "schema", "..", string(make([]byte, 129))} {
		if _, err := s.Put(t.Context(), env, []byte(`{}`), configmgr.PutOptions{}); !errors.Is(err, configmgr.ErrInvalidName) {
			t.Errorf("Put(%q) = %v; want ErrInvalidName", env, err)
		}
		if _, err := s.Get(t.Context(), env); !errors.Is(err, configmgr.ErrInvalidName) {
			t.Errorf("Get(%q) = %v; want ErrInvalidName", env, err)
		}
	}
	if envs, err := s.List(t.Context()); err != nil || len(envs) != 0 {
		t.Fatalf("invalid names were stored: List = %q, %v", envs, err)
	}
}

func testBackups(t *testing.T, s configmgr.Store) {
	hs, ok := s.(configmgr.HistoryStore)
	if !ok {
		t.Skipf("%T is not a configmgr.HistoryStore", s)
	}
	ctx := t.Context()
	var rev configmgr.Revision
	for i := range 8 {
		rev = put(t, s, "dev", fmt.Appendf(nil, `{"v":%d}`, i), rev, 3)
	}
	bs, err := hs.Backups(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 {
		t.Fatalf("after 8 writes keeping 3, Backups has %d: %v", len(bs), bs)
	}
	for i, b := range bs {
		want := fmt.Sprintf(`{"v":%d}`, 6-i) // newest first
		data, err := hs.ReadBackup(ctx, "dev", b.ID)
		if err != nil || string(data) != want {
			t.Errorf("backup %d (%s) = %q, %v; want %q", i, b.ID, data, err, want)
		}
		if b.Size != int64(len(want)) {
			t.Errorf("backup %s Size = %d; want %d", b.ID, b.Size, len(want))
		}
		if i > 0 && !(bs[i-1].Time.After(b.Time) || bs[i-1].Time.Equal(b.Time) && bs[i-1].ID > b.ID) {
			t.Errorf("Backups not newest first: %v before %v", bs[i-1], b)
		}
		if i > 0 && bs[i-1].ID == b.ID {
			t.Errorf("two backups share ID %s", b.ID)
		}
	}
	// Keep 0 takes no backup; a negative Keep keeps them all.
	rev = put(t, s, "dev", []byte(`{"v":"no backup"}`), rev, 0)
	if bs2, _ := hs.Backups(ctx, "dev"); len(bs2) != 3 {
		t.Errorf("a write with Keep 0 changed the backups: %d", len(bs2))
	}
	for i := range 5 {
		rev = put(t, s, "dev", fmt.Appendf(nil, `{"all":%d}`, i), rev, -1)
	}
	if bs3, _ := hs.Backups(ctx, "dev"); len(bs3) != 8 {
		t.Errorf("after 5 writes keeping all, Backups has %d; want 8", len(bs3))
	}
	// The first write of an environment has nothing to back up.
	put(t, s, "fresh", []byte(`{}`), "", 5)
	if bs4, _ := hs.Backups(ctx, "fresh"); len(bs4) != 0 {
		t.Errorf("creating an environment took a backup: %v", bs4)
	}
}

// testConcurrent runs goroutines that each add to one counter many times by
// compare-and-swap (and by Update, where the store has it): no increment
// may be lost.
func testConcurrent(t *testing.T, s configmgr.Store) {
	const workers, each = 4, 25
	ctx := t.Context()
	put(t, s, "counter", []byte(`0`), "", 2)
	var wg sync.WaitGroup
	errs := make(chan error, workers*2)
	for range workers {
		wg.Go(func() {
			for range each {
				for {
					d, err := s.Get(ctx, "counter")
					if err != nil {
						errs <- err
						return
					}
					n, _ := strconv.Atoi(string(d.Data))
					_, err = s.Put(ctx, "counter", strconv.AppendInt(nil, int64(n+1), 10), configmgr.PutOptions{Revision: d.Revision, Keep: 2})
					if err == nil {
						break
					}
					if !errors.Is(err, configmgr.ErrConflict) {
						errs <- err
						return
					}
				}
			}
		})
	}
	us, isUpdate := s.(configmgr.UpdateStore)
	if isUpdate {
		for range workers {
			wg.Go(func() {
				for range each {
					_, err := us.Update(ctx, "counter", configmgr.PutOptions{Keep: 2}, func(cur configmgr.Document) ([]byte, error) {
						n, _ := strconv.Atoi(string(cur.Data))
						return strconv.AppendInt(nil, int64(n+1), 10), nil
					})
					if err != nil {
						errs <- fmt.Errorf("Update: %w (an UpdateStore must not fail under contention)", err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := workers * each
	if isUpdate {
		want *= 2
	}
	if d := get(t, s, "counter"); string(d.Data) != strconv.Itoa(want) {
		t.Fatalf("counter = %s; want %d (updates were lost)", d.Data, want)
	}
	if hs, ok := s.(configmgr.HistoryStore); ok {
		if bs, _ := hs.Backups(ctx, "counter"); len(bs) != 2 {
			t.Errorf("concurrent writers keeping 2 left %d backups", len(bs))
		}
	}
	if isUpdate {
		// fn's error comes back unchanged and nothing is written.
		sentinel := errors.New("sentinel")
		_, err := us.Update(ctx, "counter", configmgr.PutOptions{Keep: 2}, func(configmgr.Document) ([]byte, error) { return nil, sentinel })
		if err != sentinel {
			t.Errorf("Update with a failing fn = %v; want the fn's error unchanged", err)
		}
	}
}

func testCancelled(t *testing.T, s configmgr.Store) {
	put(t, s, "dev", []byte(`{}`), "", 5)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Get(ctx, "dev"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context = %v", err)
	}
	if _, err := s.Put(ctx, "other", []byte(`{}`), configmgr.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v", err)
	}
	if _, err := s.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context = %v", err)
	}
	if us, ok := s.(configmgr.UpdateStore); ok {
		called := false
		_, err := us.Update(ctx, "dev", configmgr.PutOptions{}, func(configmgr.Document) ([]byte, error) { called = true; return []byte(`{"x":1}`), nil })
		if !errors.Is(err, context.Canceled) || called {
			t.Errorf("Update with a cancelled context = %v (fn called: %v)", err, called)
		}
	}
	if _, err := s.Get(t.Context(), "other"); !errors.Is(err, configmgr.ErrNotFound) {
		t.Errorf("a cancelled Put stored something: Get = %v", err)
	}
}

func testClosed(t *testing.T, s configmgr.Store) {
	put(t, s, "dev", []byte(`{}`), "", 5)
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	ctx := t.Context()
	calls := map[string]func() error{
		"Get":  func() error { _, err := s.Get(ctx, "dev"); return err },
		"Put":  func() error { _, err := s.Put(ctx, "dev", []byte(`{}`), configmgr.PutOptions{}); return err },
		"List": func() error { _, err := s.List(ctx); return err },
	}
	if us, ok := s.(configmgr.UpdateStore); ok {
		calls["Update"] = func() error {
			_, err := us.Update(ctx, "dev", configmgr.PutOptions{}, func(configmgr.Document) ([]byte, error) { return []byte(`{}`), nil })
			return err
		}
	}
	if hs, ok := s.(configmgr.HistoryStore); ok {
		calls["Backups"] = func() error { _, err := hs.Backups(ctx, "dev"); return err }
		calls["ReadBackup"] = func() error { _, err := hs.ReadBackup(ctx, "dev", "20240101_000000.000000000Z"); return err }
	}
	if ss, ok := s.(configmgr.SchemaStore); ok {
		calls["Schema"] = func() error { _, err := ss.Schema(ctx); return err }
		calls["SetSchema"] = func() error { return ss.SetSchema(ctx, []byte(`{}`)) }
	}
	if gs, ok := s.(configmgr.SchemaGuardStore); ok {
		calls["SetSchemaIf"] = func() error { return gs.SetSchemaIf(ctx, []byte(`{}`), nil) }
	}
	if is, ok := s.(configmgr.ImportStore); ok {
		calls["Import"] = func() error { return is.Import(ctx, configmgr.Snapshot{Env: "other", Data: []byte(`{}`)}) }
	}
	if ws, ok := s.(configmgr.WatchStore); ok {
		calls["Watch"] = func() error { return ws.Watch(ctx, "dev", "stale") }
	}
	if rs, ok := s.(configmgr.RetentionStore); ok {
		calls["Retention"] = func() error { _, _, err := rs.Retention(ctx); return err }
		calls["SetRetention"] = func() error { return rs.SetRetention(ctx, 3) }
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, configmgr.ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", name, err)
		}
	}
}

func testWatch(t *testing.T, s configmgr.Store) {
	ws, ok := s.(configmgr.WatchStore)
	if !ok {
		t.Skipf("%T is not a configmgr.WatchStore", s)
	}
	ctx := t.Context()
	rev := put(t, s, "dev", []byte(`{"v": 1}`), "", 5)
	within := func(what string, fn func() error) error {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- fn() }()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatalf("%s did not return within 5s", what)
			return nil
		}
	}
	// A stale revision returns at once.
	if err := within("Watch at a stale revision", func() error { return ws.Watch(ctx, "dev", "stale") }); err != nil {
		t.Fatalf("Watch at a stale revision = %v", err)
	}
	if err := within("Watch of an existing document at the zero revision", func() error { return ws.Watch(ctx, "dev", "") }); err != nil {
		t.Fatalf("Watch at the zero revision of an existing document = %v", err)
	}
	// At the current revision it blocks until a Put.
	for _, env := range []string{"dev", "new"} {
		cur := rev
		if env == "new" {
			cur = ""
		}
		done := make(chan error, 1)
		go func() { done <- ws.Watch(ctx, env, cur) }()
		select {
		case err := <-done:
			t.Fatalf("Watch(%s) at its current revision returned before any change: %v", env, err)
		case <-time.After(100 * time.Millisecond):
		}
		put(t, s, env, []byte(`{"v": 2}`), cur, 5)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Watch(%s) after a Put = %v", env, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Watch(%s) did not see a Put within 5s", env)
		}
	}
	// A cancelled context ends it with the context's error.
	doc, _ := s.Get(ctx, "dev")
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ws.Watch(cctx, "dev", doc.Revision) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Watch after its context was cancelled = %v; want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not end when its context was cancelled")
	}
}
