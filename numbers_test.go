package configmgr_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

// TestAbsurdNumbers: a number with a huge exponent or thousands of digits
// is refused by the parser, with its line and column, before any validator
// sees it, in a stored document, a patch and a written value alike; the
// bounds keep every number a float64 can hold, and then some.
func TestAbsurdNumbers(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	for _, n := range []string{"1e1000000", "-1E+1001", "1e-999999", strings.Repeat("7", 1001)} {
		os.WriteFile(filepath.Join(configDir, "big.json"), []byte("{\n  \"n\": "+n+"\n}"), 0o600)
		start := time.Now()
		_, err := m.Read("big")
		var de *configmgr.DecodeError
		if !errors.As(err, &de) || de.Line != 2 || de.Column != 8 {
			t.Errorf("Read of %.20s = %v; want a *DecodeError at 2:8", n, err)
		}
		if strings.Contains(err.Error(), n) {
			t.Errorf("the error quotes the number: %v", err)
		}
		if err := m.Update("dev", json.RawMessage(`{"cache": {"ttl": `+n+`}}`)); !errors.As(err, &de) {
			t.Errorf("Update with %.20s = %v; want a *DecodeError", n, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("refusing %.20s took %v", n, d)
		}
	}
	for _, n := range []string{"1e1000", "1.7976931348623157e308", "-4.9e-324", "1e-1000", strings.Repeat("9", 1000)} {
		dev := readFile(t, filepath.Join(configDir, "dev.json"))
		os.WriteFile(filepath.Join(configDir, "ok.json"), []byte(strings.Replace(dev, "{", `{"n": `+n+`,`, 1)), 0o600)
		if _, err := m.Read("ok"); err != nil {
			t.Errorf("Read of %.20s = %v", n, err)
		}
	}
}

// blockingCompiler's validators block until release is closed, as a
// validator stuck on a costly document would.
type blockingCompiler struct{ release chan struct{} }

func (c blockingCompiler) Compile([]byte) (configmgr.Validator, error) { return c, nil }

func (c blockingCompiler) Validate([]byte) ([]configmgr.Violation, error) {
	<-c.release
	return nil, nil
}

// TestValidationHonoursContext: a call whose validation outlasts its
// context returns at the deadline, and the lock it held is free for the
// next writer at once.
func TestValidationHonoursContext(t *testing.T) {
	c := blockingCompiler{release: make(chan struct{})}
	defer close(c.release)
	mem := storetest.NewMemStore()
	mem.Put(t.Context(), "dev", []byte(`{"a": 1}`), configmgr.PutOptions{})
	m, err := configmgr.Open(mem, configmgr.WithSchema([]byte(`{}`)), configmgr.WithCompiler(c))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dir := t.TempDir()
	fm, err := configmgr.New(dir, filepath.Join(dir, "backups"), configmgr.WithSchema([]byte(`{}`)), configmgr.WithCompiler(c))
	if err != nil {
		t.Fatal(err)
	}
	defer fm.Close()
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"a": 1}`), 0o600)
	for name, m := range map[string]*configmgr.Manager{"mem": m, "file": fm} {
		for call, fn := range map[string]func(ctx context.Context) error{
			"Read":   func(ctx context.Context) error { _, err := m.ReadContext(ctx, "dev"); return err },
			"Update": func(ctx context.Context) error { return m.UpdateContext(ctx, "dev", map[string]any{"a": 2}) },
		} {
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			start := time.Now()
			err := fn(ctx)
			cancel()
			if d := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || d > time.Second {
				t.Errorf("%s %s with a stuck validator = %v after %v; want the deadline's error at 100ms", name, call, err, d)
			}
		}
	}
	// The lock is free: a write whose own validation is stuck gets it and
	// fails on its own deadline, not on a lock held by the first.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			if err := fm.UpdateContext(ctx, "dev", map[string]any{"a": 3}); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("concurrent Update = %v", err)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkWorstCaseNumbers reads, uncached, a document of the default
// size limit (4 MiB) made of the costliest numbers the parser accepts
// (exponent 1000), each checked by a "maximum", against the floor of
// json.Unmarshal of the same bytes. Both are proportional to the size: no
// number costs more than microseconds.
func BenchmarkWorstCaseNumbers(b *testing.B) {
	doc := func(num string) [][]byte {
		var sb strings.Builder
		sb.WriteString("{")
		for i := 0; sb.Len() < 4<<20-64; i++ {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `"k%d":%s`, i, num)
		}
		sb.WriteString("}")
		return [][]byte{[]byte(sb.String()), []byte(strings.Replace(sb.String(), `"k0":`, `"k0" :`, 1))}
	}
	schema := []byte(`{"type": "object", "additionalProperties": {"type": "number", "maximum": 1e1000}}`)
	for _, num := range []string{"9.99e999", "1234567"} {
		docs := doc(num)
		b.Run("floor-unmarshal/"+num, func(b *testing.B) {
			b.SetBytes(int64(len(docs[0])))
			for b.Loop() {
				dec := json.NewDecoder(strings.NewReader(string(docs[0])))
				dec.UseNumber()
				var v map[string]any
				if err := dec.Decode(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Read/"+num, func(b *testing.B) { uncachedReads(b, schema, configmgr.GoJSONSchema{}, docs) })
	}
}

// uncachedReads measures Read of docs, taken in turn, each under a new
// revision, so that every Read parses and validates.
func uncachedReads(b *testing.B, schema []byte, c configmgr.Compiler, docs [][]byte) {
	mem := storetest.NewMemStore()
	m, err := configmgr.Open(mem, configmgr.WithSchema(schema), configmgr.WithCompiler(c))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.SetBytes(int64(len(docs[0])))
	rev := configmgr.Revision("")
	i := 0
	for b.Loop() {
		if rev, err = mem.Put(context.Background(), "dev", docs[i%len(docs)], configmgr.PutOptions{Revision: rev}); err != nil {
			b.Fatal(err)
		}
		i++
		if _, err := m.Read("dev"); err != nil {
			b.Fatal(err)
		}
	}
}
