package sqlite_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/sqlite"
)

// tricky is a document that the design document's migrator flattens
// wrongly: deep nesting, arrays of objects, null, booleans, 1.0 against 1,
// -0, a huge exponent, an integer beyond float64, empty containers, unicode
// and a dotted key beside a nested one.
const tricky = `{
  "a.b": 1,
  "a": {
    "b": 2,
    "l2": {
      "l3": {
        "l4": {
          "deep": "yes"
        }
      }
    }
  },
  "servers": [
    {
      "host": "a",
      "port": 1.0
    },
    {
      "host": "b",
      "port": 1
    }
  ],
  "nothing": null,
  "on": true,
  "off": false,
  "neg": -0,
  "huge": 1e400,
  "big": 9007199254740993,
  "empty_obj": {},
  "empty_arr": [],
  "unicode": "h\u00e9llo \ud83d\ude00 ✓",
  "features": {
    "new_ui": true
  }
}
`

func fileStore(t *testing.T, dir string) *configmgr.FileStore {
	t.Helper()
	os.MkdirAll(filepath.Join(dir, "config"), 0o755)
	s, err := configmgr.NewFileStore(filepath.Join(dir, "config"), filepath.Join(dir, "backups"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dump lists every file of a file store's two directories with its content.
func dump(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	for _, sub := range []string{"config", "backups"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue // lock files
			}
			data, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[sub+"/"+e.Name()] = string(data)
		}
	}
	return out
}

// TestMigrateRoundTrip: files to SQLite to files gives identical bytes,
// backups (with their IDs) and schema included, and Migrate is idempotent.
func TestMigrateRoundTrip(t *testing.T) {
	ctx := t.Context()
	srcDir := t.TempDir()
	src := fileStore(t, srcDir)
	if err := src.SetSchema(ctx, []byte(`{"type": "object"}`)); err != nil {
		t.Fatal(err)
	}
	m, err := configmgr.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(srcDir, "config", "tricky.json"), []byte(tricky), 0o600)
	for i := range 3 {
		if err := m.Update("tricky", map[string]any{"counter": i}); err != nil {
			t.Fatal(err)
		}
	}
	// A backup in the Python tool's naming, too.
	os.WriteFile(filepath.Join(srcDir, "backups", "tricky.json.backup_20240120_100000"), []byte(tricky), 0o600)
	os.WriteFile(filepath.Join(srcDir, "config", "plain.json"), []byte("{\"x\": 1}"), 0o600)

	db, err := sqlite.Open(filepath.Join(t.TempDir(), "config.db"), sqlite.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := configmgr.Migrate(ctx, db, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Copied) != 2 || r.Backups != 4 || !r.Schema || r.Bytes == 0 {
		t.Fatalf("report: %+v", r)
	}
	t.Log("files to SQLite:", r)
	r, err = configmgr.Migrate(ctx, db, src)
	if err != nil || len(r.Copied) != 0 || len(r.Unchanged) != 2 || r.Schema || !strings.HasPrefix(r.String(), "nothing to do") {
		t.Fatalf("second Migrate = %v, %v; want nothing to do", r, err)
	}

	// The stored bytes are exactly the file's.
	doc, err := db.Get(ctx, "tricky")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(srcDir, "config", "tricky.json"))
	if !bytes.Equal(doc.Data, want) {
		t.Fatalf("SQLite holds\n%s\nwant\n%s", doc.Data, want)
	}

	backDir := t.TempDir()
	back := fileStore(t, backDir)
	if _, err := configmgr.Migrate(ctx, back, db); err != nil {
		t.Fatal(err)
	}
	a, b := dump(t, srcDir), dump(t, backDir)
	b["config/schema.json"] = a["config/schema.json"] // written by SetSchema both times
	if fmt.Sprint(a) != fmt.Sprint(b) {
		keys := func(m map[string]string) []string {
			var k []string
			for n := range m {
				k = append(k, n)
			}
			sort.Strings(k)
			return k
		}
		t.Fatalf("files -> SQLite -> files differs:\n%q\n%q", keys(a), keys(b))
	}

	// A destination holding something else is never overwritten.
	other := fileStore(t, t.TempDir())
	other.Put(ctx, "plain", []byte(`{"x": 2}`), configmgr.PutOptions{})
	if _, err := configmgr.Migrate(ctx, other, db); !errors.Is(err, configmgr.ErrConflict) {
		t.Fatalf("Migrate onto a different schema/document = %v; want ErrConflict", err)
	}
}

