package configmgr

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"
)

// Compiler compiles a JSON Schema into a [Validator]. The Manager compiles
// its schema once, when it is opened. Set one with [WithCompiler]; the
// default is [GoJSONSchema].
type Compiler interface {
	Compile(schema []byte) (Validator, error)
}

// SourceCompiler is a [Compiler] that can resolve a schema's "$ref"s to
// files in the schema's directory. The Manager calls CompileSource, with
// the configuration directory of a [FileStore] and "" for other stores,
// when its Compiler has it. "$ref"s must never reach outside dir, nor the
// network.
type SourceCompiler interface {
	Compiler
	CompileSource(schema []byte, dir string) (Validator, error)
}

// Validator checks a document against a compiled schema. Validate returns
// every violation, sorted by Pointer, or none if doc is valid; its error is
// for a failure of the validator itself. doc is a whole JSON document, parsed
// and checked by the Manager already. A Validator must be safe for
// concurrent use.
type Validator interface {
	Validate(doc []byte) ([]Violation, error)
}

// GoJSONSchema is the default [Compiler], built on
// github.com/xeipuuv/gojsonschema. It reads drafts 4, 6 and 7; a schema
// without "$schema" is read as draft 7. A 2019-09 or 2020-12 schema is
// refused, naming the option that reads it (the jsonschema package).
//
// Resources maps the URLs of schemas that the compiled schema refers to
// with "$ref" to their text. A "$ref" is resolved only within the schema,
// to Resources, to the drafts' own metaschemas, and (through
// [SourceCompiler]) to files in the schema's directory; any other "$ref",
// such as one to a URL on the network or to a file outside that
// directory, is refused when the schema is compiled, naming it. Nothing
// is ever fetched from the network.
type GoJSONSchema struct {
	Resources map[string][]byte
}

var _ SourceCompiler = GoJSONSchema{}

// Compile implements [Compiler].
func (c GoJSONSchema) Compile(schema []byte) (Validator, error) {
	return c.CompileSource(schema, "")
}

// CompileSource implements [SourceCompiler].
func (c GoJSONSchema) CompileSource(schema []byte, dir string) (Validator, error) {
	if d := laterDraft(schema); d != "" {
		return nil, fmt.Errorf("%w: the schema is draft %s, which gojsonschema does not read (it reads drafts 4, 6 and 7): use configmgr.WithCompiler(jsonschema.Compiler{}), from github.com/configmgr/configmgr/jsonschema", ErrInvalidSchema, d)
	}
	refs := refChecker{resources: c.Resources, dir: dir, files: map[string][]byte{}}
	base := refs.rootURL()
	if err := refs.check(schema, base); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	sl.AutoDetect = true
	add := func(docs map[string][]byte) error {
		urls := make([]string, 0, len(docs))
		for u := range docs {
			urls = append(urls, u)
		}
		sort.Strings(urls)
		for _, u := range urls {
			if err := sl.AddSchema(u, gojsonschema.NewBytesLoader(docs[u])); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrInvalidSchema, u, err)
			}
		}
		return nil
	}
	if err := add(c.Resources); err != nil {
		return nil, err
	}
	if err := add(refs.files); err != nil {
		return nil, err
	}
	var s *gojsonschema.Schema
	var err error
	if dir != "" {
		if err := sl.AddSchema(base, gojsonschema.NewBytesLoader(schema)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
		}
		s, err = sl.Compile(gojsonschema.NewReferenceLoader(base))
	} else {
		s, err = sl.Compile(gojsonschema.NewBytesLoader(schema))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	return &goValidator{schema: s}, nil
}

// laterDraft returns "2019-09" or "2020-12" if the schema's "$schema"
// names one of those drafts.
func laterDraft(schema []byte) string {
	var top struct {
		Schema string `json:"$schema"`
	}
	if json.Unmarshal(schema, &top) != nil {
		return ""
	}
	for _, d := range []string{"2019-09", "2020-12"} {
		if strings.Contains(top.Schema, "/draft/"+d+"/") {
			return d
		}
	}
	return ""
}

type goValidator struct {
	schema *gojsonschema.Schema
}

// ctxSep joins the path elements of a gojsonschema error context. It is a
// control character, so it is rare in keys; resolvePath settles any
// ambiguity against the document itself.
const ctxSep = "\x1f"

// valueValidator is a Validator that can also check a document already
// parsed (as plain makes it: map[string]any, []any, string, json.Number,
// bool, nil), sparing the second parse of a write or a first read; doc is
// its text, for the places of violations.
type valueValidator interface {
	validateValue(value any, doc []byte) ([]Violation, error)
}

func (v *goValidator) Validate(doc []byte) ([]Violation, error) {
	return v.validate(gojsonschema.NewBytesLoader(doc), doc)
}

func (v *goValidator) validateValue(value any, doc []byte) ([]Violation, error) {
	return v.validate(valueLoader{value}, doc)
}

// valueLoader hands gojsonschema a parsed document: gojsonschema decodes
// documents into exactly the values plain makes.
type valueLoader struct{ value any }

