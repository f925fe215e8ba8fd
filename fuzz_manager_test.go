package configmgr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

// FuzzManager round-trips whole documents through the Manager: Write then
// Read gives what encoding/json reads; a no-op UpdateFunc leaves the
// stored bytes as they were; Update gives what an independent RFC 7396
// merge (github.com/evanphx/json-patch) gives. A document the Manager
// refuses must be refused with a typed error.
func FuzzManager(f *testing.F) {
	files, _ := filepath.Glob("testdata/config/*.json")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data, []byte(`{"cache": {"ttl": 600}, "features": {"new": true, "analytics": null}}`))
	}
	for _, s := range [][2]string{
		{`{"a": 1.50, "b": [1, {"c": null}], "d": "\u00e9\ud83d\ude00"}`, `{"b": {"x": 1}, "a": null, "e": [true]}`},
		{`{"n": 9007199254740993, "f": -0, "e": 1E400}`, `{"n": 1e-5}`},
		{`{}`, `{"a": {"b": {"c": {}}}}`},
		{`{"a": {"b": 1}}`, `{"a": {"b": null}}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, doc, patch []byte) {
		mem := storetest.NewMemStore()
		m, err := configmgr.Open(mem, configmgr.WithoutSchema())
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		if !json.Valid(doc) {
			return
		}
		if err := m.Write("dev", json.RawMessage(doc)); err != nil {
			var de *configmgr.DecodeError
			if !errors.As(err, &de) && !errors.Is(err, configmgr.ErrNotObject) && !errors.Is(err, configmgr.ErrTooLarge) {
				t.Fatalf("Write(%q) = %v; want a typed error", doc, err)
			}
			return
		}
		got, err := m.Read("dev")
		if err != nil {
			t.Fatalf("Read after Write(%q) = %v", doc, err)
		}
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(any(got), want) {
			t.Fatalf("Read after Write(%q) = %#v; encoding/json reads %#v", doc, got, want)
		}

		stored, _ := mem.Get(t.Context(), "dev")
		if err := m.UpdateFunc("dev", func(map[string]any) error { return nil }); err != nil {
			t.Fatalf("no-op UpdateFunc = %v", err)
		}
		after, _ := mem.Get(t.Context(), "dev")
		if !bytes.Equal(after.Data, stored.Data) {
			t.Fatalf("a no-op UpdateFunc changed the bytes:\n%s\n%s", stored.Data, after.Data)
		}

		if !json.Valid(patch) {
			return
		}
		oracle, oerr := jsonpatch.MergePatch(after.Data, patch)
		if err := m.Update("dev", json.RawMessage(patch)); err != nil {
			var de *configmgr.DecodeError
			if !errors.As(err, &de) && !errors.Is(err, configmgr.ErrNotObject) && !errors.Is(err, configmgr.ErrTooLarge) {
				t.Fatalf("Update(%q) = %v; want a typed error", patch, err)
			}
			return
		}
		if oerr != nil {
			return // the oracle refuses some inputs
		}
		merged, _ := mem.Get(t.Context(), "dev")
		g, err := configmgr.NumbersNormalized(merged.Data)
		if err != nil {
			t.Fatalf("the merged document does not parse: %v", err)
		}
		w, err := configmgr.NumbersNormalized(oracle)
		if err != nil {
			t.Fatalf("the oracle's document does not parse: %v", err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("Update(%s, %s) = %s; RFC 7396 says %s", after.Data, patch, merged.Data, oracle)
		}
	})
}
