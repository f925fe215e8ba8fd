package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

const managerSchema = `{"type": "object", "properties": {
  "port": {"type": "integer", "minimum": 1, "maximum": 65535},
  "pool": {"type": "integer", "default": 10},
  "password": {"type": "string", "writeOnly": true}}}`

// testManager opens a Manager over the store and drives every Manager
// call through it.
func testManager(t *testing.T, s configmgr.Store) {
	ctx := t.Context()
	m, err := configmgr.Open(s, configmgr.WithSchema([]byte(managerSchema)))
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer m.Close()
	if err := m.Write("dev", map[string]any{"port": 8080, "password": "p1"}); err != nil {
		t.Fatalf("Write = %v", err)
	}
	var cfg struct {
		Port, Pool int
	}
	if err := m.Load("dev", &cfg); err != nil || cfg.Port != 8080 || cfg.Pool != 10 {
		t.Fatalf("Load = %+v, %v", cfg, err)
	}
	if err := m.Update("dev", map[string]any{"port": 8081}); err != nil {
		t.Fatalf("Update = %v", err)
	}
	var ve *configmgr.ValidationError
	if err := m.Update("dev", map[string]any{"port": 70000}); !errors.As(err, &ve) {
		t.Fatalf("an invalid Update = %v; want a *ValidationError", err)
	}
	if err := m.UpdateFunc("dev", func(c map[string]any) error { c["port"] = 8082; return nil }); err != nil {
		t.Fatalf("UpdateFunc = %v", err)
	}
	doc, rev, err := m.ReadRevision("dev")
	if err != nil || doc["port"] != json.Number("8082") {
		t.Fatalf("ReadRevision = %v, %v", doc, err)
	}
	if err := m.CompareAndWrite("dev", rev, map[string]any{"port": 8083, "password": "p2"}); err != nil {
		t.Fatalf("CompareAndWrite = %v", err)
	}
	if err := m.CompareAndWrite("dev", rev, map[string]any{"port": 8084}); !errors.Is(err, configmgr.ErrConflict) {
		t.Fatalf("CompareAndWrite at a stale revision = %v; want ErrConflict", err)
	}
	if _, ok := s.(configmgr.HistoryStore); ok {
		bs, err := m.Backups("dev")
		if err != nil || len(bs) != 3 {
			t.Fatalf("Backups = %d, %v; want 3", len(bs), err)
		}
		changes, err := m.Diff("dev", bs[0].ID, "")
		if err != nil || len(changes) != 2 {
			t.Fatalf("Diff = %v, %v; want port and password", changes, err)
		}
		for _, c := range changes {
			if c.Pointer == "/password" && (c.Old != configmgr.Redacted || c.New != configmgr.Redacted) {
				t.Fatalf("Diff shows the secret: %v", c)
			}
		}
		if err := m.Restore("dev", bs[0].ID); err != nil {
			t.Fatalf("Restore = %v", err)
		}
		if doc, _ := m.Read("dev"); doc["port"] != json.Number("8082") {
			t.Fatalf("after Restore, port = %v; want 8082", doc["port"])
		}
	}
	// Watch sees a write through another Manager on the same store.
	other, err := configmgr.Open(s, configmgr.WithSchema([]byte(managerSchema)))
	if err != nil {
		t.Fatal(err)
	}
	type live struct {
		Port int `json:"port"`
	}
	l, err := configmgr.Watch[live](ctx, m, "dev", configmgr.WithPollInterval(20*time.Millisecond))
	if err != nil {
		t.Fatalf("Watch = %v", err)
	}
	defer l.Close()
	if err := other.Update("dev", map[string]any{"port": 9000}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		v, err := l.Next(wctx)
		if err != nil {
			t.Fatalf("Live.Next = %v", err)
		}
		if v.Port == 9000 {
			break
		}
	}
	// Migrate out to a MemStore and back into a fresh one of the same.
	if _, ok := s.(configmgr.HistoryStore); ok {
		mem := NewMemStore()
		if _, err := configmgr.Migrate(ctx, mem, s); err != nil {
			t.Fatalf("Migrate out = %v", err)
		}
		r, err := configmgr.Migrate(ctx, s, mem)
		if err != nil || len(r.Unchanged) != 1 {
			t.Fatalf("Migrate back = %v, %v; want dev unchanged", r, err)
		}
	}
}
