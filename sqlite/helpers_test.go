package sqlite_test

import (
	"database/sql"
	"testing"

	"github.com/configmgr/configmgr/sqlite"
)

func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open(sqlite.DriverName, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func setFormat(t testing.TB, path, version string) {
	if _, err := rawDB(t, path).Exec(`UPDATE meta SET value = ? WHERE key = 'format_version'`, version); err != nil {
		t.Fatal(err)
	}
}

func dropMeta(t testing.TB, path string) {
	if _, err := rawDB(t, path).Exec(`DROP TABLE meta`); err != nil {
		t.Fatal(err)
	}
}
