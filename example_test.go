package configmgr_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

// exampleDirs copies testdata/config into a temporary directory, as a
// service's deployment would lay it out.
func exampleDirs() (configDir, backupDir string, cleanup func()) {
	root, err := os.MkdirTemp("", "configmgr-example")
	if err != nil {
		log.Fatal(err)
	}
	configDir = filepath.Join(root, "config")
	os.Mkdir(configDir, 0o755)
	for _, name := range []string{"schema.json", "dev.json", "staging.json", "production.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "config", name))
		if err != nil {
			log.Fatal(err)
		}
		os.WriteFile(filepath.Join(configDir, name), data, 0o600)
	}
	return configDir, filepath.Join(root, "backups"), func() { os.RemoveAll(root) }
}

func ExampleNew() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()

	m, err := configmgr.New(configDir, backupDir)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	envs, _ := m.Environments()
	fmt.Println(envs)
	// Output: [dev production staging]
}

func ExampleOpen() {
	schema := []byte(`{"type": "object", "properties": {"port": {"type": "integer"}}}`)
	m, err := configmgr.Open(storetest.NewMemStore(), configmgr.WithSchema(schema))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := m.Write("dev", map[string]any{"port": 8080}); err != nil {
		log.Fatal(err)
	}
	cfg, _ := m.Read("dev")
	fmt.Println(cfg["port"])
	// Output: 8080
}

func ExampleManager_Read() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir)
	defer m.Close()

	cfg, err := m.Read("dev")
	if err != nil {
		log.Fatal(err)
	}
	db := cfg["database"].(map[string]any)
	fmt.Println(db["host"], db["port"])
	// Output: localhost 5432
}

func ExampleManager_Load() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir)
	defer m.Close()

	var cfg struct {
		Database struct {
			Host     string `json:"host"`
			PoolSize int    `json:"pool_size"`
		} `json:"database"`
	}
	// production.json sets no pool_size: the schema's default fills it.
	if err := m.Load("production", &cfg); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Database.Host, cfg.Database.PoolSize)
	// Output: prod-db.internal 10
}

func ExampleManager_Write() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir)
	defer m.Close()

	err := m.Write("qa", map[string]any{"environment": "qa"})
	var ve *configmgr.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			fmt.Println(v)
		}
	}
	// Output:
	// /database: is required
	// /environment: must be one of "development", "staging", "production"
	// /logging: is required
}

func ExampleManager_Update() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir)
	defer m.Close()

	// An RFC 7396 merge patch: objects merge, null deletes.
	err := m.Update("dev", map[string]any{
		"cache":    map[string]any{"ttl": 600},
		"features": map[string]any{"analytics": nil},
	})
	if err != nil {
		log.Fatal(err)
	}
	cfg, _ := m.Read("dev")
	fmt.Println(cfg["cache"].(map[string]any)["ttl"], cfg["features"])
	// Output: 600 map[beta_features:true new_ui:true]
}

func ExampleManager_UpdateFunc() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir)
	defer m.Close()

	// A read-modify-write that no other writer can interleave with.
	err := m.UpdateFunc("dev", func(cfg map[string]any) error {
		db := cfg["database"].(map[string]any)
		db["pool_size"] = 20
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	cfg, _ := m.Read("dev")
	fmt.Println(cfg["database"].(map[string]any)["pool_size"])
	// Output: 20
}

func ExampleManager_CompareAndWrite() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir)
	defer m.Close()

	cfg, rev, _ := m.ReadRevision("dev")
	m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}}) // someone else writes
	cfg["environment"] = "staging"
	err := m.CompareAndWrite("dev", rev, cfg)
	fmt.Println(errors.Is(err, configmgr.ErrConflict))
	// Output: true
}

func ExampleManager_Restore() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir)
	defer m.Close()

	m.Update("dev", map[string]any{"logging": map[string]any{"level": "ERROR"}})
	backups, _ := m.Backups("dev")
	if err := m.Restore("dev", backups[0].ID); err != nil {
		log.Fatal(err)
	}
	cfg, _ := m.Read("dev")
	fmt.Println(cfg["logging"].(map[string]any)["level"])
	backups, _ = m.Backups("dev") // the restore backed up what it replaced
	fmt.Println(len(backups))
	// Output:
	// DEBUG
	// 2
}

func ExampleManager_Backups() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, _ := configmgr.New(configDir, backupDir, configmgr.WithBackups(3))
	defer m.Close()

	for ttl := range 5 {
		m.Update("dev", map[string]any{"cache": map[string]any{"ttl": ttl}})
	}
	backups, _ := m.Backups("dev")
	fmt.Println(len(backups), backups[0].Time.After(backups[1].Time))
	// Output: 3 true
}
