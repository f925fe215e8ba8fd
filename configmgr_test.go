package configmgr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

// The design document's four unit tests, ported.

func TestWriteAndRead(t *testing.T) {
	m, _, _ := newManager(t, false)
	cfg := validConfig()
	if err := m.Write("test", cfg); err != nil {
		t.Fatal(err)
	}
	got, err := m.Read("test")
	if err != nil {
		t.Fatal(err)
	}
	// Numbers come back as json.Number; compare through JSON.
	a, _ := json.Marshal(cfg)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Fatalf("Read = %s; want %s", b, a)
	}
}

func TestValidation(t *testing.T) {
	m, configDir, _ := newManager(t, false)
	invalid := map[string]any{
		"environment": "invalid_env",
		"database":    map[string]any{"host": "localhost"},
	}
	err := m.Write("test", invalid)
	var ve *configmgr.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Write(invalid) = %v; want *ValidationError", err)
	}
	var ptrs []string
	for _, v := range ve.Violations {
		ptrs = append(ptrs, v.Pointer)
	}
	want := []string{"/database/name", "/database/password", "/database/port", "/database/username", "/environment", "/logging"}
	if !reflect.DeepEqual(ptrs, want) {
		t.Fatalf("violations at %q; want %q\n%v", ptrs, want, err)
	}
	if _, err := os.Stat(filepath.Join(configDir, "test.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an invalid write created the file: %v", err)
	}
}

func TestBackupCreation(t *testing.T) {
	m, _, backupDir := newManager(t, false)
	cfg := validConfig()
	if err := m.Write("test", cfg); err != nil {
		t.Fatal(err)
	}
	cfg["database"].(map[string]any)["port"] = 5433
	if err := m.Write("test", cfg); err != nil {
		t.Fatal(err)
	}
	backups, _ := filepath.Glob(filepath.Join(backupDir, "test.json.backup_*"))
	if len(backups) != 1 {
		t.Fatalf("backups = %v; want 1", backups)
	}
}

func TestUpdate(t *testing.T) {
	m, _, _ := newManager(t, false)
	if err := m.Write("test", validConfig()); err != nil {
		t.Fatal(err)
	}
	if err := m.Update("test", map[string]any{"database": map[string]any{"port": 5433}}); err != nil {
		t.Fatal(err)
	}
	got, err := m.Read("test")
	if err != nil {
		t.Fatal(err)
	}
	db := got["database"].(map[string]any)
	if db["port"] != json.Number("5433") || db["host"] != "localhost" {
		t.Fatalf("after Update, database = %v", db)
	}
}

func TestNewSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		want         error
	}{
		{"missing", "", configmgr.ErrNotFound},
		{"not JSON", "{", configmgr.ErrInvalidSchema},
		{"not an object", "[1]", configmgr.ErrInvalidSchema},
		{"bad keyword", `{"type": 12}`, configmgr.ErrInvalidSchema},
		{"bad regex", `{"pattern": "("}`, configmgr.ErrInvalidSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.schema != "" {
				os.WriteFile(filepath.Join(dir, "schema.json"), []byte(tc.schema), 0o600)
			}
			m, err := configmgr.New(dir, filepath.Join(dir, "b"))
			if !errors.Is(err, tc.want) {
				t.Fatalf("New = %v, %v; want %v", m, err, tc.want)
			}
		})
	}
	dir := t.TempDir()
	m, err := configmgr.New(dir, filepath.Join(dir, "b"), configmgr.WithoutSchema())
	if err != nil {
		t.Fatalf("New(WithoutSchema) = %v", err)
	}
	defer m.Close()
	if err := m.Write("free", map[string]any{"anything": []int{1}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Write("free", []int{1}); !errors.Is(err, configmgr.ErrNotObject) {
		t.Fatalf("Write of an array = %v; want ErrNotObject", err)
	}
}

func TestLoadDefaults(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	type Config struct {
		Environment string `json:"environment"`
		Database    struct {
			Host     string `json:"host"`
			Port     int    `json:"port"`
			PoolSize int    `json:"pool_size"`
		} `json:"database"`
		Cache struct {
			Enabled bool `json:"enabled"`
			TTL     int  `json:"ttl"`
			MaxSize int  `json:"max_size"`
		} `json:"cache"`
		Features map[string]bool `json:"features"`
	}
	before := readFile(t, filepath.Join(configDir, "production.json"))
	var cfg Config
	if err := m.Load("production", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Database.PoolSize != 10 || cfg.Cache.MaxSize != 1000 || cfg.Cache.TTL != 3600 || cfg.Database.Port != 5432 {
		t.Fatalf("Load(production) = %+v; want pool_size 10 and max_size 1000 from defaults", cfg)
	}
	if after := readFile(t, filepath.Join(configDir, "production.json")); after != before {
		t.Fatal("Load wrote defaults back to the file")
	}
	raw, _ := m.Read("production")
	if _, ok := raw["database"].(map[string]any)["pool_size"]; ok {
		t.Fatal("Read shows a default that is not stored")
	}
	// A missing object whose schema gives defaults below it gets them
	// (ajv's useDefaults would leave it out).
	if err := m.Update("production", map[string]any{"cache": nil}); err != nil {
		t.Fatal(err)
	}
	cfg = Config{}
	if err := m.Load("production", &cfg); err != nil {
		t.Fatal(err)
	}
	if !cfg.Cache.Enabled || cfg.Cache.TTL != 3600 || cfg.Cache.MaxSize != 1000 {
		t.Fatalf("defaults under a missing object: %+v; want enabled, 3600, 1000", cfg.Cache)
	}
	if raw, _ := m.Read("production"); raw["cache"] != nil {
		t.Fatal("Read shows the object that defaults made")
	}
}

func TestLoadErrors(t *testing.T) {
	m, _, _ := newManager(t, true)
	var wrong struct {
		Database struct {
			Port string `json:"port"`
		} `json:"database"`
	}
	err := m.Load("dev", &wrong)
	var de *configmgr.DecodeError
	if !errors.As(err, &de) || de.Key != "database.port" {
		t.Fatalf("Load into a mismatched struct = %v; want *DecodeError for database.port", err)
	}
	var notPtr struct{}
	if err := m.Load("dev", notPtr); err == nil {
		t.Fatal("Load into a non-pointer succeeded")
	}
	strict, _, _ := newManager(t, true, configmgr.WithDisallowUnknownFields())
	var partial struct {
		Environment string `json:"environment"`
	}
	if err := m.Load("dev", &partial); err != nil || partial.Environment != "development" {
		t.Fatalf("Load of part of a document = %v, %+v", err, partial)
	}
	err = strict.Load("dev", &partial)
	if !errors.As(err, &de) || de.Key == "" {
		t.Fatalf("strict Load with unknown keys = %v; want *DecodeError naming the key", err)
	}
}

func TestReadReturnsCopies(t *testing.T) {
	m, _, _ := newManager(t, true)
	a, err := m.Read("dev")
	if err != nil {
		t.Fatal(err)
	}
	a["database"].(map[string]any)["host"] = "corrupted"
	a["features"] = nil
	b, _ := m.Read("dev")
	if b["database"].(map[string]any)["host"] != "localhost" || b["features"] == nil {
		t.Fatalf("modifying one Read's result changed the next: %v", b)
	}
}

// countingCompiler counts validations, to show what the cache saves.
type countingCompiler struct{ n *int }

func (c countingCompiler) Compile(schema []byte) (configmgr.Validator, error) {
	v, err := configmgr.GoJSONSchema{}.Compile(schema)
	return countingValidator{v, c.n}, err
}

type countingValidator struct {
	configmgr.Validator
	n *int
}

func (c countingValidator) Validate(doc []byte) ([]configmgr.Violation, error) {
	*c.n++
	return c.Validator.Validate(doc)
}

func TestReadCache(t *testing.T) {
	var n int
	m, configDir, _ := newManager(t, true, configmgr.WithCompiler(countingCompiler{&n}))
	type C struct {
		Environment string `json:"environment"`
	}
	for range 5 {
		if _, err := m.Read("dev"); err != nil {
			t.Fatal(err)
		}
		var c C
		if err := m.Load("dev", &c); err != nil {
			t.Fatal(err)
		}
	}
	if n != 1 {
		t.Fatalf("5 Reads and 5 Loads of an unchanged file validated it %d times; want 1", n)
	}
	// A change by another writer is seen at once.
	path := filepath.Join(configDir, "dev.json")
	data := strings.Replace(readFile(t, path), `"localhost"`, `"db.example"`, 1)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := m.Read("dev")
	if err != nil || cfg["database"].(map[string]any)["host"] != "db.example" {
		t.Fatalf("Read after an outside change = %v, %v", cfg["database"], err)
	}
	if n != 2 {
		t.Fatalf("validations = %d; want 2", n)
	}
}

func TestNumbersKeepText(t *testing.T) {
	m, configDir, _ := newManager(t, false, configmgr.WithoutSchema())
	path := filepath.Join(configDir, "n.json")
	src := "{\n  \"big\": 9007199254740993,\n  \"f\": 1.0,\n  \"e\": 1e400,\n  \"neg\": -0,\n  \"other\": 1\n}\n"
	os.WriteFile(path, []byte(src), 0o600)
	cfg, err := m.Read("n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg["big"] != json.Number("9007199254740993") || cfg["f"] != json.Number("1.0") {
		t.Fatalf("Read = %v", cfg)
	}
	if err := m.Update("n", map[string]any{"other": 2}); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, `"other": 1`, `"other": 2`, 1)
	if got := readFile(t, path); got != want {
		t.Fatalf("after Update:\n%s\nwant:\n%s", got, want)
	}
	if err := m.UpdateFunc("n", func(cfg map[string]any) error { cfg["other"] = 3; return nil }); err != nil {
		t.Fatal(err)
	}
	want = strings.Replace(src, `"other": 1`, `"other": 3`, 1)
	if got := readFile(t, path); got != want {
		t.Fatalf("after UpdateFunc:\n%s\nwant:\n%s", got, want)
	}
}

// TestOneLineDiff shows that updating one value of a hand-written file
// changes exactly one line, even where the file escapes characters the way
// Python's json.dump does.
func TestOneLineDiff(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	path := filepath.Join(configDir, "dev.json")
	src := readFile(t, path)
	src = strings.Replace(src, `"dev_password"`, `"d\u00e9v_p\u00e4ss\/word"`, 1)
	os.WriteFile(path, []byte(src), 0o600)
	for _, step := range []struct {
		name string
		do   func() error
	}{
		{"Update", func() error { return m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 600}}) }},
		{"UpdateFunc", func() error {
			return m.UpdateFunc("dev", func(c map[string]any) error { c["cache"].(map[string]any)["ttl"] = 601; return nil })
		}},
		{"Write", func() error {
			c, err := m.Read("dev")
			if err != nil {
				return err
			}
			c["cache"].(map[string]any)["ttl"] = 602
			return m.Write("dev", c)
		}},
	} {
		before := strings.Split(readFile(t, path), "\n")
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		after := strings.Split(readFile(t, path), "\n")
		if len(before) != len(after) {
			t.Fatalf("%s changed the number of lines: %d -> %d", step.name, len(before), len(after))
		}
		var changed []string
		for i := range before {
			if before[i] != after[i] {
				changed = append(changed, fmt.Sprintf("%q -> %q", before[i], after[i]))
			}
		}
		if len(changed) != 1 || !strings.Contains(changed[0], "ttl") {
			t.Fatalf("%s changed lines %v; want only the ttl line", step.name, changed)
		}
	}
	// New keys are appended after the existing ones.
	if err := m.Update("dev", map[string]any{"features": map[string]any{"zz_new": true, "aa_new": false}}); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	if !(strings.Index(got, `"analytics"`) < strings.Index(got, `"aa_new"`) && strings.Index(got, `"aa_new"`) < strings.Index(got, `"zz_new"`)) {
		t.Fatalf("new keys not appended in order:\n%s", got)
	}
}

