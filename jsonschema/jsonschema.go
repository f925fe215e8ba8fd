// Package jsonschema is a [configmgr.Compiler] on
// github.com/santhosh-tekuri/jsonschema/v6, a maintained JSON Schema engine
// that reads drafts 4, 6, 7, 2019-09 and 2020-12 and passes the official
// test suite. Choose it with one option:
//
//	m, err := configmgr.New("config", "backups", configmgr.WithCompiler(jsonschema.Compiler{}))
//
// A schema's "$schema" chooses its draft; one without is read as draft 7,
// as with the default engine. Formats are asserted as the default engine
// asserts them (the same checkers, for the same formats), so a document is
// checked the same whichever engine runs. "$ref"s are resolved only within
// the schema, against files in the schema's directory (never outside it),
// and against [Compiler.Resources]: never over the network.
//
// Programs that do not import this package do not compile the engine.
package jsonschema

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/configmgr/configmgr"
	v6 "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/xeipuuv/gojsonschema"
)

// Compiler compiles schemas with github.com/santhosh-tekuri/jsonschema/v6.
// Its zero value is ready to use.
type Compiler struct {
	// Resources maps the URLs of schemas that "$ref"s may name to their
	// text, so that they are found without any I/O.
	Resources map[string][]byte

	// AssertFormat makes "format" an assertion in 2019-09 and 2020-12
	// schemas too. Drafts 4 to 7 assert formats, as the default engine
	// does; from 2019-09 on "format" is only an annotation unless the
	// schema's metaschema asks for format assertion, and by default this
	// Compiler follows the draft.
	AssertFormat bool
}

var (
	_ configmgr.Compiler       = Compiler{}
	_ configmgr.SourceCompiler = Compiler{}
)

// Compile implements [configmgr.Compiler], for a schema whose "$ref"s name
// only itself and [Compiler.Resources].
func (c Compiler) Compile(schema []byte) (configmgr.Validator, error) {
	return c.CompileSource(schema, "")
}

// rootURL is the base URL of a schema that is not a file.
const rootURL = "urn:configmgr:schema"

// CompileSource implements [configmgr.SourceCompiler]: "$ref"s may also
// name files in dir, the schema's directory.
func (c Compiler) CompileSource(schema []byte, dir string) (configmgr.Validator, error) {
	comp := v6.NewCompiler()
	comp.DefaultDraft(v6.Draft7)
	if c.AssertFormat {
		comp.AssertFormat()
	}
	for _, f := range sameFormats() {
		comp.RegisterFormat(f)
	}
	loader := &loader{resources: c.Resources}
	base := rootURL
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		loader.dir = abs
		base = (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, "schema.json"))}).String()
	}
	comp.UseLoader(loader)
	doc, err := v6.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", configmgr.ErrInvalidSchema, err)
	}
	if err := comp.AddResource(base, doc); err != nil {
		return nil, fmt.Errorf("%w: %v", configmgr.ErrInvalidSchema, err)
	}
	sch, err := comp.Compile(base)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", configmgr.ErrInvalidSchema, strings.ReplaceAll(err.Error(), base, "schema"))
	}
	return &validator{sch: sch}, nil
}

// loader is the engine's only way to fetch a schema: the resources, files
// in dir, and nothing else. The drafts' own metaschemas never reach it.
type loader struct {
	resources map[string][]byte
	dir       string
}

func (l *loader) Load(u string) (any, error) {
	for _, key := range []string{u, u + "#"} {
		if data, ok := l.resources[key]; ok {
			doc, err := v6.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("resource %s: %v", u, err)
			}
			return doc, nil
		}
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "file" || l.dir == "" {
		return nil, fmt.Errorf("$ref %s: configmgr loads no schema from the network or from elsewhere: register it with Resources", u)
	}
	path := filepath.Clean(filepath.FromSlash(pu.Path))
	if rel, err := filepath.Rel(l.dir, path); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("$ref %s: outside the schema's directory %s", u, l.dir)
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		if rel, err := filepath.Rel(l.dir, real); err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("$ref %s: a link out of the schema's directory %s", u, l.dir)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("$ref %s: %w", u, err)
	}
	defer f.Close()
	return v6.UnmarshalJSON(f)
}

// sameFormats returns the engine's format checkers, made the default
// engine's: the same checks for the formats both know, on strings only,
// and none for the formats gojsonschema does not assert.
func sameFormats() []*v6.Format {
	var out []*v6.Format
	for _, name := range []string{"date", "time", "date-time", "hostname", "email", "idn-email", "ipv4", "ipv6",
		"uri", "uri-reference", "iri", "iri-reference", "uri-template", "uuid", "json-pointer", "relative-json-pointer"} {
		out = append(out, &v6.Format{Name: name, Validate: func(v any) error {
			if _, ok := v.(string); !ok || gojsonschema.FormatCheckers.IsFormat(name, v) {
				return nil
			}
			return fmt.Errorf("not a valid %s", name)
		}})
	}
	for _, name := range []string{"duration", "period", "semver"} {
		out = append(out, &v6.Format{Name: name, Validate: func(any) error { return nil }})
	}
	return out
}

