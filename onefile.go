package configmgr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// NewFile returns a Manager over one configuration file, for a service
// that has one file rather than one per environment. Its environment is
// the file's name less ".json": Load("config", &cfg) for config.json (see
// [FileEnv]). The schema is the one [WithSchema] gives, or else the file
// beside it named NAME.schema.json, or else schema.json beside it.
// Backups go to the directory .NAME.backups beside the file; with
// [WithReadOnly] there are none, and nothing is created.
func NewFile(path string, opts ...Option) (*Manager, error) {
	dir, env := filepath.Dir(path), FileEnv(path)
	if err := CheckName(env); err != nil || !strings.HasSuffix(path, ".json") {
		return nil, opError("new", "", fmt.Errorf("%s: a configuration file is NAME.json, with NAME of letters, digits, '.', '_' and '-'", path))
	}
	o := applyOptions(opts)
	if !o.schemaOptions {
		schema, err := os.ReadFile(filepath.Join(dir, env+".schema.json"))
		if errors.Is(err, fs.ErrNotExist) {
			schema, err = os.ReadFile(filepath.Join(dir, "schema.json"))
		}
		if err != nil {
			return nil, opError("new", "", fmt.Errorf("schema beside %s: %w (use WithSchema, or WithoutSchema)", path, err))
		}
		opts = append(opts, WithSchema(schema))
	}
	return New(dir, filepath.Join(dir, "."+env+".backups"), opts...)
}

// FileEnv returns the environment name [NewFile] gives the file at path:
// its name less ".json".
func FileEnv(path string) string { return strings.TrimSuffix(filepath.Base(path), ".json") }

// FindFile finds a service's configuration file, in the order services
// use: explicit (the --config flag), if it is not "", which must then
// exist; else config.json in the user's configuration directory for app
// (os.UserConfigDir, such as ~/.config/APP/config.json); else
// /etc/APP/config.json. It returns the path it chose, or an error that
// lists every path it tried.
func FindFile(app, explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("configmgr: find file: %w", err)
		}
		return explicit, nil
	}
	var tried []string
	if dir, err := os.UserConfigDir(); err == nil {
		tried = append(tried, filepath.Join(dir, app, "config.json"))
	}
	tried = append(tried, filepath.Join("/etc", app, "config.json"))
	for _, p := range tried {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("configmgr: find file: %w: no configuration file for %s at %s (give one with --config)", ErrNotFound, app, strings.Join(tried, ", "))
}
