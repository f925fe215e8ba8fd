package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/configmgr/configmgr/sqlite"
)

// TestCrossDriver: a database written by this build's driver opens and
// works with the other driver (modernc.org/sqlite when cgo is on,
// github.com/mattn/go-sqlite3 when it is off), and the other way round.
func TestCrossDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with the go command; skipped in -short")
	}
	other, cgo := "modernc.org/sqlite", "CGO_ENABLED=0"
	if sqlite.Driver == "modernc.org/sqlite" {
		other, cgo = "github.com/mattn/go-sqlite3", "CGO_ENABLED=1"
	}
	helper := func(args ...string) {
		t.Helper()
		out := goRun(t, []string{cgo}, append([]string{"./testdata/crossdriver"}, args...)...)
		if strings.TrimSpace(out) != other {
			t.Fatalf("the helper used %q; want %s", out, other)
		}
	}

	// Written here, changed there, read here.
	m, path := newManager(t)
	m.Close()
	helper("update", path)
	m2, err := sqlite.New(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if ttl := ttlOf(t, m2); ttl != 4242 {
		t.Fatalf("after the other driver's update, ttl = %d", ttl)
	}
	if bs, err := m2.Backups("dev"); err != nil || len(bs) != 1 {
		t.Fatalf("backups after the other driver's update: %d, %v", len(bs), err)
	}
	var check string
	if err := rawDB(t, path).QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}

	// Made there, changed here.
	made := filepath.Join(t.TempDir(), "other.db")
	helper("create", made, "../testdata/config/schema.json")
	m3, err := sqlite.New(made)
	if err != nil {
		t.Fatal(err)
	}
	defer m3.Close()
	if err := m3.Update("dev", map[string]any{"cache": map[string]any{"ttl": 7}}); err != nil {
		t.Fatal(err)
	}
	if ttl := ttlOf(t, m3); ttl != 7 {
		t.Fatalf("ttl = %d", ttl)
	}
}