func (l valueLoader) JsonSource() any        { return l.value }
func (l valueLoader) LoadJSON() (any, error) { return l.value, nil }
func (l valueLoader) LoaderFactory() gojsonschema.JSONLoaderFactory {
	return gojsonschema.DefaultJSONLoaderFactory{}
}
func (l valueLoader) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}

func (v *goValidator) validate(loader gojsonschema.JSONLoader, doc []byte) ([]Violation, error) {
	res, err := v.schema.Validate(loader)
	if err != nil {
		return nil, fmt.Errorf("validate: %v", err)
	}
	if res.Valid() {
		return nil, nil
	}
	var tree any
	var out []Violation
	seen := map[Violation]bool{}
	for _, re := range res.Errors() {
		var path []string
		if ctx := re.Context(); ctx != nil {
			s := strings.TrimPrefix(ctx.String(ctxSep), "(root)")
			s = strings.TrimPrefix(s, ctxSep)
			if s != "" {
				if tree == nil {
					tree, _ = parseDocument(doc, "", false)
				}
				path = resolvePath(tree, s)
			}
		}
		if prop, ok := re.Details()["property"].(string); ok && re.Type() == "required" {
			path = append(path, prop)
		}
		vi := Violation{Pointer: pointerOf(path), Message: message(re)}
		if !seen[vi] {
			seen[vi] = true
			out = append(out, vi)
		}
	}
	sortViolations(out)
	return out, nil
}

func sortViolations(vs []Violation) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Pointer != vs[j].Pointer {
			return vs[i].Pointer < vs[j].Pointer
		}
		return vs[i].Message < vs[j].Message
	})
}

// message describes a gojsonschema error without the offending value, which
// may be a secret.
func message(re gojsonschema.ResultError) string {
	switch re.Type() {
	case "required":
		return "is required"
	case "invalid_type":
		return fmt.Sprintf("must be of type %v, not %v", re.Details()["expected"], re.Details()["given"])
	case "enum":
		return "must be one of " + fmt.Sprint(re.Details()["allowed"])
	case "const":
		return "must equal the constant the schema sets"
	case "additional_property_not_allowed":
		return fmt.Sprintf("property %q is not allowed", re.Details()["property"])
	}
	d := re.Description()
	if d == "" {
		d = re.Type()
	}
	return strings.ToLower(d[:1]) + d[1:]
}

// resolvePath splits a context string of path elements joined by ctxSep
// into the elements, using the document to tell a separator from a key
// that contains one.
func resolvePath(tree any, s string) []string {
	if p, ok := walk(tree, s); ok {
		return p
	}
	return strings.Split(s, ctxSep)
}

func walk(v any, s string) ([]string, bool) {
	switch v := v.(type) {
	case *object:
		// Prefer the longest key that matches, then shorter ones.
		for i := len(s); i >= 0; i-- {
			if i < len(s) && !strings.HasPrefix(s[i:], ctxSep) {
				continue
			}
			k := s[:i]
			child, ok := v.get(k)
			if !ok {
				continue
			}
			if i == len(s) {
				return []string{k}, true
			}
			if rest, ok := walk(child, s[i+len(ctxSep):]); ok {
				return append([]string{k}, rest...), true
			}
		}
	case []any:
		head, tail, more := strings.Cut(s, ctxSep)
		var n int
		if _, err := fmt.Sscan(head, &n); err != nil || n < 0 || n >= len(v) {
			return nil, false
		}
		if !more {
			return []string{head}, true
		}
		if rest, ok := walk(v[n], tail); ok {
			return append([]string{head}, rest...), true
		}
	}
	return nil, false
}

// compileSchema checks that schema, kept at source, is a JSON object and
// compiles it.
func compileSchema(c Compiler, schema []byte, source, dir string) (Validator, map[string]any, error) {
	tree, err := parseDocument(schema, source, false)
	if err != nil {
		return nil, nil, &schemaError{err: err}
	}
	obj, ok := plain(tree).(map[string]any)
	if !ok {
		if b, isBool := tree.(bool); !isBool || !b {
			return nil, nil, &schemaError{source: source, err: errors.New("top level is not a JSON object")}
		}
		obj = map[string]any{}
	}
	var v Validator
	if sc, ok := c.(SourceCompiler); ok {
		v, err = sc.CompileSource(schema, dir)
	} else {
		v, err = c.Compile(schema)
	}
	if err != nil {
		return nil, nil, &schemaError{source: source, err: err}
	}
	return v, obj, nil
}

// schemaError reports a schema that does not compile, as "invalid schema:
// SOURCE: why", wrapping ErrInvalidSchema and the compiler's error.
type schemaError struct {
	source string // "" if err names it already
	err    error
}

func (e *schemaError) Error() string {
	msg := strings.TrimPrefix(e.err.Error(), ErrInvalidSchema.Error()+": ")
	if e.source == "" {
		return ErrInvalidSchema.Error() + ": " + msg
	}
	return ErrInvalidSchema.Error() + ": " + e.source + ": " + msg
}

func (e *schemaError) Unwrap() []error { return []error{ErrInvalidSchema, e.err} }
