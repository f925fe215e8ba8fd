package configmgr

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"
)

// A write changes only the bytes it must: the new version is made from the
// text of the version it replaces, with the values that changed replaced,
// the members that went removed (with the comments that belong to them),
// and the new ones added in the style of their siblings. Everything else,
// whitespace, line endings, comments and trailing commas, stays byte for
// byte. github.com/tailscale/hujson holds the text as a tree that keeps
// all of it, and moves comments with the members they belong to.

// standard returns data as standard JSON: with WithComments, its comments
// and trailing commas turned to spaces, so that offsets (and so lines and
// columns in errors) stay the same; otherwise data itself. Its error,
// for text that is not JWCC, gives the line and column.
func (m *Manager) standard(data []byte) ([]byte, error) {
	if !m.o.comments || !mayHaveComments(data) {
		return data, nil
	}
	std, err := hujson.Standardize(bytes.Clone(data))
	if err != nil {
		if _, perr := parseObject(data, "", false); perr == nil {
			return data, nil // plain JSON after all
		}
		return nil, errors.New(strings.TrimPrefix(err.Error(), "hujson: "))
	}
	return std, nil
}

// mayHaveComments reports whether data may hold a comment or a trailing
// comma: whether it has a "/" or a "," followed by "}" or "]" after
// spaces. (A "/" inside a string makes it say yes, which costs a parse.)
func mayHaveComments(data []byte) bool {
	if bytes.IndexByte(data, '/') >= 0 {
		return true
	}
	for i := bytes.IndexByte(data, ','); i >= 0; {
		j := i + 1
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
			j++
		}
		if j < len(data) && (data[j] == '}' || data[j] == ']') {
			return true
		}
		k := bytes.IndexByte(data[j:], ',')
		if k < 0 {
			break
		}
		i = j + k
	}
	return false
}

// encodeLike returns the text of nv, the new version of a document whose
// current text is old (parsed as cur), in old's style. Without old it is
// encodeDocument's text.
func encodeLike(old []byte, cur, nv *object) []byte {
	if len(old) == 0 || cur == nil {
		return encodeDocument(nv)
	}
	// A document in this package's own format (as it writes new ones)
	// needs no edits: its new version is encoded alike, sparing a parse of
	// the old text. Another style is told at its first difference.
	if isEncoding(old, cur) {
		return encodeDocument(nv)
	}
	if len(old) >= spliceFrom {
		if out, ok := restyleMembers(old, cur, nv); ok {
			return out
		}
	}
	if out, ok := restyle(old, cur, nv); ok {
		return out
	}
	return encodeDocument(nv)
}

// textStyle is how a document lays out what a write adds to it.
type textStyle struct {
	nl   string // line ending: "\n" or "\r\n"
	unit string // one level of indent; "" if the document is on one line
}

// styleOf tells the style of a document's text: its line ending, and the
// indent of its first indented line (the unit, nested levels repeat it).
func styleOf(text []byte) textStyle {
	st := textStyle{nl: "\n"}
	if bytes.Contains(text, []byte("\r\n")) {
		st.nl = "\r\n"
	}
	for line := range bytes.SplitSeq(text, []byte("\n")) {
		n := 0
		for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
			n++
		}
		if n > 0 && n < len(line) && line[n] != '\r' {
			st.unit = string(line[:n])
			if line[0] == '\t' {
				st.unit = "\t"
			}
			break
		}
	}
	return st
}

// edit is one change to the text, as an RFC 6902 operation.
type edit struct {
	op, path string
	value    []byte // the text of the value, for add and replace
	parent   string // add: the container's pointer
	key      string // add: the member's name ("" for an element)
}

// restyle makes nv's text from old's by edits. It reports false if old
// does not parse or an edit does not apply.
func restyle(old []byte, cur, nv *object) ([]byte, bool) {
	return restyleAs(old, styleOf(old), cur, nv)
}

