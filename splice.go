package configmgr

import "bytes"

// A small change to a large document should not cost a parse of all of
// its text into hujson's tree. restyleMembers finds the top-level members
// in the text with a scan that only skips over values, and restyles, each
// on its own, just the members whose values changed, splicing their new
// text in: a change of one setting beside a long list parses the setting.

// spliceFrom is the size from which a write restyles by members: below it
// one parse of the whole text costs less than the scan and the parses of
// the members.
const spliceFrom = 32 << 10

// restyleMembers is restyle for documents whose top-level members have the
// same keys in cur and nv. Each changed member is restyled as the one
// member of a document of its own, made of its text (from its key to the
// end of its value), in the whole document's style, at the same depth; the
// edits there are the ones restyle would make in the whole, so the result
// is restyle's (FuzzRestyle checks it). It reports false where it
// does not apply (a member added or removed, a text it cannot scan), for
// restyle to do the whole.
func restyleMembers(old []byte, cur, nv *object) ([]byte, bool) {
	if len(cur.members) != len(nv.members) {
		return nil, false
	}
	spans, ok := topMembers(old)
	if !ok || len(spans) != len(cur.members) {
		return nil, false
	}
	st := styleOf(old)
	var out []byte
	last := 0
	for i, m := range cur.members {
		sp := spans[i]
		if m.rawKey == "" || string(old[sp.key:sp.keyEnd]) != m.rawKey {
			return nil, false
		}
		j := nv.find(m.key)
		if j < 0 {
			return nil, false
		}
		nm := nv.members[j]
		if sameTree(m.val, nm.val) {
			continue
		}
		var doc bytes.Buffer
		doc.WriteByte('{')
		doc.Write(old[sp.key:sp.valEnd])
		doc.WriteByte('}')
		prefix := 1 + sp.val - sp.key
		one := func(v any) *object { return &object{members: []member{{key: m.key, rawKey: m.rawKey, val: v}}} }
		res, ok := restyleAs(doc.Bytes(), st, one(m.val), one(nm.val))
		if !ok || len(res) < prefix+1 || !bytes.Equal(res[:prefix], doc.Bytes()[:prefix]) || res[len(res)-1] != '}' {
			return nil, false
		}
		out = append(out, old[last:sp.val]...)
		out = append(out, res[prefix:len(res)-1]...)
		last = sp.valEnd
	}
	if out == nil {
		return old, true
	}
	return append(out, old[last:]...), true
}

// sameTree reports whether two values of the tree are the same, scalars
// as sameValue has them: where it does, restyle edits nothing.
func sameTree(a, b any) bool {
	switch x := a.(type) {
	case *object:
		y, ok := b.(*object)
		if !ok || len(x.members) != len(y.members) {
			return false
		}
		for _, m := range x.members {
			v, ok := y.get(m.key)
			if !ok || !sameTree(m.val, v) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameTree(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	switch b.(type) {
	case *object, []any:
		return false
	}
	return sameValue(a, b)
}

// memberSpan is where a top-level member is in a document's text: its key
// (with its quotes) at [key, keyEnd), its value at [val, valEnd).
type memberSpan struct{ key, keyEnd, val, valEnd int }

// topMembers scans a document's text (JSON, or JWCC with comments and
// trailing commas) for its top-level members. It checks no more than it
// needs to skip values: the text was parsed already.
func topMembers(text []byte) ([]memberSpan, bool) {
	i := skipSpace(text, 0)
	if i >= len(text) || text[i] != '{' {
		return nil, false
	}
	var out []memberSpan
	for i++; ; {
		i = skipSpace(text, i)
		if i >= len(text) {
			return nil, false
		}
		if text[i] == '}' {
			return out, true
		}
		var sp memberSpan
		sp.key = i
		if sp.keyEnd = skipString(text, i); sp.keyEnd < 0 {
			return nil, false
		}
		i = skipSpace(text, sp.keyEnd)
		if i >= len(text) || text[i] != ':' {
			return nil, false
		}
		sp.val = skipSpace(text, i+1)
		if sp.valEnd = skipValue(text, sp.val); sp.valEnd < 0 {
			return nil, false
		}
		out = append(out, sp)
		i = skipSpace(text, sp.valEnd)
		if i < len(text) && text[i] == ',' {
			i++
		}
	}
}

// skipSpace returns the offset of the first byte at or after i that is
// not whitespace or in a comment.
func skipSpace(text []byte, i int) int {
	for i < len(text) {
		switch c := text[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(text) && text[i+1] == '/':
			j := bytes.IndexByte(text[i:], '\n')
			if j < 0 {
				return len(text)
			}
			i += j + 1
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			j := bytes.Index(text[i+2:], []byte("*/"))
			if j < 0 {
				return len(text)
			}
			i += 2 + j + 2
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset just past the string that starts at i, or
// -1.
func skipString(text []byte, i int) int {
	if i >= len(text) || text[i] != '"' {
		return -1
	}
	for i++; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the offset just past the value that starts at i, or
// -1.
func skipValue(text []byte, i int) int {
	if i >= len(text) {
		return -1
	}
	switch text[i] {
	case '"':
		return skipString(text, i)
	case '{', '[':
		depth := 0
		for i < len(text) {
			switch text[i] {
			case '"':
				if i = skipString(text, i); i < 0 {
					return -1
				}
				continue
			case '/':
				if j := skipSpace(text, i); j > i {
					i = j
					continue
				}
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	j := i
	for j < len(text) && bytes.IndexByte([]byte(",}] \t\r\n/"), text[j]) < 0 {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
