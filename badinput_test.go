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

// TestBackupDirUnwritable: if the backup cannot be taken, the write is
// refused and the configuration is left as it was.
func TestBackupDirUnwritable(t *testing.T) {
	m, configDir, backupDir := newManager(t, true)
	before := readFile(t, filepath.Join(configDir, "dev.json"))
	if os.Geteuid() == 0 {
		// root ignores permission bits: put a file where the directory was.
		if err := os.RemoveAll(backupDir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(backupDir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		os.Chmod(backupDir, 0o500)
		t.Cleanup(func() { os.Chmod(backupDir, 0o700) })
	}
	err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}})
	if err == nil || !strings.Contains(err.Error(), "back up") {
		t.Fatalf("Update with an unwritable backup directory = %v", err)
	}
	if !errors.Is(err, syscall.ENOTDIR) && !errors.Is(err, os.ErrPermission) {
		t.Fatalf("error %v does not keep its cause", err)
	}
	if readFile(t, filepath.Join(configDir, "dev.json")) != before {
		t.Fatal("the configuration changed although its backup failed")
	}
}
