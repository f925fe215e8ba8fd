package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// writer is the Store's connection for writes, with its statements
// prepared once on it. SQLite lets one writer in at a time, so a process
// loses nothing by keeping one connection for them; keeping it lets the
// statements stay compiled, and lets a write run its transaction as plain
// BEGIN IMMEDIATE and COMMIT statements, without the goroutine that
// database/sql starts for every transaction and for every query in one.
//
// Holding the writer (taking it from Store.writer) is this process's turn
// to write.
type writer struct {
	conn  *sql.Conn // nil until the first write, and after a failed one
	stmts map[string]*sql.Stmt
}

// txn is a write transaction on the writer's connection. Its statements
// run without the write's context, which is checked before each: none of
// them waits for a lock, since BEGIN IMMEDIATE took the database's write
// lock, so each runs only as long as its data takes, and a context
// cancelled meanwhile stops the write at the next statement.
type txn struct {
	w   *writer
	ctx context.Context
}

// stmt returns query's statement, prepared on the connection at its first
// use.
func (t txn) stmt(query string) (*sql.Stmt, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	st, ok := t.w.stmts[query]
	if !ok {
		var err error
		if st, err = t.w.conn.PrepareContext(context.Background(), query); err != nil {
			return nil, err
		}
		t.w.stmts[query] = st
	}
	return st, nil
}

// exec runs a statement.
func (t txn) exec(query string, args ...any) error {
	st, err := t.stmt(query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(context.Background(), args...)
	return err
}

// queryRow runs a query for one row.
func (t txn) queryRow(query string, args ...any) rowScanner {
	st, err := t.stmt(query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(context.Background(), args...)
}

// query runs a query.
func (t txn) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(context.Background(), args...)
}

// script runs statements that are run once, such as the tables' DDL,
// without keeping them prepared.
func (t txn) script(statements string) error {
	if err := t.ctx.Err(); err != nil {
		return err
	}
	_, err := t.w.conn.ExecContext(context.Background(), statements)
	return err
}

type rowScanner interface{ Scan(dest ...any) error }

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// write runs fn in a BEGIN IMMEDIATE transaction, waiting for the
// database's write lock as long as ctx allows. Its errors are the
// driver's, or ctx's, or fn's: the caller maps them with driverError.
func (s *Store) write(ctx context.Context, fn func(t txn) error) error {
	var w *writer
	select {
	case w = <-s.writer:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() {
		if s.closed.Load() {
			w.close()
		}
		s.writer <- w
	}()
	if w.conn == nil {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		w.conn, w.stmts = conn, map[string]*sql.Stmt{}
	}
	t := txn{w, ctx}
	for {
		err := t.exec("BEGIN IMMEDIATE")
		if err != nil && isBusy(err) {
			continue // SQLite's busy handler waited busyPoll already
		}
		if err != nil {
			if ctx.Err() == nil {
				w.close() // a connection that cannot begin is of no more use
			}
			return err
		}
		if err := fn(t); err != nil {
			w.rollback()
			return err
		}
		if err := t.exec("COMMIT"); err != nil {
			w.rollback()
			if isBusy(err) {
				continue
			}
			return err
		}
		return nil
	}
}

// rollback ends the connection's transaction. If it cannot (SQLite may
// have rolled back already, after an I/O error or a full disk), the
// connection is dropped, so that the next write starts on a new one in a
// known state.
func (w *writer) rollback() {
	if _, err := w.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		w.close()
	}
}

// close closes the connection and its statements, if open, discarding the
// connection rather than returning it to the pool.
func (w *writer) close() {
	if w.conn == nil {
		return
	}
	for _, st := range w.stmts {
		st.Close()
	}
	w.conn.Raw(func(any) error { return driver.ErrBadConn })
	w.conn.Close()
	w.conn, w.stmts = nil, nil
}
