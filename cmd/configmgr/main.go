// Command configmgr is the operator's command line for configmgr stores:
// it lists, reads, changes, validates, diffs, restores, watches and moves
// the configuration of a set of environments, through a configmgr.Manager,
// so that every change is validated, locked, backed up and undoable as it
// is for the services themselves.
//
// Install it with
//
//	go install github.com/configmgr/configmgr/cmd/configmgr@latest
//
// and see configmgr --help, or the README's CLI section. The store is given
// as a URL with --store or CONFIGMGR_STORE:
//
//	file:config?backups=backups     JSON files (the default where ./config exists)
//	sqlite:config.db                a SQLite database
//	etcd://host:2379,host2:2379/prefix   an etcd cluster
//
// Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict, 5 invalid
// (schema, JSON, too large), 6 store unreachable; diff exits 0 when the
// versions are the same, 1 when they differ and 2 on any error, as diff(1)
// does.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit code. A panic is
// reported in one line, never as a stack trace.
// stdout and stderr are terminals if they are *os.File, or anything with
// an Fd method, on one.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "configmgr: internal error: %v\n", r)
			code = exitError
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := newApp(stdin, stdout, stderr)
	return a.execute(ctx, args)
}
