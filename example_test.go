package configmgr_test

import (
	"context"
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

// tempDirs makes an empty config directory and names a backup directory
// in a new temporary directory, for the examples that start from nothing.
func tempDirs() (configDir, backupDir string, cleanup func()) {
	root, err := os.MkdirTemp("", "configmgr-example")
	if err != nil {
		log.Fatal(err)
	}
	configDir = filepath.Join(root, "config")
	if err := os.Mkdir(configDir, 0o700); err != nil {
		log.Fatal(err)
	}
	return configDir, filepath.Join(root, "backups"), func() { os.RemoveAll(root) }
}

const exampleSchema = `{
  "type": "object",
  "properties": {
    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    "ttl": {"type": "integer", "minimum": 0},
    "password": {"type": "string", "writeOnly": true}
  }
}`

func ExampleWatch() {
	configDir, backupDir, cleanup := tempDirs()
	defer cleanup()
	m, err := configmgr.New(configDir, backupDir, configmgr.WithSchema([]byte(exampleSchema)))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := m.Write("dev", map[string]any{"ttl": 300}); err != nil {
		log.Fatal(err)
	}

	type Config struct {
		TTL int `json:"ttl"`
	}
	live, err := configmgr.Watch[Config](context.Background(), m, "dev")
	if err != nil {
		log.Fatal(err)
	}
	defer live.Close()
	fmt.Println("ttl:", live.Latest().TTL) // Latest is cheap: call it on every request

	// Another writer (here the same Manager; it could be another process,
	// or an editor) changes the document...
	if err := m.Update("dev", map[string]any{"ttl": 600}); err != nil {
		log.Fatal(err)
	}
	// ...and the Live follows. An invalid version would be rejected, and
	// the last good one kept.
	cfg, err := live.Next(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ttl:", cfg.TTL)
	// Output:
	// ttl: 300
	// ttl: 600
}

func ExampleMigrate() {
	configDir, backupDir, cleanup := tempDirs()
	defer cleanup()
	m, err := configmgr.New(configDir, backupDir, configmgr.WithSchema([]byte(exampleSchema)))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	m.Write("dev", map[string]any{"port": 8080})
	m.Write("production", map[string]any{"port": 80})
	m.Update("production", map[string]any{"port": 443})

	// Copy the schema, every environment and every backup to another
	// store: here the in-memory one, usually SQLite or back to files.
	dst := storetest.NewMemStore()
	report, err := configmgr.Migrate(context.Background(), dst, m.Store())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(report)
	// Running it again changes nothing.
	report, _ = configmgr.Migrate(context.Background(), dst, m.Store())
	fmt.Println(report)
	// Output:
	// copied 2 environments (1 backups, 264 bytes), schema copied: true; 0 already identical
	// nothing to do: 2 environments already identical
}

func ExampleManager_Diff() {
	configDir, backupDir, cleanup := tempDirs()
	defer cleanup()
	m, err := configmgr.New(configDir, backupDir, configmgr.WithSchema([]byte(exampleSchema)))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	m.Write("dev", map[string]any{"port": 8080, "password": "hunter2"})
	m.Update("dev", map[string]any{"port": 8443, "ttl": 60, "password": "correct horse"})

	// What changed since the newest backup: secrets ("writeOnly") are
	// redacted.
	backups, _ := m.Backups("dev")
	changes, err := m.Diff("dev", backups[0].ID, "")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range changes {
		fmt.Println(c)
	}
	// Output:
	// /password: "[REDACTED]" -> "[REDACTED]"
	// /port: 8080 -> 8443
	// /ttl added: 60
}

func ExampleManager_SetSchema() {
	configDir, backupDir, cleanup := tempDirs()
	defer cleanup()
	m, err := configmgr.New(configDir, backupDir, configmgr.WithSchema([]byte(exampleSchema)))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	m.Write("dev", map[string]any{"port": 8080})
	m.Write("production", map[string]any{"port": 80})

	// A schema that a stored document would fail is refused, naming each.
	err = m.SetSchema([]byte(`{"properties": {"port": {"minimum": 1024}}}`))
	var sce *configmgr.SchemaChangeError
	if errors.As(err, &sce) {
		for env, why := range sce.Failures {
			var ve *configmgr.ValidationError
			if errors.As(why, &ve) {
				fmt.Println("refused:", env, ve.Violations)
			}
		}
	}
	// One that every document passes is stored, the old one backed up.
	if err := m.SetSchema([]byte(`{"properties": {"port": {"minimum": 80}}}`)); err != nil {
		log.Fatal(err)
	}
	fmt.Println("accepted")
	// Output:
	// refused: production [/port: must be greater than or equal to 1024]
	// accepted
}

func ExampleWithEnvOverrides() {
	configDir, backupDir, cleanup := tempDirs()
	defer cleanup()
	os.WriteFile(filepath.Join(configDir, "schema.json"), []byte(exampleSchema), 0o600)
	os.WriteFile(filepath.Join(configDir, "dev.json"), []byte(`{"port": 8080, "ttl": 300}`), 0o600)

	// As a container's environment would set it:
	os.Setenv("APP_PORT", "9090")
	defer os.Unsetenv("APP_PORT")

	m, err := configmgr.New(configDir, backupDir, configmgr.WithEnvOverrides("APP"))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	cfg, _ := m.Read("dev")
	fmt.Println("port:", cfg["port"], "ttl:", cfg["ttl"])
	origin, _ := m.Origin("dev", "/port")
	fmt.Println("/port comes from", origin)
	origin, _ = m.Origin("dev", "/ttl")
	fmt.Println("/ttl comes from", origin)
	// Output:
	// port: 9090 ttl: 300
	// /port comes from env APP_PORT
	// /ttl comes from store
}

// A tool that takes a value typed by an operator converts it by the
// schema, checks the edited document, and shows what would change, before
// it writes anything.
func ExampleManager_ParseValue() {
	configDir, backupDir, cleanup := exampleDirs()
	defer cleanup()
	m, err := configmgr.New(configDir, backupDir)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	doc, _ := m.Read("production")
	edited, _ := m.Read("production")
	port, err := m.ParseValue("/database/port", "6543") // the schema says integer
	if err != nil {
		log.Fatal(err)
	}
	edited["database"].(map[string]any)["port"] = port
	edited["database"].(map[string]any)["password"] = "new-password"
	if err := m.Validate(edited); err != nil {
		log.Fatal(err)
	}
	for _, c := range m.Compare(doc, edited) {
		fmt.Println(c)
	}
	_, err = m.ParseValue("/database/port", "high")
	fmt.Println(err)
	// Output:
	// /database/password: "[REDACTED]" -> "[REDACTED]"
	// /database/port: 5432 -> 6543
	// configmgr: parse: /database/port: the value is not of the schema's type integer
}
