package configmgr

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. They are always returned wrapped; test for them with
// [errors.Is].
var (
	// ErrNotFound reports that an environment, a backup or a schema does
	// not exist.
	ErrNotFound = errors.New("configmgr: not found")

	// ErrConflict reports that a conditional write found a revision other
	// than the one it expected: the document changed since it was read.
	ErrConflict = errors.New("configmgr: revision conflict")

	// ErrClosed reports a call on a Manager or Store after Close.
	ErrClosed = errors.New("configmgr: closed")

	// ErrInvalidName reports an environment name or backup ID that is not
	// allowed (see [ValidName]). No file is touched when it is returned.
	ErrInvalidName = errors.New("configmgr: invalid name")

	// ErrTooLarge reports a document larger than the limit set with
	// [WithMaxSize].
	ErrTooLarge = errors.New("configmgr: document too large")

	// ErrNotObject reports a document, or a value given to a write, whose
	// top level is not a JSON object.
	ErrNotObject = errors.New("configmgr: top level is not a JSON object")

	// ErrRejected reports a new version of a watched document that does not
	// parse or validate: the [Live] keeps serving the last good one.
	ErrRejected = errors.New("configmgr: new version rejected, keeping the last good one")

	// ErrInvalidSchema reports a schema that is missing its object form,
	// is not valid JSON, or does not compile.
	ErrInvalidSchema = errors.New("configmgr: invalid schema")
)

// DecodeError reports a document that could not be parsed or decoded.
//
// Source names what was being decoded (a file path, an environment name,
// or a backup). Line and Column are 1-based and are zero when unknown; Key
// is the dotted Go field path when decoding into a struct failed on a
// particular field.
type DecodeError struct {
	Source string
	Key    string
	Line   int
	Column int
	Err    error
}

// Error returns "configmgr: decode SOURCE:LINE:COLUMN (key KEY): reason".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("configmgr: decode ")
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, " (key %q)", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "configmgr: "))
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
	// Source names the document: an environment, or a backup.
	Source     string
	Violations []Violation
}

// Error lists every violation.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "configmgr: %s does not match the schema: ", e.Source)
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}
