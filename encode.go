package configmgr

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// encodeDocument writes a tree as JSON with a 2-space indent and a final
// newline, reusing the source text of keys and strings where it has it.
func encodeDocument(v any) []byte {
	var b bytes.Buffer
	encodeValue(&b, v, &defaultLayout, 0)
	b.WriteByte('\n')
	return b.Bytes()
}

// layout is how encodeValue lays out objects and arrays.
type layout struct {
	nl      string // the line ending
	base    string // the indent of the line the value starts on
	unit    string // one more level of indent
	compact bool   // all on one line, no spaces
}

var defaultLayout = layout{nl: "\n", unit: "  "}

// encodeIndented writes v for a line indented by base, nested levels one
// unit further, lines ending in nl.
func encodeIndented(b *bytes.Buffer, v any, nl, base, unit string) {
	encodeValue(b, v, &layout{nl: nl, base: base, unit: unit}, 0)
}

// encodeCompact writes v on one line, with no spaces.
func encodeCompact(b *bytes.Buffer, v any) {
	encodeValue(b, v, &layout{compact: true}, 0)
}

// sink is what encodeValue writes to: a bytes.Buffer, or a matcher that
// compares instead.
type sink interface {
	WriteString(s string) (int, error)
	WriteByte(c byte) error
}

func (l *layout) newline(b sink, depth int) {
	if l.compact {
		return
	}
	b.WriteString(l.nl)
	b.WriteString(l.base)
	for range depth {
		b.WriteString(l.unit)
	}
}

func encodeValue(b sink, v any, l *layout, depth int) {
	switch v := v.(type) {
	case *object:
		if len(v.members) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			l.newline(b, depth+1)
			if m.rawKey != "" {
				b.WriteString(m.rawKey)
			} else {
				writeString(b, m.key)
			}
			if l.compact {
				b.WriteByte(':')
			} else {
				b.WriteString(": ")
			}
			encodeValue(b, m.val, l, depth+1)
			if failed(b) {
				return
			}
		}
		l.newline(b, depth)
		b.WriteByte('}')
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			l.newline(b, depth+1)
			encodeValue(b, e, l, depth+1)
			if failed(b) {
				return
			}
		}
		l.newline(b, depth)
		b.WriteByte(']')
	case jstring:
		if v.raw != "" {
			b.WriteString(v.raw)
		} else {
			writeString(b, v.s)
		}
	case json.Number:
		b.WriteString(string(v))
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("configmgr: internal error: %T in document tree", v))
	}
}

// writeString writes s as a JSON string with the fewest escapes: quote,
// backslash and control characters only.
func writeString(b sink, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// isEncoding reports whether text is exactly what encodeDocument makes of
// v, comparing as encodeValue walks, so that a document in another style is
// told apart at its first difference, at no cost to speak of.
func isEncoding(text []byte, v any) bool {
	c := &matcher{text: text, ok: true}
	encodeValue(c, v, &defaultLayout, 0)
	c.WriteByte('\n')
	return c.ok && c.pos == len(text)
}

// matcher is a sink that matches text instead of writing it.
type matcher struct {
	text []byte
	pos  int
	ok   bool
}

func (c *matcher) WriteString(s string) (int, error) {
	if c.ok && len(c.text)-c.pos >= len(s) && string(c.text[c.pos:c.pos+len(s)]) == s {
		c.pos += len(s)
	} else {
		c.ok = false
	}
	return len(s), nil
}

func (c *matcher) WriteByte(b byte) error {
	if c.ok && c.pos < len(c.text) && c.text[c.pos] == b {
		c.pos++
	} else {
		c.ok = false
	}
	return nil
}

// failed reports whether b is a matcher that has found a difference, so
// that encodeValue stops walking.
func failed(b sink) bool {
	c, ok := b.(*matcher)
	return ok && !c.ok
}
