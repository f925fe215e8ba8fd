package configmgr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The parser builds the document tree (see tree.go) from JSON text, with
// line and column in its errors.

// maxDepth bounds the nesting of a document. Real configuration is a few
// levels deep; the bound keeps hostile input from exhausting the stack of
// the parser or of the schema validator.
const maxDepth = 1000

var (
	errBOM     = errors.New("byte order mark (U+FEFF) at start: RFC 8259 forbids it; save the file as UTF-8 without BOM")
	errTooDeep = fmt.Errorf("nesting deeper than %d levels", maxDepth)
	errBadUTF8 = errors.New("invalid UTF-8")
)

// DuplicateKeyError reports an object with the same key twice. JSON leaves
// the meaning of such a document open, so it is refused.
type DuplicateKeyError struct {
	// Pointer is the JSON Pointer of the second occurrence.
	Pointer string
	Key     string
}

// Error names the key and where it repeats.
func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key %q at %s", e.Key, e.Pointer)
}

type parser struct {
	data     []byte
	pos      int
	depth    int
	keepRaw  bool
	plainOut bool      // build plain values (map[string]any, string) rather than the tree
	path     []pathSeg // where the parser is, for the error of a duplicate key
}

// pathSeg is a step of the parser's path: an object's key, or an array's
// index (key "" and index >= 0), kept as a number so that a long array
// costs no strings.
type pathSeg struct {
	key   string
	index int
}

// pointer is the JSON Pointer of key in the object at the parser's path.
func (p *parser) pointer(key string) string {
	path := make([]string, 0, len(p.path)+1)
	for _, seg := range p.path {
		if seg.index >= 0 {
			path = append(path, strconv.Itoa(seg.index))
		} else {
			path = append(path, seg.key)
		}
	}
	return pointerOf(append(path, key))
}

// parseDocument parses a whole JSON document into a tree. source names it
// in errors, which are *DecodeError with line and column.
func parseDocument(data []byte, source string, keepRaw bool) (any, error) {
	return (&parser{data: data, keepRaw: keepRaw}).parse(source)
}

// parsePlain is parseDocument that makes what plain makes of the tree
// (map[string]any, []any, string, json.Number, bool, nil), without the
// tree: for a reader that wants only the value.
func parsePlain(data []byte, source string) (any, error) {
	return (&parser{data: data, plainOut: true}).parse(source)
}

func (p *parser) parse(source string) (any, error) {
	data := p.data
	v, err := p.document()
	if err != nil {
		line, col := lineCol(data, p.pos)
		if hint := p.jwccHint(); hint != "" {
			err = fmt.Errorf("%w: %s", err, hint)
		}
		return nil, &DecodeError{Source: source, Line: line, Column: col, Err: err}
	}
	return v, nil
}

// jwccHint says, if the parser stopped at a comment or a trailing comma,
// that JSON has neither and which option accepts them; else "".
func (p *parser) jwccHint() string {
	const option = "; a Manager opened WithComments() accepts comments and trailing commas"
	rest := p.data[p.pos:]
	if bytes.HasPrefix(rest, []byte("//")) || bytes.HasPrefix(rest, []byte("/*")) {
		return "a comment, which JSON does not allow" + option
	}
	if len(rest) > 0 && (rest[0] == '}' || rest[0] == ']') {
		before := bytes.TrimRight(p.data[:p.pos], " \t\r\n")
		if bytes.HasSuffix(before, []byte(",")) {
			return "a trailing comma before it, which JSON does not allow" + option
		}
	}
	return ""
}

// parseObject parses a document whose top level must be an object.
func parseObject(data []byte, source string, keepRaw bool) (*object, error) {
	v, err := parseDocument(data, source, keepRaw)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*object)
	if !ok {
		return nil, &DecodeError{Source: source, Line: 1, Column: 1, Err: ErrNotObject}
	}
	return o, nil
}

func lineCol(data []byte, pos int) (int, int) {
	if pos > len(data) {
		pos = len(data)
	}
	line := 1 + bytes.Count(data[:pos], []byte{'\n'})
	start := bytes.LastIndexByte(data[:pos], '\n') + 1
	return line, 1 + utf8.RuneCount(data[start:pos])
}

func (p *parser) document() (any, error) {
	if bytes.HasPrefix(p.data, []byte("\xef\xbb\xbf")) {
		return nil, errBOM
	}
	p.skipSpace()
	if p.pos == len(p.data) {
		return nil, errors.New("empty document")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, fmt.Errorf("unexpected %s after the top-level value", p.describe())
	}
	return v, nil
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) describe() string {
	if p.pos >= len(p.data) {
		return "end of input"
	}
	c := p.data[p.pos]
	if c < 0x20 || c >= 0x7f {
		r, _ := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError {
			return fmt.Sprintf("byte 0x%02x", c)
		}
		return fmt.Sprintf("character %U", r)
	}
	return fmt.Sprintf("character %q", c)
}

func (p *parser) value() (any, error) {
	if p.pos >= len(p.data) {
		return nil, errors.New("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, raw, err := p.str()
		if err != nil {
			return nil, err
		}
		if p.plainOut {
			return s, nil
		}
		return jstring{s: s, raw: raw}, nil
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, fmt.Errorf("unexpected %s, expected a value", p.describe())
}

func (p *parser) literal(word string) error {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return fmt.Errorf("unexpected %s, expected a value", p.describe())
	}
	p.pos += len(word)
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return errTooDeep
	}
	return nil
}

