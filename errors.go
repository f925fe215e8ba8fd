package configmgr

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. They are always returned wrapped, in an *[OpError] that
// names the call; test for them with [errors.Is]. Like io/fs's, their texts
// carry no prefix of their own.
var (
	// ErrNotFound reports that an environment, a backup or a schema does
	// not exist.
	ErrNotFound = errors.New("not found")

	// ErrConflict reports that a conditional write found a revision other
	// than the one it expected: the document changed since it was read.
	ErrConflict = errors.New("revision conflict")

	// ErrClosed reports a call on a Manager or Store after Close.
	ErrClosed = errors.New("closed")

	// ErrInvalidName reports an environment name or backup ID that is not
	// allowed (see [ValidName]). No file is touched when it is returned.
	ErrInvalidName = errors.New("invalid name")

	// ErrTooLarge reports a document larger than the limit set with
	// [WithMaxSize].
	ErrTooLarge = errors.New("document too large")

	// ErrNotObject reports a document, or a value given to a write, whose
	// top level is not a JSON object.
	ErrNotObject = errors.New("top level is not a JSON object")

	// ErrRejected reports a new version of a watched document that does not
	// parse or validate: the [Live] keeps serving the last good one.
	ErrRejected = errors.New("new version rejected, keeping the last good one")

	// ErrReadOnly reports a write to a Manager opened with [WithReadOnly].
	ErrReadOnly = errors.New("read-only: this Manager was opened WithReadOnly")

	// ErrSchemaChanged reports a write refused because the store's schema
	// is no longer the one the document was validated against (see
	// [SchemaGuardStore]). A Manager reloads the schema and tries again, so
	// callers see it only from a store used on its own.
	ErrSchemaChanged = errors.New("the schema changed")

	// ErrInvalidSchema reports a schema that is missing its object form,
	// is not valid JSON, or does not compile.
	ErrInvalidSchema = errors.New("invalid schema")
)

// OpError reports a failed call: which call, on which environment, and
// why. Every error a [Manager] returns is one (except the error of an
// [Manager.UpdateFunc] function, returned unchanged), and so is every error
// a [FileStore] method returns; store packages such as sqlite make theirs
// with [NewStoreError]. Err holds the cause, with the place (a file path
// with line and column, or a database and environment) where it is known.
//
// When a Manager passes on an error of its store, its OpError replaces the
// store's, so that a message names the user's call ("load"), never the
// store's ("get"), and starts with "configmgr:" once.
type OpError struct {
	Op  string // the call, such as "load", "update" or "restore"
	Env string // the environment, or "" for a call on none
	Err error
	pkg string // the prefix; "" for configmgr
}

// NewStoreError returns the *[OpError] of a store package: its message
// starts with pkg (such as "sqlite") and names the store's method op. A
// Manager replaces it with its own when it passes the error on.
func NewStoreError(pkg, op, env string, err error) *OpError {
	if pkg == "configmgr" {
		pkg = ""
	}
	return &OpError{Op: op, Env: env, Err: err, pkg: pkg}
}

// Error returns "configmgr: OP ENV: cause".
func (e *OpError) Error() string {
	pkg := e.pkg
	if pkg == "" {
		pkg = "configmgr"
	}
	var b strings.Builder
	b.WriteString(pkg)
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.Env != "" {
		b.WriteByte(' ')
		b.WriteString(e.Env)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// opError wraps err for the call op on env, replacing a store's OpError at
// its top, and returns nil for a nil err.
func opError(op, env string, err error) error {
	if err == nil {
		return nil
	}
	return &OpError{Op: op, Env: env, Err: cause(err)}
}

// cause returns err less the OpError of a store's call at its top.
func cause(err error) error {
	if oe, ok := err.(*OpError); ok {
		return oe.Err
	}
	return err
}

// ConflictError is an error wrapping [ErrConflict] that also carries the
// document a compare-and-swap store found in place of the expected one, so
// that the caller can try again without reading it. Stores return it where
// the failed swap hands them the current document at no cost.
type ConflictError struct {
	// Current is the stored document (the zero Document if there is none).
	Current Document
}

// Error returns "revision conflict: the document changed meanwhile".
func (e *ConflictError) Error() string {
	return ErrConflict.Error() + ": the document changed meanwhile"
}

// Unwrap returns [ErrConflict].
func (e *ConflictError) Unwrap() error { return ErrConflict }

// DecodeError reports a document that could not be parsed or decoded.
//
// Source names what was being decoded: a file path, a database and
// environment ("config.db[dev]"), or a backup. Line and Column are 1-based
// and are zero when unknown; Key is the dotted path of the key whose value
// could not be decoded into a struct.
type DecodeError struct {
	Source string
	Key    string
	Line   int
	Column int
	Err    error
}

// Error returns "SOURCE:LINE:COLUMN: reason", or "SOURCE: key KEY: reason".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": key %q", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Violation is one way in which a document fails its schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON Pointer of the offending value ("" for
	// the whole document). For a missing required property it points at
	// the property that is missing.
	Pointer string
	// Message says what is wrong, without repeating the offending value.
	Message string
}

// String returns "POINTER: MESSAGE", with "/" for the whole document.
func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + v.Message
}

// ValidationError reports every violation of the schema found in a
// document, sorted by Pointer. Nothing was written when a write returns it.
type ValidationError struct {
	// Source names the document: where it is stored (a file path, a
	// database and environment), "the new version of" that for a write, or
	// a backup.
	Source     string
	Violations []Violation
}

// Error lists every violation.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s does not match the schema: ", e.Source)
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}
