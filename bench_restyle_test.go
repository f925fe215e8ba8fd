package configmgr

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tailscale/hujson"
)

// BenchmarkParsePlain and BenchmarkParseCommented compare what a document
// costs to parse (and make standard, for the validator) with comments and
// trailing commas (testdata/styles/commented.jsonc, WithComments) and
// without: the same bytes with each comment and trailing comma a space.
func BenchmarkParsePlain(b *testing.B) {
	benchParse(b, false)
}

func BenchmarkParseCommented(b *testing.B) {
	benchParse(b, true)
}

func benchParse(b *testing.B, comments bool) {
	data, err := os.ReadFile(filepath.Join("testdata", "styles", "commented.jsonc"))
	if err != nil {
		b.Fatal(err)
	}
	if !comments {
		if data, err = hujson.Standardize(data); err != nil {
			b.Fatal(err)
		}
	}
	m := &Manager{o: defaultOptions()}
	m.o.comments = comments
	m.sch.Store(&schemaState{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m.parseText("bench", data); err != nil {
			b.Fatal(err)
		}
	}
}
