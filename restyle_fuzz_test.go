package configmgr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/tailscale/hujson"
)

// A random document in a random style: the generator of FuzzRestyle.
type styleGen struct {
	r        *rand.Rand
	unit, nl string // "" unit: all on one line
	colon    string // after the colon
	comments bool   // comments and trailing commas
}

func (g *styleGen) scalar() string {
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprint(g.r.IntN(2000) - 1000)
	case 1:
		return []string{"1.50", "0.10", "1e3", "-0", "12345678901234567890"}[g.r.IntN(5)]
	case 2:
		return []string{`"a"`, `"x y"`, `"\u00e9"`, `"q\"uote"`, `""`}[g.r.IntN(5)]
	case 3:
		return "true"
	case 4:
		return "false"
	}
	return "null"
}

func (g *styleGen) comment(b *strings.Builder) {
	if g.comments && g.r.IntN(4) == 0 {
		if g.unit != "" && g.r.IntN(2) == 0 {
			b.WriteString(" // note " + fmt.Sprint(g.r.IntN(100)) + g.nl)
		} else {
			b.WriteString(" /* c" + fmt.Sprint(g.r.IntN(100)) + " */ ")
		}
	}
}

func (g *styleGen) line(b *strings.Builder, depth int) {
	if g.unit == "" {
		return
	}
	b.WriteString(g.nl)
	b.WriteString(strings.Repeat(g.unit, depth))
}

func (g *styleGen) value(b *strings.Builder, depth int) {
	if depth >= 3 || g.r.IntN(3) > 0 {
		b.WriteString(g.scalar())
		return
	}
	n := g.r.IntN(4)
	if g.r.IntN(4) == 0 { // an array
		b.WriteByte('[')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			g.line(b, depth+1)
			g.value(b, depth+1)
		}
		if n > 0 && g.comments && g.r.IntN(3) == 0 {
			b.WriteByte(',')
		}
		if n > 0 {
			g.line(b, depth)
		}
		b.WriteByte(']')
		return
	}
	g.object(b, depth, n)
}

func (g *styleGen) object(b *strings.Builder, depth, n int) {
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
			g.comment(b)
		}
		g.line(b, depth+1)
		fmt.Fprintf(b, `"k%d"`, i)
		b.WriteString(":" + g.colon)
		g.value(b, depth+1)
	}
	if n > 0 && g.comments && g.r.IntN(3) == 0 {
		b.WriteByte(',')
	}
	if n > 0 {
		g.comment(b)
		g.line(b, depth)
	}
	b.WriteByte('}')
}

func (g *styleGen) document() []byte {
	var b strings.Builder
	if g.comments && g.r.IntN(2) == 0 {
		b.WriteString("// top" + g.nl)
	}
	g.object(&b, 0, 1+g.r.IntN(5))
	if g.r.IntN(4) > 0 {
		b.WriteString(g.nl)
	}
	return []byte(b.String())
}

// onePatch is a merge patch that changes one place of doc: a value
// replaced, a member removed, or one added.
func onePatch(r *rand.Rand, doc map[string]any) string {
	path := []string{}
	cur := doc
	for {
		keys := make([]string, 0, len(cur))
		for k := range cur {
			keys = append(keys, k)
		}
		if len(keys) == 0 || r.IntN(3) == 0 {
			break
		}
		k := keys[r.IntN(len(keys))]
		sub, ok := cur[k].(map[string]any)
		if !ok || r.IntN(2) == 0 {
			path = append(path, k)
			cur = nil
			break
		}
		path = append(path, k)
		cur = sub
	}
	var val string
	if cur != nil { // add a member to the object at path
		path = append(path, fmt.Sprintf("new%d", r.IntN(1000)))
		val = []string{`7`, `"added"`, `{"x": 1, "y": [1, 2]}`, `[]`, `{}`}[r.IntN(5)]
	} else if r.IntN(3) == 0 {
		val = "null" // remove
	} else {
		val = []string{`42`, `"changed"`, `false`, `{"z": true}`, `[3]`}[r.IntN(5)]
	}
	out := val
	for i := len(path) - 1; i >= 0; i-- {
		out = fmt.Sprintf(`{%q: %s}`, path[i], out)
	}
	return out
}

// applyText is what a Manager's Update does to a document's text.
func applyText(t *testing.T, old []byte, patch string, comments bool) []byte {
	t.Helper()
	std := old
	if comments {
		var err error
		if std, err = hujson.Standardize(bytes.Clone(old)); err != nil {
			t.Fatalf("the generated text is not JWCC: %v\n%s", err, old)
		}
	}
	cur, err := parseObject(std, "old", true)
	if err != nil {
		t.Fatalf("the generated text does not parse: %v\n%s", err, old)
	}
	p, err := parseDocument([]byte(patch), "patch", false)
	if err != nil {
		t.Fatal(err)
	}
	nv := mergePatch(cur, p).(*object)
	// A large document is restyled member by member (restyleMembers):
	// the same text as restyling the whole, wherever that applies.
	if byMembers, ok := restyleMembers(old, cur, nv); ok {
		if whole, ok := restyle(old, cur, nv); ok && !bytes.Equal(byMembers, whole) {
			t.Fatalf("patch %s of\n%q\nrestyled by members:\n%q\nrestyled whole:\n%q", patch, old, byMembers, whole)
		}
	}
	return encodeLike(old, cur, nv)
}