func TestRestore(t *testing.T) {
	m, _, _ := newManager(t, true)
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 2}}); err != nil {
		t.Fatal(err)
	}
	bs, err := m.Backups("dev")
	if err != nil || len(bs) != 2 {
		t.Fatalf("Backups = %v, %v", bs, err)
	}
	// bs[0] holds ttl 1, bs[1] the original 300.
	if err := m.Restore("dev", bs[1].ID); err != nil {
		t.Fatal(err)
	}
	cfg, _ := m.Read("dev")
	if ttl := cfg["cache"].(map[string]any)["ttl"]; ttl != json.Number("300") {
		t.Fatalf("after Restore, ttl = %v; want 300", ttl)
	}
	// The restore backed up what it replaced, so it can be undone.
	bs2, _ := m.Backups("dev")
	if len(bs2) != 3 {
		t.Fatalf("Backups after Restore = %d; want 3", len(bs2))
	}
	if err := m.Restore("dev", bs2[0].ID); err != nil {
		t.Fatal(err)
	}
	cfg, _ = m.Read("dev")
	if ttl := cfg["cache"].(map[string]any)["ttl"]; ttl != json.Number("2") {
		t.Fatalf("undoing the Restore gave ttl %v; want 2", ttl)
	}
	if err := m.Restore("dev", "20200101_000000.000000000Z"); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("Restore(unknown ID) = %v; want ErrNotFound", err)
	}
	if err := m.Restore("dev", "../../dev.json"); !errors.Is(err, configmgr.ErrInvalidName) {
		t.Fatalf("Restore(../) = %v; want ErrInvalidName", err)
	}
}

