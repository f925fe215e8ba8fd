package configmgr_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/configmgr/configmgr"
)

// setup copies testdata/config into a temporary directory and returns the
// config and backup directories.
func setup(t testing.TB, withEnvs bool) (configDir, backupDir string) {
	t.Helper()
	root := t.TempDir()
	configDir = filepath.Join(root, "config")
	backupDir = filepath.Join(root, "backups")
	if err := os.Mkdir(configDir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("testdata/config")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !withEnvs && e.Name() != "schema.json" {
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata/config", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(configDir, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return configDir, backupDir
}

func newManager(t testing.TB, withEnvs bool, opts ...configmgr.Option) (*configmgr.Manager, string, string) {
	t.Helper()
	configDir, backupDir := setup(t, withEnvs)
	m, err := configmgr.New(configDir, backupDir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, configDir, backupDir
}

func validConfig() map[string]any {
	return map[string]any{
		"environment": "development",
		"database": map[string]any{
			"host":     "localhost",
			"port":     5432,
			"name":     "test_db",
			"username": "test_user",
			"password": "test_pass",
		},
		"logging": map[string]any{"level": "DEBUG"},
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