// standardValue is the value of a JWCC or JSON text.
func standardValue(t *testing.T, text []byte) any {
	t.Helper()
	std, err := hujson.Standardize(bytes.Clone(text))
	if err != nil {
		t.Fatalf("not JWCC: %v\n%s", err, text)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(std))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, std)
	}
	return normNumbers(v)
}

// normNumbers makes numbers comparable by value (1e3 and 1000 alike).
func normNumbers(v any) any {
	switch c := v.(type) {
	case map[string]any:
		for k, e := range c {
			c[k] = normNumbers(e)
		}
	case []any:
		for i, e := range c {
			c[i] = normNumbers(e)
		}
	case json.Number:
		f, _ := c.Float64()
		return f
	}
	return v
}

// oracleMerge is RFC 7396, as the RFC writes it.
func oracleMerge(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = oracleMerge(t[k], v)
		}
	}
	return t
}

// allowedRegion is the part of old a one-place patch may change: the
// value it replaces; for a member it removes, from the end of the value
// before it to the start of the one after; for a member it adds, from
// the end of the last member to the end of the object.
func allowedRegion(t *testing.T, old []byte, comments bool, patch string) (lo, hi int) {
	root, err := hujson.Parse(bytes.Clone(old))
	if err != nil {
		t.Fatal(err)
	}
	root.UpdateOffsets()
	var pv any
	json.Unmarshal([]byte(patch), &pv)
	v := &root
	for {
		pm, ok := pv.(map[string]any)
		obj, isObj := v.Value.(*hujson.Object)
		if !ok || !isObj {
			return v.StartOffset, v.EndOffset // a value replaced
		}
		var k string
		for k = range pm {
		}
		i := -1
		for n, m := range obj.Members {
			if m.Name.Value.(hujson.Literal).String() == k {
				i = n
			}
		}
		start := v.StartOffset + 1 // after "{"

		if i < 0 { // added at the end
			if len(obj.Members) > 0 {
				start = obj.Members[len(obj.Members)-1].Value.EndOffset
			}
			return start, v.EndOffset
		}
		if pm[k] == nil { // removed
			if i > 0 {
				start = obj.Members[i-1].Value.EndOffset
			}
			end := v.EndOffset
			if i+1 < len(obj.Members) {
				end = obj.Members[i+1].Name.StartOffset
			}
			return start, end
		}
		v, pv = &obj.Members[i].Value, pm[k]
	}
}

// FuzzRestyle: for a random document in a random style, with comments and
// trailing commas or without, a random one-place merge patch changes the
// text only where it must, and the result is what RFC 7396 says. A
// several-place patch gives the same text as its places one by one.
func FuzzRestyle(f *testing.F) {
	for seed := range uint64(200) {
		f.Add(seed, seed%2 == 0)
	}
	f.Fuzz(func(t *testing.T, seed uint64, comments bool) {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		g := &styleGen{r: r, unit: []string{"", "  ", "    ", "\t"}[r.IntN(4)], nl: []string{"\n", "\r\n"}[r.IntN(2)],
			colon: []string{"", " "}[r.IntN(2)], comments: comments}
		text := g.document()
		var patches []string
		seq := text
		for range 1 + r.IntN(4) {
			doc := standardValue(t, seq).(map[string]any)
			patch := onePatch(r, doc)
			patches = append(patches, patch)
			next := applyText(t, seq, patch, comments)

			var pv any
			json.Unmarshal([]byte(patch), &pv)
			if want, got := oracleMerge(doc, normNumbers(pv)), standardValue(t, next); !reflect.DeepEqual(got, want) {
				t.Fatalf("patch %s of\n%s\ngave\n%s\nwhich is %v, want %v", patch, seq, next, got, want)
			}
			// next must be old[:lo] + something + old[hi:].
			if lo, hi := allowedRegion(t, seq, comments, patch); !bytes.HasPrefix(next, seq[:lo]) || !bytes.HasSuffix(next[lo:], seq[hi:]) {
				t.Fatalf("patch %s of\n%q\ngave\n%q\nwhich changes more than old[%d:%d] = %q", patch, seq, next, lo, hi, seq[lo:hi])
			}
			seq = next
		}
		// All at once: the patches merged into one (later wins) give the
		// same value.
		all := text
		for _, p := range patches {
			all = applyText(t, all, p, comments)
		}
		if !bytes.Equal(all, seq) {
			t.Fatalf("applying the patches again gave other text")
		}
	})
}
