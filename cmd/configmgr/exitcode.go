package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/etcd"
)

// The exit codes, as --help and the README list them.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitConflict    = 4
	exitInvalid     = 5
	exitUnreachable = 6
)

const exitCodesHelp = `Exit codes:
  0  ok
  1  error
  2  usage
  3  not found (environment, backup, value)
  4  conflict (the document changed since --if-revision, or since edit read it)
  5  invalid (schema, JSON, too large)
  6  store unreachable
diff exits 0 when the versions are the same, 1 when they differ and 2 on an error, as diff(1) does.`

// usageError is a mistake in the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// unreachableError is a store that could not be opened or reached.
type unreachableError struct {
	err error
	msg string // if set, the message in place of err's
}

func (e unreachableError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return e.err.Error()
}
func (e unreachableError) Unwrap() error { return e.err }

// codeError carries an exit code of its own, with or without a message
// (diff's 1, a cancelled restore).
type codeError struct {
	code int
	err  error // nil: nothing to print
}

func (e codeError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e codeError) Unwrap() error { return e.err }

// exitCode maps an error to the exit code the README documents.
func exitCode(err error) int {
	var ce codeError
	var ue usageError
	var ve *configmgr.ValidationError
	var de *configmgr.DecodeError
	var sce *configmgr.SchemaChangeError
	var dke *configmgr.DuplicateKeyError
	var re unreachableError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue), errors.Is(err, configmgr.ErrInvalidName):
		return exitUsage
	case errors.As(err, &re), errors.Is(err, etcd.ErrUnavailable), errors.Is(err, configmgr.ErrStale):
		return exitUnreachable
	case errors.Is(err, configmgr.ErrConflict):
		return exitConflict
	case errors.Is(err, configmgr.ErrNotFound):
		return exitNotFound
	case errors.As(err, &ve), errors.As(err, &de), errors.As(err, &sce), errors.As(err, &dke),
		errors.Is(err, configmgr.ErrTooLarge), errors.Is(err, configmgr.ErrNotObject),
		errors.Is(err, configmgr.ErrInvalidSchema), errors.Is(err, errInvalidJSON):
		return exitInvalid
	case errors.Is(err, context.DeadlineExceeded):
		return exitUnreachable
	}
	return exitError
}

// printError writes err to w, each line of it prefixed once with
// "configmgr: ": one line per error, no stack trace.
func printError(w io.Writer, err error) {
	msg := err.Error()
	if msg == "" {
		return
	}
	if !strings.HasPrefix(msg, "configmgr") {
		msg = "configmgr: " + msg
	}
	fmt.Fprintln(w, msg)
}
