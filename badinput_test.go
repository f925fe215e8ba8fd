package configmgr_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/configmgr/configmgr"
)

// TestBadInput puts malformed files where a configuration belongs and
// checks that every call fails with a typed error, never a panic, and that
// no call changes the file or takes a backup.
func TestBadInput(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	big := `{"environment": "` + strings.Repeat("x", 2000) + `"}`
	for _, tc := range []struct {
		name, content string
		check         func(error) bool
		line, col     int
	}{
		{"truncated", "{\n  \"environment\": \"development\",\n  \"database\": {", isDecode, 3, 16},
		{"invalid JSON", "{\"environment\": development}", isDecode, 1, 17},
		{"not an object", "[1, 2]", is(configmgr.ErrNotObject), 1, 1},
		{"string top level", `"dev"`, is(configmgr.ErrNotObject), 1, 1},
		{"invalid UTF-8", "{\"environment\": \"dev\xc3\x28\"}", isDecode, 1, 21},
		{"BOM", "\xef\xbb\xbf{}", isDecode, 1, 1},
		{"nesting 100000 deep", deep, isDecode, 1, 5001},
		{"too large", big, is(configmgr.ErrTooLarge), 0, 0},
		{"duplicate keys", "{\"environment\": \"development\",\n\"environment\": \"staging\"}", isDuplicate, 2, 1},
		{"empty", "", isDecode, 1, 1},
		{"schema-invalid", `{"environment": "development"}`, isValidation, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limit := int64(1 << 20)
			if tc.name == "too large" {
				limit = 1024
			}
			m, configDir, backupDir := newManager(t, false, configmgr.WithMaxSize(limit))
			path := filepath.Join(configDir, "bad.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := m.Read("bad")
			if !tc.check(err) {
				t.Fatalf("Read = %v; wrong error type", err)
			}
			var de *configmgr.DecodeError
			if tc.line > 0 {
				if !errors.As(err, &de) || de.Line != tc.line || de.Column != tc.col {
					t.Errorf("Read = %v; want line %d column %d", err, tc.line, tc.col)
				}
				if !strings.Contains(err.Error(), "bad") {
					t.Errorf("error %q does not name the file", err)
				}
			}
			if err := m.Load("bad", &map[string]any{}); !tc.check(err) {
				t.Errorf("Load = %v", err)
			}
			err = m.UpdateFunc("bad", func(cfg map[string]any) error { return nil })
			if err == nil {
				t.Errorf("UpdateFunc on a bad file succeeded")
			}
			if tc.name != "schema-invalid" { // a patch may mend a schema-invalid document
				if err := m.Update("bad", map[string]any{"x": 1}); !tc.check(err) {
					t.Errorf("Update = %v", err)
				}
			}
			if got := readFile(t, path); got != tc.content {
				t.Fatalf("the bad file was changed")
			}
			if entries, _ := os.ReadDir(backupDir); len(entries) != 0 {
				t.Fatalf("a backup was taken: %v", entries)
			}
		})
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func isDecode(err error) bool {
	var de *configmgr.DecodeError
	return errors.As(err, &de)
}

func isDuplicate(err error) bool {
	var dk *configmgr.DuplicateKeyError
	return errors.As(err, &dk) && dk.Key == "environment" && isDecode(err)
}

func isValidation(err error) bool {
	var ve *configmgr.ValidationError
	return errors.As(err, &ve) && len(ve.Violations) == 2
}

func TestWriteTooLarge(t *testing.T) {
	m, configDir, _ := newManager(t, true, configmgr.WithMaxSize(600))
	before := readFile(t, filepath.Join(configDir, "dev.json"))
	err := m.Update("dev", map[string]any{"logging": map[string]any{"format": strings.Repeat("x", 600)}})
	if !errors.Is(err, configmgr.ErrTooLarge) {
		t.Fatalf("Update past the limit = %v", err)
	}
	if readFile(t, filepath.Join(configDir, "dev.json")) != before {
		t.Fatal("a refused write changed the file")
	}
}

// TestBadSurroundings breaks what is around the documents (the schema,
// the backup directory, the disk) and checks that the call fails with a
// clear error and leaves the stored documents as they were.
func TestBadSurroundings(t *testing.T) {
	update := func(m *configmgr.Manager) error {
		return m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}})
	}
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, configDir, backupDir string)
		call    func(configDir, backupDir string) error
		check   func(error) bool
	}{
		{"invalid schema", func(t *testing.T, configDir, _ string) {
			os.WriteFile(filepath.Join(configDir, "schema.json"), []byte(`{"type": 12}`), 0o600)
		}, openAnd(nil), is(configmgr.ErrInvalidSchema)},
		{"schema not JSON", func(t *testing.T, configDir, _ string) {
			os.WriteFile(filepath.Join(configDir, "schema.json"), []byte(`{"type": `), 0o600)
		}, openAnd(nil), is(configmgr.ErrInvalidSchema)},
		{"missing schema", func(t *testing.T, configDir, _ string) {
			os.Remove(filepath.Join(configDir, "schema.json"))
		}, openAnd(nil), is(configmgr.ErrNotFound)},
		{"backup directory cannot be written", func(t *testing.T, _, backupDir string) {}, openAnd(func(m *configmgr.Manager) error {
			// Broken after New, which would refuse it.
			backupDir := m.Store().(*configmgr.FileStore).BackupDir()
			if os.Geteuid() == 0 {
				// root ignores permission bits: put a file where the directory was.
				os.RemoveAll(backupDir)
				os.WriteFile(backupDir, nil, 0o600)
			} else {
				os.Chmod(backupDir, 0o500)
				defer os.Chmod(backupDir, 0o700)
			}
			return update(m)
		}), func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "back up") && (errors.Is(err, syscall.ENOTDIR) || errors.Is(err, os.ErrPermission))
		}},
		{"full disk", func(t *testing.T, configDir, backupDir string) {
			fillDisk(t, configDir, backupDir)
		}, openAnd(update), is(syscall.ENOSPC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			configDir, backupDir := setup(t, true)
			os.MkdirAll(backupDir, 0o700)
			tc.prepare(t, configDir, backupDir)
			before := readFile(t, filepath.Join(configDir, "dev.json"))
			err := tc.call(configDir, backupDir)
			if !tc.check(err) {
				t.Fatalf("got %v", err)
			}
			if readFile(t, filepath.Join(configDir, "dev.json")) != before {
				t.Fatal("the stored document changed")
			}
		})
	}
}

// openAnd opens a Manager on the directories and runs call on it.
func openAnd(call func(*configmgr.Manager) error) func(configDir, backupDir string) error {
	return func(configDir, backupDir string) error {
		m, err := configmgr.New(configDir, backupDir)
		if err != nil || call == nil {
			return err
		}
		defer m.Close()
		return call(m)
	}
}
