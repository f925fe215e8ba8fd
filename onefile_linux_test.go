package configmgr_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/configmgr/configmgr"
)

// TestReadOnlyRoot: on a read-only file system, as under Kubernetes'
// readOnlyRootFilesystem, a Manager opened WithReadOnly reads, loads and
// watches, creates nothing, and refuses writes with ErrReadOnly; without
// the option, New fails there, since it would make the backup directory.
func TestReadOnlyRoot(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v); CI runs as root and can", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	for _, name := range []string{"schema.json", "dev.json"} {
		data, _ := os.ReadFile(filepath.Join("testdata", "config", name))
		os.WriteFile(filepath.Join(dir, name), data, 0o600)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, "size=1m"); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	backups := filepath.Join(dir, "backups")
	if _, err := configmgr.New(dir, backups); err == nil {
		t.Fatal("New without WithReadOnly worked on a read-only file system")
	}
	m, err := configmgr.New(dir, backups, configmgr.WithReadOnly())
	if err != nil {
		t.Fatalf("New WithReadOnly on a read-only file system = %v", err)
	}
	defer m.Close()
	var cfg liveConfig
	if err := m.Load("dev", &cfg); err != nil || cfg.Cache.TTL != 300 {
		t.Fatalf("Load = %+v, %v", cfg, err)
	}
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatalf("Watch = %v", err)
	}
	l.Close()
	for name, err := range map[string]error{
		"Update":    m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}),
		"Write":     m.Write("qa", validConfig()),
		"SetSchema": m.SetSchema([]byte(`{}`)),
	} {
		if !errors.Is(err, configmgr.ErrReadOnly) {
			t.Errorf("%s WithReadOnly = %v; want ErrReadOnly", name, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("a read-only Manager created files: %v", entries)
	}
}

// TestNewFile: one configuration file, its schema beside it, found by
// FindFile in the order services use.
func TestNewFile(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "xdg", "myapp")
	os.MkdirAll(app, 0o700)
	schema, _ := os.ReadFile("testdata/config/schema.json")
	dev, _ := os.ReadFile("testdata/config/dev.json")
	os.WriteFile(filepath.Join(app, "config.schema.json"), schema, 0o600)
	os.WriteFile(filepath.Join(app, "config.json"), dev, 0o600)

	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	path, err := configmgr.FindFile("myapp", "")
	if err != nil || path != filepath.Join(app, "config.json") {
		t.Fatalf("FindFile = %q, %v", path, err)
	}
	if _, err := configmgr.FindFile("myapp", filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("FindFile took a --config file that does not exist")
	}
	if _, err := configmgr.FindFile("nosuchapp", ""); !errors.Is(err, configmgr.ErrNotFound) {
		t.Fatalf("FindFile of nothing = %v; want ErrNotFound naming the paths tried", err)
	}
	m, err := configmgr.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var cfg liveConfig
	if err := m.Load(configmgr.FileEnv(path), &cfg); err != nil || cfg.Environment != "development" {
		t.Fatalf("Load = %+v, %v", cfg, err)
	}
	if err := m.Update("config", map[string]any{"cache": map[string]any{"ttl": 9}}); err != nil {
		t.Fatal(err)
	}
	if bs, _ := filepath.Glob(filepath.Join(app, ".config.backups", "config.json.backup_*")); len(bs) != 1 {
		t.Fatalf("backups beside the file: %v", bs)
	}
}