// TestQueries: the config_values view answers the questions people
// migrate for, at any depth, without confusing dotted keys with nesting.
func TestQueries(t *testing.T) {
	m, _ := newManager(t)
	ctx := t.Context()
	if err := m.Update("staging", map[string]any{"features": map[string]any{"new_ui": false}}); err != nil {
		t.Fatal(err)
	}
	db := m.Store().(*sqlite.Store).DB()
	query := func(q string, args ...any) []string {
		t.Helper()
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a, b string
			if err := rows.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, a+"="+b)
		}
		return out
	}
	got := query(`SELECT env, type FROM config_values WHERE path = 'features.new_ui' AND type = 'true' ORDER BY env`)
	if strings.Join(got, ",") != "dev=true" {
		t.Fatalf("environments with features.new_ui true: %v", got)
	}
	got = query(`SELECT env, value FROM config_values WHERE path = 'cache.ttl' ORDER BY env`)
	if strings.Join(got, ",") != "dev=300,production=3600,staging=1800" {
		t.Fatalf("every cache.ttl: %v", got)
	}
	s := m.Store().(*sqlite.Store)
	if err := s.Import(ctx, configmgr.Snapshot{Env: "tricky", Data: []byte(tricky)}); err != nil {
		t.Fatal(err)
	}
	got = query(`SELECT path, value FROM config_values WHERE env = 'tricky' AND key IN ('b', 'a.b', 'deep', 'host') ORDER BY path`)
	want := `"a.b"=1,a.b=2,a.l2.l3.l4.deep=yes,servers[0].host=a,servers[1].host=b`
	if strings.Join(got, ",") != want {
		t.Fatalf("paths: %v\nwant %s", got, want)
	}
	got = query(`SELECT pointer, type FROM config_values WHERE env = 'tricky' AND path IN ('big', 'huge', 'neg', 'nothing', 'empty_obj', 'a.l2.l3.l4', '"a.b"') ORDER BY pointer`)
	want = "/a.b=integer,/a/l2/l3/l4=object,/big=integer,/empty_obj=object,/huge=real,/neg=integer,/nothing=null"
	if strings.Join(got, ",") != want {
		t.Fatalf("pointers and types: %v\nwant %s", got, want)
	}
}

// TestCommentedDocuments: a document with comments and trailing commas
// (WithComments) is stored as written, byte for byte, and the
// config_values view still sees its values: SQLite's JSON functions read
// JSON5, of which JWCC is a part.
func TestCommentedDocuments(t *testing.T) {
	commented, err := os.ReadFile(filepath.Join("..", "testdata", "styles", "commented.jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.db")
	m, err := sqlite.New(path, sqlite.WithCreate(), configmgr.WithoutSchema(), configmgr.WithComments())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Store().(*sqlite.Store)
	ctx := t.Context()
	if err := s.Import(ctx, configmgr.Snapshot{Env: "production", Data: commented}); err != nil {
		t.Fatal(err)
	}
	if err := m.Update("production", map[string]any{"cache": map[string]any{"ttl": 600}}); err != nil {
		t.Fatal(err)
	}
	doc, err := s.Get(ctx, "production")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(commented), `"ttl": 3600, // seconds`, `"ttl": 600, // seconds`, 1)
	if string(doc.Data) != want {
		t.Errorf("stored:\n%s\nwant:\n%s", doc.Data, want)
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT path, value FROM config_values WHERE env = 'production' AND type NOT IN ('object', 'array') ORDER BY path`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var p, v string
		if err := rows.Scan(&p, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, p+"="+v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if w := "cache.enabled=1,cache.ttl=600,database.host=db.internal,database.port=5432,environment=production,legacy.mode=old"; strings.Join(got, ",") != w {
		t.Errorf("config_values of a commented document: %v\nwant %s", got, w)
	}

	// Files -> SQLite -> files: the bytes, comments and all, survive.
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "a", "production.json"), commented, 0o600)
	files, err := configmgr.NewFileStore(filepath.Join(dir, "a"), filepath.Join(dir, "a-backups"))
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	db, err := sqlite.Open(filepath.Join(dir, "m.db"), sqlite.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	back, err := configmgr.NewFileStore(filepath.Join(dir, "b"), filepath.Join(dir, "b-backups"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := configmgr.Migrate(ctx, db, files); err != nil {
		t.Fatal(err)
	}
	if _, err := configmgr.Migrate(ctx, back, db); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "b", "production.json")); string(got) != string(commented) {
		t.Errorf("after files -> SQLite -> files:\n%s\nwant\n%s", got, commented)
	}
}