func TestRestoreValidatesBackup(t *testing.T) {
	m, _, backupDir := newManager(t, true)
	id := "20240120_100000"
	os.WriteFile(filepath.Join(backupDir, "dev.json.backup_"+id), []byte(`{"environment": "nope"}`), 0o600)
	var ve *configmgr.ValidationError
	if err := m.Restore("dev", id); !errors.As(err, &ve) || ve.Source != "backup "+id {
		t.Fatalf("Restore of an invalid backup = %v; want *ValidationError naming the backup", err)
	}
}

// TestPythonLayout reads, lists and restores a directory as the design
// document's Python tool leaves it: one-second backup names in local time,
// json.dump output with no final newline.
func TestPythonLayout(t *testing.T) {
	configDir, backupDir := setup(t, true)
	os.MkdirAll(backupDir, 0o755)
	old := strings.Replace(readFile(t, filepath.Join(configDir, "dev.json")), `"ttl": 300`, `"ttl": 5`, 1)
	old = strings.TrimSuffix(old, "\n")
	for _, id := range []string{"20240120_100000", "20240120_100001", "20240119_235959"} {
		os.WriteFile(filepath.Join(backupDir, "dev.json.backup_"+id), []byte(old), 0o644)
	}
	m, err := configmgr.New(configDir, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	envs, err := m.Environments()
	if err != nil || strings.Join(envs, ",") != "dev,production,staging" {
		t.Fatalf("Environments = %v, %v", envs, err)
	}
	bs, err := m.Backups("dev")
	if err != nil || len(bs) != 3 || bs[0].ID != "20240120_100001" || bs[2].ID != "20240119_235959" {
		t.Fatalf("Backups = %v, %v", bs, err)
	}
	if bs[0].Time.Hour() != 10 || bs[0].Time.Location() != time.Local {
		t.Fatalf("legacy backup time %v; want 10:00:01 local", bs[0].Time)
	}
	if err := m.Restore("dev", "20240120_100000"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(configDir, "dev.json")); got != old {
		t.Fatalf("restored file differs from the backup")
	}
	bs, _ = m.Backups("dev")
	if len(bs) != 4 || bs[0].ID <= "20240120_100001" {
		t.Fatalf("after Restore, Backups = %v; want the new backup first", bs)
	}
}

func TestEnvironmentNames(t *testing.T) {
	m, configDir, backupDir := newManager(t, true)
	for _, env := range []string{"../x", "a/b", "", "a\x00b", ".hidden", "schema", strings.Repeat("a", 129), "dev\n", "dév"} {
		calls := map[string]error{
			"Read":   func() error { _, err := m.Read(env); return err }(),
			"Write":  m.Write(env, validConfig()),
			"Update": m.Update(env, map[string]any{}),
			"UpdateFunc": m.UpdateFunc(env, func(map[string]any) error {
				t.Errorf("UpdateFunc(%q) called fn", env)
				return nil
			}),
			"Restore": m.Restore(env, "20240120_100000"),
			"Backups": func() error { _, err := m.Backups(env); return err }(),
			"Load":    m.Load(env, &struct{}{}),
		}
		for name, err := range calls {
			if !errors.Is(err, configmgr.ErrInvalidName) {
				t.Errorf("%s(%q) = %v; want ErrInvalidName", name, env, err)
			}
		}
	}
	if err := m.Write(strings.Repeat("a", 128), validConfig()); err != nil {
		t.Errorf("a 128-byte name was refused: %v", err)
	}
	// Nothing was created outside the two directories.
	parent := filepath.Dir(configDir)
	entries, _ := os.ReadDir(parent)
	if len(entries) != 2 {
		t.Errorf("files appeared beside the config directory: %v", entries)
	}
	_ = backupDir
	// Lock and temporary files are not environments.
	envs, _ := m.Environments()
	for _, e := range envs {
		if strings.HasPrefix(e, ".") || strings.Contains(e, "tmp") || strings.Contains(e, "lock") {
			t.Errorf("Environments lists %q", e)
		}
	}
}

func TestCompareAndWrite(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *configmgr.Manager{
		"file": func(t *testing.T) *configmgr.Manager { m, _, _ := newManager(t, true); return m },
		"mem": func(t *testing.T) *configmgr.Manager {
			schema, _ := os.ReadFile("testdata/config/schema.json")
			m, err := configmgr.Open(storetest.NewMemStore(), configmgr.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Write("dev", validConfig()); err != nil {
				t.Fatal(err)
			}
			return m
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := open(t)
			cfg, rev, err := m.ReadRevision("dev")
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 7}}); err != nil {
				t.Fatal(err)
			}
			if err := m.CompareAndWrite("dev", rev, cfg); !errors.Is(err, configmgr.ErrConflict) {
				t.Fatalf("CompareAndWrite at a stale revision = %v; want ErrConflict", err)
			}
			cfg, rev, _ = m.ReadRevision("dev")
			cfg["environment"] = "staging"
			if err := m.CompareAndWrite("dev", rev, cfg); err != nil {
				t.Fatal(err)
			}
			if err := m.CompareAndWrite("new", "", validConfig()); err != nil {
				t.Fatalf("create at the zero revision = %v", err)
			}
			if err := m.CompareAndWrite("new", "", validConfig()); !errors.Is(err, configmgr.ErrConflict) {
				t.Fatalf("second create = %v; want ErrConflict", err)
			}
		})
	}
}