// restyleAs is restyle in the style st.
func restyleAs(old []byte, st textStyle, cur, nv *object) ([]byte, bool) {
	root, err := hujson.Parse(bytes.Clone(old))
	if err != nil {
		return nil, false
	}
	var edits []edit
	diffText(&root, cur, nv, nil, st, &edits)
	if len(edits) == 0 {
		return old, true
	}
	var commas []string // the containers with a trailing comma
	for p := range edits {
		parent := edits[p].path[:strings.LastIndexByte(edits[p].path, '/')]
		if v := root.Find(parent); v != nil && !slices.Contains(commas, parent) {
			if last := lastValue(v); last != nil && last.AfterExtra != nil {
				commas = append(commas, parent)
			}
		}
	}
	var patch bytes.Buffer
	patch.WriteByte('[')
	for i, e := range edits {
		if i > 0 {
			patch.WriteByte(',')
		}
		patch.WriteString(`{"op":"`)
		patch.WriteString(e.op)
		patch.WriteString(`","path":`)
		writeString(&patch, e.path)
		if e.value != nil {
			patch.WriteString(`,"value":`)
			patch.Write(e.value)
		}
		patch.WriteByte('}')
	}
	patch.WriteByte(']')
	if err := root.Patch(patch.Bytes()); err != nil {
		return nil, false
	}
	for _, e := range edits {
		if e.op == "add" {
			if !layOut(&root, e, st) {
				return nil, false
			}
		}
	}
	// A container written with a trailing comma keeps one, whichever
	// member is now the last.
	for _, p := range commas {
		if v := root.Find(p); v != nil {
			if last := lastValue(v); last != nil && last.AfterExtra == nil {
				last.AfterExtra = hujson.Extra{}
			}
		}
	}
	return root.Pack(), true
}

// diffText appends the edits that turn ov (the current value, whose text
// is tv) into nv, at path.
func diffText(tv *hujson.Value, ov, nv any, path []string, st textStyle, edits *[]edit) {
	switch n := nv.(type) {
	case *object:
		o, ok := ov.(*object)
		to, tok := tv.Value.(*hujson.Object)
		if !ok || !tok || len(to.Members) != len(o.members) {
			break
		}
		for i, om := range o.members {
			j := n.find(om.key)
			if j < 0 {
				*edits = append(*edits, edit{op: "remove", path: pointerOf(append(path, om.key))})
				continue
			}
			diffText(&to.Members[i].Value, om.val, n.members[j].val, append(path, om.key), st, edits)
		}
		for _, nm := range n.members {
			if o.find(nm.key) < 0 {
				p := append(slices.Clip(path), nm.key)
				*edits = append(*edits, edit{op: "add", path: pointerOf(p), value: styledText(nm.val, st, memberIndent(to, st, len(path))),
					parent: pointerOf(path), key: nm.key})
			}
		}
		return
	case []any:
		o, ok := ov.([]any)
		ta, tok := tv.Value.(*hujson.Array)
		if !ok || !tok || len(ta.Elements) != len(o) {
			break
		}
		for i := range min(len(o), len(n)) {
			diffText(&ta.Elements[i], o[i], n[i], append(path, strconv.Itoa(i)), st, edits)
		}
		for i := len(o) - 1; i >= len(n); i-- {
			*edits = append(*edits, edit{op: "remove", path: pointerOf(append(path, strconv.Itoa(i)))})
		}
		for i := len(o); i < len(n); i++ {
			*edits = append(*edits, edit{op: "add", path: pointerOf(append(path, "-")), value: styledText(n[i], st, elementIndent(ta, st, len(path))),
				parent: pointerOf(path)})
		}
		return
	default:
		if sameValue(ov, nv) {
			return
		}
	}
	if len(path) == 0 {
		return // the top level is an object on both sides
	}
	*edits = append(*edits, edit{op: "replace", path: pointerOf(path), value: styledText(nv, st, indentBefore(tv.BeforeExtra, st, len(path)-1))})
}

// sameValue reports whether two scalars of the tree are the same value:
// strings by content, numbers by exact value (1e3 is 1000), so that a
// value that did not change keeps its text.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case jstring:
		y, ok := b.(jstring)
		return ok && x.s == y.s
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case bool, nil:
		return a == b
	}
	return false
}

// indentBefore is the indent of a line that starts with what follows
// extra (the whitespace and comments before a member or element), or ""
// if it does not start a line; depth guesses it where extra has none.
func indentBefore(extra hujson.Extra, st textStyle, depth int) string {
	i := bytes.LastIndexByte(extra, '\n')
	if i < 0 {
		if st.unit == "" {
			return ""
		}
		return strings.Repeat(st.unit, depth)
	}
	return strings.TrimRight(string(extra[i+1:]), "\r")
}

// memberIndent is the indent of the members of an object at depth.
func memberIndent(o *hujson.Object, st textStyle, depth int) string {
	if len(o.Members) > 0 {
		return indentBefore(o.Members[len(o.Members)-1].Name.BeforeExtra, st, depth+1)
	}
	if st.unit == "" {
		return ""
	}
	return strings.Repeat(st.unit, depth+1)
}

