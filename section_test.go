package configmgr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// TestLoadSection decodes one section by JSON Pointer, with its defaults,
// as viper's UnmarshalKey does; loading a section struct from the whole
// document would give zeros.
func TestLoadSection(t *testing.T) {
	m, _, _ := newManager(t, true)
	var db struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		PoolSize int    `json:"pool_size"`
	}
	if err := m.LoadSection("production", "/database", &db); err != nil || db.Host != "prod-db.internal" || db.Port != 5432 || db.PoolSize != 10 {
		t.Fatalf("LoadSection(/database) = %+v, %v; want the host, the port and the default pool size 10", db, err)
	}
	if err := m.Update("production", map[string]any{"cache": nil}); err != nil {
		t.Fatal(err)
	}
	var cache struct {
		TTL     int `json:"ttl"`
		MaxSize int `json:"max_size"`
	}
	if err := m.LoadSection("production", "/cache", &cache); err != nil || cache.TTL != 3600 || cache.MaxSize != 1000 {
		t.Fatalf("LoadSection of an absent section with defaults = %+v, %v", cache, err)
	}
	if err := m.LoadSection("production", "/nothing/here", &cache); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("LoadSection of a missing section = %v; want ErrNotFound", err)
	}
	// The keys of a section are checked as Load checks the whole.
	if err := m.Update("production", map[string]any{"database": map[string]any{"Port": 99999}}); err != nil {
		t.Fatal(err)
	}
	var de *configmgr.DecodeError
	if err := m.LoadSection("production", "/database", &db); !errors.As(err, &de) || de.Key != "database.Port" {
		t.Fatalf("LoadSection with a key that differs from a field only by case = %v; want a *DecodeError for database.Port", err)
	}
}

// TestWatchInit: Go defaults given with WithInit stand where the document
// says nothing, in the first version and in every reload, and Live.Origin
// reports them as defaults.
func TestWatchInit(t *testing.T) {
	m, _, _ := newManager(t, true)
	type cfg struct {
		Environment string         `json:"environment"`
		Region      string         `json:"region"` // not in the document or the schema
		Zones       map[string]int `json:"zones"`
	}
	l, err := configmgr.Watch[cfg](t.Context(), m, "dev", configmgr.WithInit(func(c *cfg) {
		c.Environment = "unset" // the document's value wins
		c.Region = "eu-west-1"
		c.Zones = map[string]int{"a": 1}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := *l.Latest(); got.Region != "eu-west-1" || got.Environment != "development" {
		t.Fatalf("first version = %+v", got)
	}
	for pointer, want := range map[string]string{
		"/region": "default WithInit", "/zones/a": "default WithInit", "/zones": "default WithInit",
		"/environment": "store", "/cache/ttl": "store",
	} {
		if o, err := l.Origin(t.Context(), pointer); err != nil || o.String() != want {
			t.Errorf("Origin(%s) = %v, %v; want %s", pointer, o, err, want)
		}
	}
	for _, pointer := range []string{"/zones/b", "/nothing", "/region/x"} {
		if o, err := l.Origin(t.Context(), pointer); !errors.Is(err, configmgr.ErrNotFound) {
			t.Errorf("Origin(%s) = %v, %v; want ErrNotFound", pointer, o, err)
		}
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	v, err := l.Next(ctx)
	if err != nil || v.Region != "eu-west-1" {
		t.Fatalf("after a reload = %+v, %v", v, err)
	}
}