type validator struct{ sch *v6.Schema }

// Validate implements [configmgr.Validator].
func (v *validator) Validate(doc []byte) ([]configmgr.Violation, error) {
	inst, err := v6.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("validate: %v", err)
	}
	err = v.sch.Validate(inst)
	if err == nil {
		return nil, nil
	}
	var ve *v6.ValidationError
	if !errors.As(err, &ve) {
		return nil, fmt.Errorf("validate: %v", err)
	}
	var out []configmgr.Violation
	seen := map[configmgr.Violation]bool{}
	add := func(path []string, msg string) {
		vi := configmgr.Violation{Pointer: pointer(path), Message: msg}
		if !seen[vi] {
			seen[vi] = true
			out = append(out, vi)
		}
	}
	collect(ve, add)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pointer != out[j].Pointer {
			return out[i].Pointer < out[j].Pointer
		}
		return out[i].Message < out[j].Message
	})
	return out, nil
}

// collect turns the engine's error tree into violations, each worded as
// the default engine words it and never quoting the offending value.
func collect(ve *v6.ValidationError, add func(path []string, msg string)) {
	loc := ve.InstanceLocation
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, p := range k.Missing {
			add(append(loc[:len(loc):len(loc)], p), "is required")
		}
		return
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			add(loc, fmt.Sprintf("property %q is not allowed", p))
		}
		return
	case *kind.Dependency:
		for _, p := range k.Missing {
			add(append(loc[:len(loc):len(loc)], p), fmt.Sprintf("is required when %q is present", k.Prop))
		}
		return
	case *kind.DependentRequired:
		for _, p := range k.Missing {
			add(append(loc[:len(loc):len(loc)], p), fmt.Sprintf("is required when %q is present", k.Prop))
		}
		return
	case *kind.Type:
		add(loc, fmt.Sprintf("must be of type %s, not %s", strings.Join(k.Want, " or "), k.Got))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonText(w)
		}
		add(loc, "must be one of "+strings.Join(want, ", "))
	case *kind.Const:
		add(loc, "must equal the constant the schema sets")
	case *kind.Format:
		add(loc, fmt.Sprintf("does not match format %q", k.Want))
	case *kind.Minimum:
		add(loc, "must be greater than or equal to "+ratText(k.Want))
	case *kind.Maximum:
		add(loc, "must be less than or equal to "+ratText(k.Want))
	case *kind.ExclusiveMinimum:
		add(loc, "must be greater than "+ratText(k.Want))
	case *kind.ExclusiveMaximum:
		add(loc, "must be less than "+ratText(k.Want))
	case *kind.MultipleOf:
		add(loc, "must be a multiple of "+ratText(k.Want))
	case *kind.MinLength:
		add(loc, fmt.Sprintf("string length must be greater than or equal to %d", k.Want))
	case *kind.MaxLength:
		add(loc, fmt.Sprintf("string length must be less than or equal to %d", k.Want))
	case *kind.Pattern:
		add(loc, fmt.Sprintf("does not match pattern %q", k.Want))
	case *kind.MinItems:
		add(loc, fmt.Sprintf("array must have at least %d items", k.Want))
	case *kind.MaxItems:
		add(loc, fmt.Sprintf("array must have at most %d items", k.Want))
	case *kind.MinProperties:
		add(loc, fmt.Sprintf("must have at least %d properties", k.Want))
	case *kind.MaxProperties:
		add(loc, fmt.Sprintf("must have at most %d properties", k.Want))
	case *kind.UniqueItems:
		add(loc, fmt.Sprintf("array items must be unique (items %d and %d are equal)", k.Duplicates[0], k.Duplicates[1]))
	case *kind.AnyOf:
		add(loc, "must match at least one of the schemas in anyOf")
		return
	case *kind.OneOf:
		add(loc, "must match exactly one of the schemas in oneOf")
		return
	case *kind.Not:
		add(loc, "must not match the schema in not")
		return
	case *kind.FalseSchema:
		add(loc, "is not allowed here (the schema is false)")
		return
	case *kind.AdditionalItems:
		add(loc, fmt.Sprintf("the last %d items are not allowed", k.Count))
		return
	case *kind.PropertyNames:
		add(loc, fmt.Sprintf("property name %q does not match propertyNames", k.Property))
		return
	case *kind.Contains, *kind.MinContains, *kind.MaxContains:
		add(loc, "does not contain the items that contains asks for")
		return
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference:
		// containers: the causes say what is wrong
	default:
		if len(ve.Causes) == 0 {
			add(loc, fmt.Sprintf("fails the schema's %s", strings.Join(ve.ErrorKind.KeywordPath(), "/")))
		}
	}
	for _, c := range ve.Causes {
		collect(c, add)
	}
}

func pointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