// elementIndent is the indent of the elements of an array at depth.
func elementIndent(a *hujson.Array, st textStyle, depth int) string {
	if len(a.Elements) > 0 {
		return indentBefore(a.Elements[len(a.Elements)-1].BeforeExtra, st, depth+1)
	}
	if st.unit == "" {
		return ""
	}
	return strings.Repeat(st.unit, depth+1)
}

// styledText is a value's text for a line indented by base: nested levels
// one unit further, or all on one line in a document without indents.
func styledText(v any, st textStyle, base string) []byte {
	var b bytes.Buffer
	if st.unit == "" {
		encodeCompact(&b, v)
	} else {
		encodeIndented(&b, v, st.nl, base, st.unit)
	}
	return b.Bytes()
}

// layOut gives a member or element that e added the whitespace of the
// one before it (its line, its indent, the space after the colon), or, in
// an empty container, of a new line one unit in.
func layOut(root *hujson.Value, e edit, st textStyle) bool {
	parent := root.Find(e.parent)
	if parent == nil {
		return false
	}
	depth := strings.Count(e.parent, "/")
	switch c := parent.Value.(type) {
	case *hujson.Object:
		i := slices.IndexFunc(c.Members, func(m hujson.ObjectMember) bool {
			s, ok := m.Name.Value.(hujson.Literal)
			return ok && s.String() == e.key
		})
		if i < 0 {
			return false
		}
		var prev *hujson.Value
		if i > 0 {
			prev = &c.Members[i-1].Name
			c.Members[i].Value.BeforeExtra = spaceOnly(c.Members[i-1].Value.BeforeExtra)
		} else if st.unit != "" {
			c.Members[i].Value.BeforeExtra = hujson.Extra(" ")
		}
		c.Members[i].Name.BeforeExtra = lead(c.Members[i].Name.BeforeExtra, prev, st, depth)
		if i == 0 && st.unit != "" {
			c.AfterExtra = closing(c.AfterExtra, parent, st, depth)
		}
	case *hujson.Array:
		i := len(c.Elements) - 1
		var prev *hujson.Value
		if i > 0 {
			prev = &c.Elements[i-1]
		}
		c.Elements[i].BeforeExtra = lead(c.Elements[i].BeforeExtra, prev, st, depth)
		if i == 0 && st.unit != "" {
			c.AfterExtra = closing(c.AfterExtra, parent, st, depth)
		}
	default:
		return false
	}
	return true
}

// lead is the whitespace before an added member or element: after the
// comments the patch moved there (which end a line), the line break and
// indent of prev, the one before it; in an empty container, a new line one
// unit in (none in a document on one line).
func lead(have hujson.Extra, prev *hujson.Value, st textStyle, depth int) hujson.Extra {
	var ws string
	switch {
	case prev != nil && bytes.IndexByte(prev.BeforeExtra, '\n') >= 0:
		ws = st.nl + indentBefore(prev.BeforeExtra, st, depth+1)
	case prev != nil:
		ws = string(spaceOnly(prev.BeforeExtra))
	case st.unit != "":
		ws = st.nl + strings.Repeat(st.unit, depth+1)
	}
	if len(have) > 0 && bytes.HasSuffix(have, []byte("\n")) {
		ws = strings.TrimPrefix(ws, st.nl)
	}
	return append(slices.Clip(have), ws...)
}

// closing is the whitespace before the closing bracket of a container that
// had no members and now has one: a line break and the container's indent.
func closing(have hujson.Extra, container *hujson.Value, st textStyle, depth int) hujson.Extra {
	if bytes.IndexByte(have, '\n') >= 0 {
		return have
	}
	return hujson.Extra(st.nl + indentBefore(container.BeforeExtra, st, depth))
}

// lastValue is the last member's value or element of a container, or nil.
func lastValue(v *hujson.Value) *hujson.Value {
	switch c := v.Value.(type) {
	case *hujson.Object:
		if len(c.Members) > 0 {
			return &c.Members[len(c.Members)-1].Value
		}
	case *hujson.Array:
		if len(c.Elements) > 0 {
			return &c.Elements[len(c.Elements)-1]
		}
	}
	return nil
}

// spaceOnly is extra if it is whitespace on one line, else one space.
func spaceOnly(extra hujson.Extra) hujson.Extra {
	if len(bytes.Trim(extra, " \t")) == 0 {
		return slices.Clone(extra)
	}
	return hujson.Extra(" ")
}
