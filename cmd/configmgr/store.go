package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/etcd"
	"github.com/configmgr/configmgr/sqlite"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const storeForms = `a store is one of:
  file:CONFIG_DIR?backups=BACKUP_DIR    JSON files (backups default to "backups" beside CONFIG_DIR)
  sqlite:PATH                           a SQLite database
  etcd://HOST:PORT[,HOST:PORT...]/PREFIX an etcd cluster (TLS: --cacert, --cert, --key)`

// storeSpec is a parsed store URL.
type storeSpec struct {
	kind      string // "file", "sqlite" or "etcd"
	path      string // the config directory or the database
	backups   string // the backup directory (file)
	endpoints []string
	prefix    string
}

func (s storeSpec) String() string {
	switch s.kind {
	case "file":
		return "file:" + s.path + "?backups=" + s.backups
	case "sqlite":
		return "sqlite:" + s.path
	}
	return "etcd://" + strings.Join(s.endpoints, ",") + s.prefix
}

// parseStore parses a store URL; a malformed one is a usage error that
// shows the three forms.
func parseStore(raw string) (storeSpec, error) {
	bad := func(why string) (storeSpec, error) {
		return storeSpec{}, usagef("bad store %q: %s\n%s", raw, why, storeForms)
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return bad("no scheme")
	}
	switch scheme {
	case "file":
		u, err := url.Parse(raw)
		if err != nil {
			return bad(err.Error())
		}
		dir := u.Opaque
		if dir == "" {
			dir = u.Path
		}
		if dir == "" {
			return bad("no directory")
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return bad(err.Error())
		}
		for k := range q {
			if k != "backups" {
				return bad("unknown parameter " + k)
			}
		}
		backups := q.Get("backups")
		if backups == "" {
			backups = filepath.Join(filepath.Dir(filepath.Clean(dir)), "backups")
		}
		return storeSpec{kind: "file", path: dir, backups: backups}, nil
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		if path == "" || strings.ContainsAny(path, "?#") {
			return bad("no database path, or a query")
		}
		return storeSpec{kind: "sqlite", path: path}, nil
	case "etcd":
		hosts, ok := strings.CutPrefix(rest, "//")
		if !ok {
			return bad("etcd needs //HOST:PORT")
		}
		hosts, prefix, _ := strings.Cut(hosts, "/")
		if hosts == "" || prefix == "" {
			return bad("etcd needs hosts and a prefix")
		}
		var eps []string
		for _, h := range strings.Split(hosts, ",") {
			if _, port, ok := strings.Cut(h, ":"); !ok || port == "" {
				return bad("endpoint " + h + " has no port")
			}
			eps = append(eps, h)
		}
		return storeSpec{kind: "etcd", endpoints: eps, prefix: "/" + prefix}, nil
	}
	return bad("unknown scheme " + scheme)
}

// tlsFlags are the etcd client's TLS settings, named as etcdctl names them.
type tlsFlags struct {
	cacert, cert, key string
	insecure          bool
}

