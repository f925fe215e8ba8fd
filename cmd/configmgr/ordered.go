package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// omap is a JSON object that keeps the order of its keys, for output that
// shows a document as it is stored.
type omap struct {
	keys []string
	vals map[string]any
}

// errInvalidJSON reports input that is not JSON.
var errInvalidJSON = errors.New("not valid JSON")

// maxInput bounds what is read from a file or stdin.
const maxInput = 16 << 20

// parseOrdered parses JSON into omap, []any, string, json.Number, bool and
// nil. Its errors say where, never what: the text may hold a secret.
func parseOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("text after the value")
		}
	}
	if err != nil {
		line, col := lineCol(data, int(dec.InputOffset()))
		return nil, fmt.Errorf("%w at line %d, column %d", errInvalidJSON, line, col)
	}
	return v, nil
}

func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, off - bytes.LastIndexByte(before, '\n')
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > 1000 {
		return nil, errors.New("nested too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &omap{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; dup {
					return nil, errors.New("duplicate key")
				}
				o.keys = append(o.keys, k)
				o.vals[k] = v
			}
			_, err := dec.Token()
			return o, err
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		return nil, errors.New("unexpected delimiter")
	}
	return tok, nil
}

// toPlain turns an ordered value into map[string]any and []any, as
// configmgr.Manager.Read gives documents.
func toPlain(v any) any {
	switch c := v.(type) {
	case *omap:
		m := make(map[string]any, len(c.keys))
		for _, k := range c.keys {
			m[k] = toPlain(c.vals[k])
		}
		return m
	case []any:
		out := make([]any, len(c))
		for i, e := range c {
			out[i] = toPlain(e)
		}
		return out
	}
	return v
}

// orderLike returns v (a plain value) with its objects' keys in the order
// of tmpl (an ordered value, or nil); keys tmpl lacks follow, sorted.
func orderLike(tmpl, v any) any {
	switch c := v.(type) {
	case map[string]any:
		t, _ := tmpl.(*omap)
		o := &omap{vals: make(map[string]any, len(c))}
		if t != nil {
			for _, k := range t.keys {
				if _, ok := c[k]; ok {
					o.keys = append(o.keys, k)
				}
			}
		}
		var rest []string
		for k := range c {
			if t == nil || !slices.Contains(o.keys, k) {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		o.keys = append(o.keys, rest...)
		for _, k := range o.keys {
			var tk any
			if t != nil {
				tk = t.vals[k]
			}
			o.vals[k] = orderLike(tk, c[k])
		}
		return o
	case []any:
		t, _ := tmpl.([]any)
		out := make([]any, len(c))
		for i, e := range c {
			var te any
			if i < len(t) {
				te = t[i]
			}
			out[i] = orderLike(te, e)
		}
		return out
	}
	return v
}

// encodeJSON writes v as JSON, indented by two spaces or compact.
func encodeJSON(b *bytes.Buffer, v any, indent bool, depth int) {
	nl := func(d int) {
		if indent {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat("  ", d))
		}
	}
	switch c := v.(type) {
	case *omap:
		if len(c.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range c.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeJSONString(b, k)
			b.WriteByte(':')
			if indent {
				b.WriteByte(' ')
			}
			encodeJSON(b, c.vals[k], indent, depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	case []any:
		if len(c) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range c {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			encodeJSON(b, e, indent, depth+1)
		}
		nl(depth)
		b.WriteByte(']')
	case map[string]any:
		encodeJSON(b, orderLike(nil, c), indent, depth)
	case string:
		writeJSONString(b, c)
	case json.Number:
		b.WriteString(c.String())
	case bool:
		b.WriteString(strconv.FormatBool(c))
	case nil:
		b.WriteString("null")
	default:
		data, _ := json.Marshal(c)
		b.Write(data)
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}

// jsonText is v as JSON text, indented or compact.
func jsonText(v any, indent bool) string {
	var b bytes.Buffer
	encodeJSON(&b, v, indent, 0)
	return b.String()
}

// yamlNode builds the YAML of v from nodes, so that keys keep their order
// and numbers their exact text (yaml.Marshal would sort the keys of a map
// and quote a json.Number).
func yamlNode(v any) *yaml.Node {
	switch c := v.(type) {
	case *omap:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range c.keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(c.vals[k]))
		}
		return n
	case map[string]any:
		return yamlNode(orderLike(nil, c))
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range c {
			n.Content = append(n.Content, yamlNode(e))
		}
		return n
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: c}
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(c.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: c.String()}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(c)}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
}

// yamlText is v as a YAML document.
func yamlText(v any) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNode(v)); err != nil {
		return "", err
	}
	enc.Close()
	return b.String(), nil
}

// lookup returns the value at path in a plain or ordered value.
func lookup(v any, path []string) (any, bool) {
	for _, k := range path {
		switch c := v.(type) {
		case *omap:
			var ok bool
			if v, ok = c.vals[k]; !ok {
				return nil, false
			}
		case map[string]any:
			var ok bool
			if v, ok = c[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) || strconv.Itoa(i) != k {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// splitPointer splits an RFC 6901 JSON Pointer into its keys.
func splitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, usagef("%q is not a JSON Pointer: it starts with / (/database/port)", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
	}
	return parts, nil
}

// deepCopy copies a plain value.
func deepCopy(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, e := range c {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		out := make([]any, len(c))
		for i, e := range c {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
