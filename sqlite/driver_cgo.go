//go:build cgo

package sqlite

import (
	"errors"
	"fmt"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Driver is the import path of the database/sql driver this build uses:
// github.com/mattn/go-sqlite3 (cgo) when cgo is on, modernc.org/sqlite
// (pure Go) when it is off. Both write the same file format.
const Driver = "github.com/mattn/go-sqlite3"

const driverName = "sqlite3"

// params returns the DSN parameters for the connection settings.
func params(busy time.Duration, synchronous string, wal bool) string {
	p := fmt.Sprintf("?_txlock=immediate&_busy_timeout=%d&_synchronous=%s", busy.Milliseconds(), synchronous)
	if wal {
		p += "&_journal_mode=WAL"
	}
	return p
}

// errorCode returns the primary SQLite result code of a driver error.
func errorCode(err error) (int, bool) {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return int(se.Code), true
	}
	return 0, false
}