func (f tlsFlags) config() (*tls.Config, error) {
	if f.cacert == "" && f.cert == "" && f.key == "" && !f.insecure {
		return nil, nil
	}
	c := &tls.Config{InsecureSkipVerify: f.insecure, MinVersion: tls.VersionTLS12}
	if f.cacert != "" {
		pem, err := os.ReadFile(f.cacert)
		if err != nil {
			return nil, usagef("--cacert: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usagef("--cacert %s: no PEM certificate in it", f.cacert)
		}
		c.RootCAs = pool
	}
	if (f.cert == "") != (f.key == "") {
		return nil, usagef("--cert and --key go together")
	}
	if f.cert != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, usagef("--cert/--key: %v", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// openStore opens the store spec names. With create, a store that does
// not exist yet is made (the destination of a migrate); without it, a
// missing one is unreachable.
func (a *app) openStore(ctx context.Context, spec storeSpec, create bool) (configmgr.Store, error) {
	switch spec.kind {
	case "file":
		if create {
			for _, d := range []string{spec.path, spec.backups} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return nil, unreachableError{err: err}
				}
			}
		} else if fi, err := os.Stat(spec.path); err != nil || !fi.IsDir() {
			return nil, unreachableError{err: fmt.Errorf("store %s: no config directory %s", spec, spec.path)}
		}
		s, err := configmgr.NewFileStore(spec.path, spec.backups)
		if err != nil {
			return nil, unreachableError{err: err}
		}
		return s, nil
	case "sqlite":
		var opts []sqlite.Option
		if create {
			opts = append(opts, sqlite.WithCreate())
		} else if _, err := os.Stat(spec.path); err != nil {
			return nil, unreachableError{err: fmt.Errorf("store %s: %w", spec, err)}
		}
		s, err := sqlite.Open(spec.path, opts...)
		if err != nil {
			return nil, unreachableError{err: err}
		}
		return s, nil
	}
	tlsConf, err := a.tls.config()
	if err != nil {
		return nil, err
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   spec.endpoints,
		TLS:         tlsConf,
		DialTimeout: 5 * time.Second,
		Context:     ctx,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return nil, unreachableError{err: fmt.Errorf("store %s: %w", spec, err)}
	}
	var eopts []etcd.Option
	if a.timeout > 0 {
		eopts = append(eopts, etcd.WithTimeout(a.timeout))
	}
	s, err := etcd.Open(client, spec.prefix, eopts...)
	if err != nil {
		client.Close()
		if errors.Is(err, etcd.ErrFormat) {
			return nil, err
		}
		return nil, unreachableError{err: fmt.Errorf("store %s: %w", spec, err)}
	}
	return closeBoth{s, client}, nil
}

// closeBoth is an etcd store that closes its client too.
type closeBoth struct {
	*etcd.Store
	client *clientv3.Client
}

func (c closeBoth) Close() error {
	err := c.Store.Close()
	if cerr := c.client.Close(); err == nil {
		err = cerr
	}
	return err
}

// open returns a Manager over the store of --store, with opts. A store
// without a schema is opened without one, with a warning.
func (a *app) open(ctx context.Context, opts ...configmgr.Option) (*configmgr.Manager, error) {
	spec, err := a.store()
	if err != nil {
		return nil, err
	}
	s, err := a.openStore(ctx, spec, false)
	if err != nil {
		return nil, err
	}
	m, err := configmgr.OpenContext(ctx, s, opts...)
	if errors.Is(err, configmgr.ErrNotFound) && !a.noSchemaOK {
		fmt.Fprintf(a.stderr, "configmgr: warning: store %s has no schema: nothing is validated (configmgr schema set FILE gives it one)\n", spec)
		a.noSchemaOK = true
	}
	if errors.Is(err, configmgr.ErrNotFound) {
		m, err = configmgr.OpenContext(ctx, s, append(opts, configmgr.WithoutSchema())...)
	}
	if err != nil {
		s.Close()
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, etcd.ErrUnavailable) {
			return nil, unreachableError{err: err, msg: fmt.Sprintf("store %s unreachable: %s", spec, strings.TrimPrefix(err.Error(), "configmgr: "))}
		}
		return nil, err
	}
	return m, nil
}

// store returns the store of --store, CONFIGMGR_STORE, or ./config.
func (a *app) store() (storeSpec, error) {
	raw := a.storeURL
	if raw == "" {
		raw = os.Getenv("CONFIGMGR_STORE")
	}
	if raw == "" {
		if fi, err := os.Stat("config"); err == nil && fi.IsDir() {
			raw = "file:config?backups=backups"
		} else {
			return storeSpec{}, usagef("no store: give --store or CONFIGMGR_STORE (there is no ./config)\n%s", storeForms)
		}
	}
	return parseStore(raw)
}