func (p *parser) object() (any, error) {
	if p.plainOut {
		m := map[string]any{}
		err := p.members(func(key string) bool {
			_, ok := m[key]
			return ok
		}, func(key, _ string, v any) { m[key] = v })
		return m, err
	}
	o := newObject(4)
	err := p.members(func(key string) bool { return o.find(key) >= 0 },
		func(key, raw string, v any) { o.add(member{key: key, rawKey: raw, val: v}) })
	return o, err
}

// members parses an object's members, from its '{' to its '}', into a
// container: has reports a key it holds already (a duplicate), add adds a
// member.
func (p *parser) members(has func(key string) bool, add func(key, raw string, v any)) error {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return fmt.Errorf("unexpected %s, expected a string key", p.describe())
		}
		keyPos := p.pos
		key, raw, err := p.str()
		if err != nil {
			return err
		}
		if has(key) {
			p.pos = keyPos
			return &DuplicateKeyError{Pointer: p.pointer(key), Key: key}
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return fmt.Errorf("unexpected %s, expected ':' after key", p.describe())
		}
		p.pos++
		p.skipSpace()
		p.path = append(p.path, pathSeg{key: key, index: -1})
		v, err := p.value()
		p.path = p.path[:len(p.path)-1]
		if err != nil {
			return err
		}
		add(key, raw, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return errors.New("unexpected end of input, expected ',' or '}'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return nil
		default:
			return fmt.Errorf("unexpected %s, expected ',' or '}'", p.describe())
		}
	}
}

func (p *parser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // [
	a := []any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return a, nil
	}
	for {
		p.skipSpace()
		p.path = append(p.path, pathSeg{index: len(a)})
		v, err := p.value()
		p.path = p.path[:len(p.path)-1]
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, errors.New("unexpected end of input, expected ',' or ']'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return a, nil
		default:
			return nil, fmt.Errorf("unexpected %s, expected ',' or ']'", p.describe())
		}
	}
}

// str parses a string literal at p.pos and returns its value and source.
func (p *parser) str() (string, string, error) {
	start := p.pos
	p.pos++ // "
	// Fast path: no escapes.
	i := p.pos
	for i < len(p.data) {
		c := p.data[i]
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		i++
	}
	if i < len(p.data) && p.data[i] == '"' {
		p.pos = i + 1
		if p.keepRaw {
			// One copy serves both: the value is the source less its
			// quotes.
			raw := string(p.data[start:p.pos])
			return raw[1 : len(raw)-1], raw, nil
		}
		return string(p.data[start+1 : i]), "", nil
	}
	var b []byte
	b = append(b, p.data[p.pos:i]...)
	p.pos = i
	for {
		if p.pos >= len(p.data) {
			return "", "", errors.New("unexpected end of input in string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			raw := ""
			if p.keepRaw {
				raw = string(p.data[start:p.pos])
			}
			return string(b), raw, nil
		case c < 0x20:
			return "", "", fmt.Errorf("control character %U in string", rune(c))
		case c == '\\':
			if p.pos+1 >= len(p.data) {
				return "", "", errors.New("unexpected end of input in string")
			}
			e := p.data[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", "", errors.New("invalid \\u escape in string")
				}
				if utf16.IsSurrogate(r) {
					// A surrogate pair; a lone surrogate becomes U+FFFD, as
					// encoding/json does.
					r2 := rune(-1)
					if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
						save := p.pos
						p.pos += 2
						if x, ok := p.hex4(); ok {
							r2 = x
						} else {
							return "", "", errors.New("invalid \\u escape in string")
						}
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r = d
						} else {
							p.pos = save
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				p.pos -= 2
				return "", "", errors.New("invalid escape in string")
			}
		case c < 0x80:
			b = append(b, c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && n <= 1 {
				return "", "", errBadUTF8
			}
			b = append(b, p.data[p.pos:p.pos+n]...)
			p.pos += n
		}
	}
}

func (p *parser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

func (p *parser) number() (any, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	bad := func() (any, error) {
		p.pos = i
		return nil, errors.New("invalid number")
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if digits() == 0 {
		return bad()
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return bad()
		}
	}
	exp := 0
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		from := i
		if digits() == 0 {
			return bad()
		}
		for _, c := range d[from:i] {
			if exp = exp*10 + int(c-'0'); exp > maxExponent {
				break
			}
		}
	}
	if i-start > maxNumberLen {
		p.pos = start
		return nil, fmt.Errorf("number of %d characters: configmgr accepts at most %d (JSON allows more, but a validator may take seconds over one)", i-start, maxNumberLen)
	}
	if exp > maxExponent {
		p.pos = start
		return nil, fmt.Errorf("number with an exponent beyond %d: configmgr refuses such numbers (JSON allows them, but a validator may take seconds over one)", maxExponent)
	}
	p.pos = i
	return json.Number(d[start:i]), nil
}

// Numbers are bounded, although JSON is not: a validator turns the numbers
// it checks into exact rationals, and 1e1000000 alone takes gojsonschema
// seconds. Within these bounds (1e-1000 to 9.99e1000, at most 1000
// characters) a number costs it microseconds, like any other, so the work
// of a validation stays proportional to the document's size. float64 ends
// near 1.8e308, so the bounds keep every number Go or JavaScript can hold,
// and then some.
const (
	maxNumberLen = 1000
	maxExponent  = 1000
)
