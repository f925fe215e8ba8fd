package configmgr

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// refChecker checks, before an engine sees a schema, that every "$ref" in
// it names the schema itself, a registered resource, a draft's metaschema,
// or a file in the schema's directory, which it reads for the engine; so
// that no engine ever goes to the network, or outside the directory,
// because a schema said so.
type refChecker struct {
	resources map[string][]byte
	dir       string            // the schema's directory, or ""
	files     map[string][]byte // files the schema refers to, by URL
	known     map[string]bool   // documents, resources and $ids that refs may name
}

// metaschemas are the drafts' own schemas, which engines carry within.
var metaschemas = []string{
	"http://json-schema.org/draft-04/schema",
	"http://json-schema.org/draft-06/schema",
	"http://json-schema.org/draft-07/schema",
	"https://json-schema.org/draft/2019-09/",
	"https://json-schema.org/draft/2020-12/",
}

// rootURL is the URL the schema is read at: a file in dir, or a name
// that relative references cannot reach anything from.
func (c *refChecker) rootURL() string {
	if c.dir == "" {
		return "configmgr:///schema.json"
	}
	abs, err := filepath.Abs(c.dir)
	if err != nil {
		abs = c.dir
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, "schema.json"))}).String()
}

// check checks the schema text at URL base and every file it refers to.
func (c *refChecker) check(schema []byte, base string) error {
	if c.known == nil {
		c.known = map[string]bool{}
		for u := range c.resources {
			c.known[strings.TrimSuffix(u, "#")] = true
		}
		for u, data := range c.resources {
			var doc any
			if json.Unmarshal(data, &doc) == nil {
				b, _ := url.Parse(u)
				c.ids(doc, b)
			}
		}
	}
	var doc any
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil // the engine says what is wrong with it
	}
	b, err := url.Parse(base)
	if err != nil {
		return err
	}
	c.known[base] = true
	c.ids(doc, b)
	return c.refs(doc, b, 0)
}

// notSchemas are the keywords whose values are data, not subschemas.
var notSchemas = map[string]bool{"enum": true, "const": true, "default": true, "examples": true}

// ids records the URLs that "$id"s (and draft 4's "id"s) give to the
// subschemas of doc.
func (c *refChecker) ids(doc any, base *url.URL) {
	switch d := doc.(type) {
	case map[string]any:
		for _, key := range []string{"$id", "id"} {
			if id, ok := d[key].(string); ok {
				if u, err := base.Parse(id); err == nil {
					base = u
					u2 := *u
					u2.Fragment = ""
					c.known[u2.String()] = true
				}
			}
		}
		for k, v := range d {
			if !notSchemas[k] {
				c.ids(v, base)
			}
		}
	case []any:
		for _, v := range d {
			c.ids(v, base)
		}
	}
}

// refs checks the "$ref"s of doc, read at base.
func (c *refChecker) refs(doc any, base *url.URL, depth int) error {
	if depth > maxDepth {
		return nil
	}
	switch d := doc.(type) {
	case map[string]any:
		for _, key := range []string{"$id", "id"} {
			if id, ok := d[key].(string); ok {
				if u, err := base.Parse(id); err == nil {
					base = u
				}
			}
		}
		for _, key := range []string{"$ref", "$dynamicRef", "$recursiveRef"} {
			if ref, ok := d[key].(string); ok {
				if err := c.ref(ref, base); err != nil {
					return err
				}
			}
		}
		for k, v := range d {
			if notSchemas[k] {
				continue
			}
			if err := c.refs(v, base, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, v := range d {
			if err := c.refs(v, base, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *refChecker) ref(ref string, base *url.URL) error {
	u, err := base.Parse(ref)
	if err != nil {
		return fmt.Errorf("$ref %q: %v", ref, err)
	}
	u.Fragment = ""
	target := u.String()
	if target == "" || c.known[target] {
		return nil
	}
	for _, m := range metaschemas {
		if strings.HasPrefix(target, m) {
			return nil
		}
	}
	if u.Scheme == "file" && c.dir != "" {
		dir, _ := filepath.Abs(c.dir)
		path := filepath.Clean(filepath.FromSlash(u.Path))
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("$ref %q: %s is outside the schema's directory %s", ref, path, dir)
		}
		if real, err := filepath.EvalSymlinks(path); err == nil {
			if rel, err := filepath.Rel(dir, real); err != nil || strings.HasPrefix(rel, "..") {
				return fmt.Errorf("$ref %q: %s links out of the schema's directory %s", ref, path, dir)
			}
		}
		data, _, err := readRegular(path, maxSchemaSize, false)
		if err != nil {
			return fmt.Errorf("$ref %q: %w", ref, err)
		}
		c.files[target] = data
		return c.check(data, target)
	}
	where := "register it with the compiler's Resources"
	if c.dir != "" {
		where += ", or keep it in the schema's directory"
	}
	return fmt.Errorf("$ref %q: configmgr loads no schema from the network or from elsewhere: %s", ref, where)
}
