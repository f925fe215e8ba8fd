package viper

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/configmgr/configmgr/examples/from-viper/service"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// viperLoad is the example service's loader as it was on viper: the same
// file, defaults, environment (with the storage map entry and the _FILE
// secret viper does not know, done by hand, as services do) and flag.
func viperLoad(t *testing.T, dir string, args, environ []string) service.Config {
	t.Helper()
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	v := viper.New()
	v.SetConfigType("json")
	if err := v.ReadConfig(strings.NewReader(service.Document)); err != nil {
		t.Fatal(err)
	}
	for key, val := range map[string]any{
		"log.level": "info", "log.encoding": "console",
		"server.host": "0.0.0.0", "server.http_port": 8080, "server.shutdown_timeout": "30s",
	} {
		v.SetDefault(key, val)
	}
	v.SetEnvPrefix("APP")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	// Workaround 1: a map entry from the environment, which AutomaticEnv
	// does not create. The file's entries are noted first: once Set has
	// made storage an override, GetStringMap sees only the override.
	names := map[string]bool{}
	for name := range v.GetStringMap("storage") {
		names[name] = true
	}
	for _, kv := range os.Environ() {
		k, val, _ := strings.Cut(kv, "=")
		if rest, ok := strings.CutPrefix(k, "APP_STORAGE_"); ok {
			if name, ok := strings.CutSuffix(rest, "_BRANCH"); ok {
				v.Set("storage."+strings.ToLower(name)+".branch", val)
				names[strings.ToLower(name)] = true
			}
		}
	}
	// Workaround 2: defaults of map entries, which Unmarshal does not
	// apply below a map, so they are set as values where absent.
	for name := range names {
		for key, def := range map[string]string{"branch": "main", "poll_interval": "30s"} {
			if k := "storage." + name + "." + key; v.Get(k) == nil {
				v.Set(k, def)
			}
		}
	}
	// Workaround 3: a secret from a file.
	if f := os.Getenv("APP_DB_PASSWORD_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v.Set("db.password", strings.TrimRight(string(data), "\n"))
	}
	fs := pflag.NewFlagSet("service", pflag.ContinueOnError)
	fs.Int("server.http_port", 8080, "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	v.BindPFlag("server.http_port", fs.Lookup("server.http_port"))
	var cfg service.Config
	if err := v.Unmarshal(&cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSameAsViper loads the example service's configuration with configmgr
// and with viper, under several layerings, and compares every value: none
// differs.
func TestSameAsViper(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "pw")
	if err := os.WriteFile(secret, []byte("example-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		args, env []string
	}{
		{"file only", nil, nil},
		{"flag", []string{"--server.http_port=9090"}, nil},
		{"env", nil, []string{"APP_LOG_LEVEL=warn", "APP_SERVER_SHUTDOWN_TIMEOUT=5s"}},
		{"all layers", []string{"--server.http_port=9090"},
			[]string{"APP_STORAGE_LOCAL_BRANCH=dev", "APP_DB_PASSWORD_FILE=" + secret, "APP_SERVER_HTTP_PORT=7070"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := service.Load(t.TempDir(), tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			want := viperLoad(t, dir, tc.args, tc.env)
			var leaves, diffs int
			compare(t, "", reflect.ValueOf(got), reflect.ValueOf(want), &leaves, &diffs)
			if diffs > 0 {
				t.Fatalf("%d of %d values differ", diffs, leaves)
			}
			t.Logf("%d values, 0 differ", leaves)
		})
	}
}

// compare reports every leaf value that differs.
func compare(t *testing.T, path string, a, b reflect.Value, leaves, diffs *int) {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			compare(t, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i), leaves, diffs)
		}
	case reflect.Map:
		keys := map[string]bool{}
		for _, k := range a.MapKeys() {
			keys[k.String()] = true
		}
		for _, k := range b.MapKeys() {
			keys[k.String()] = true
		}
		for k := range keys {
			av, bv := a.MapIndex(reflect.ValueOf(k)), b.MapIndex(reflect.ValueOf(k))
			if !av.IsValid() || !bv.IsValid() {
				t.Errorf("%s[%s]: present in one only", path, k)
				*diffs++
				continue
			}
			compare(t, path+"["+k+"]", av, bv, leaves, diffs)
		}
	default:
		*leaves++
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			t.Errorf("%s: configmgr %v, viper %v", path, a.Interface(), b.Interface())
			*diffs++
		}
	}
}