func TestUpdateFuncError(t *testing.T) {
	m, configDir, backupDir := newManager(t, true)
	before := readFile(t, filepath.Join(configDir, "dev.json"))
	sentinel := errors.New("no thanks")
	err := m.UpdateFunc("dev", func(cfg map[string]any) error { cfg["environment"] = "staging"; return sentinel })
	if err != sentinel {
		t.Fatalf("UpdateFunc = %v; want fn's error unchanged", err)
	}
	if readFile(t, filepath.Join(configDir, "dev.json")) != before {
		t.Fatal("a failed UpdateFunc wrote")
	}
	if bs, _ := os.ReadDir(backupDir); len(bs) != 0 {
		t.Fatalf("a failed UpdateFunc took a backup: %v", bs)
	}
	if err := m.UpdateFunc("missing", func(map[string]any) error { return nil }); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("UpdateFunc(missing) = %v", err)
	}
	if err := m.Update("missing", map[string]any{}); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("Update(missing) = %v", err)
	}
	var ve *configmgr.ValidationError
	if err := m.Update("dev", map[string]any{"database": map[string]any{"port": 70000}}); !errors.As(err, &ve) || ve.Violations[0].Pointer != "/database/port" {
		t.Fatalf("Update to an invalid value = %v", err)
	}
}

func TestFileModes(t *testing.T) {
	m, configDir, backupDir := newManager(t, false)
	if err := m.Write("secret", validConfig()); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(configDir, "secret.json"))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("new config mode %v; want 0600", fi.Mode().Perm())
	}
	os.Chmod(filepath.Join(configDir, "secret.json"), 0o640)
	if err := m.Update("secret", map[string]any{"cache": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(filepath.Join(configDir, "secret.json"))
	if fi.Mode().Perm() != 0o640 {
		t.Fatalf("rewritten config mode %v; want the existing 0640", fi.Mode().Perm())
	}
	bs, _ := filepath.Glob(filepath.Join(backupDir, "secret.json.backup_*"))
	bfi, _ := os.Stat(bs[0])
	if bfi.Mode().Perm()&^fi.Mode().Perm() != 0 {
		t.Fatalf("backup mode %v is more readable than its config's %v", bfi.Mode().Perm(), fi.Mode().Perm())
	}
	dfi, _ := os.Stat(backupDir)
	if dfi.Mode().Perm() != 0o700 {
		t.Fatalf("backup directory mode %v; want 0700", dfi.Mode().Perm())
	}
}

func TestUseAfterClose(t *testing.T) {
	m, _, _ := newManager(t, true)
	m.Close()
	if _, err := m.Read("dev"); !errors.Is(err, configmgr.ErrClosed) {
		t.Fatalf("Read after Close = %v", err)
	}
	if err := m.Update("dev", map[string]any{}); !errors.Is(err, configmgr.ErrClosed) {
		t.Fatalf("Update after Close = %v", err)
	}
	if _, err := m.Environments(); !errors.Is(err, configmgr.ErrClosed) {
		t.Fatalf("Environments after Close = %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

// TestSymlinkedConfig: a config file that is a symlink (to a file kept
// elsewhere) is backed up by content, not as a link.
func TestSymlinkedConfig(t *testing.T) {
	m, configDir, _ := newManager(t, false)
	elsewhere := filepath.Join(t.TempDir(), "dev.json")
	data, _ := os.ReadFile("testdata/config/dev.json")
	os.WriteFile(elsewhere, data, 0o600)
	os.Symlink(elsewhere, filepath.Join(configDir, "dev.json"))
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}); err != nil {
		t.Fatal(err)
	}
	bs, _ := m.Backups("dev")
	if len(bs) != 1 {
		t.Fatalf("Backups = %v", bs)
	}
	if err := m.Restore("dev", bs[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(configDir, "dev.json")); got != string(data) {
		t.Fatalf("restored:\n%s", got)
	}
}
