// Command etcd runs configmgr on etcd, with no server to set up: it starts
// an etcd member itself, on loopback, in a temporary directory. It writes
// an environment, loads it, updates it, watches it change when another
// client writes, and keeps serving the last version it read while the
// server is stopped (configmgr.WithFallback). It leaves nothing behind.
//
//	go run ./examples/etcd
//
// (It is a module of its own, since it needs the etcd server; the etcd
// store itself needs only the client.)
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/etcd"
	"go.etcd.io/etcd/server/v3/embed"
)

const schema = `{
  "type": "object",
  "properties": {
    "listen": {"type": "string"},
    "workers": {"type": "integer", "minimum": 1, "default": 4}
  },
  "required": ["listen"]
}`

// Config is what the service reads.
type Config struct {
	Listen  string `json:"listen"`
	Workers int    `json:"workers"`
}

func main() {
	log.SetFlags(0)
	dir, err := os.MkdirTemp("", "etcd-example")
	if err != nil {
		log.Fatal(err)
	}
	err = run(context.Background(), dir)
	os.RemoveAll(dir)
	if err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, dir string) error {
	server, endpoint, err := startEtcd(filepath.Join(dir, "etcd"))
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			server.Close()
		}
	}()

	// The one line that differs from configmgr.New("config", "backups"),
	// plus a local copy to serve while the cluster is down.
	m, err := etcd.New(ctx, []string{endpoint}, "/myapp/",
		configmgr.WithSchema([]byte(schema)), configmgr.WithFallback(filepath.Join(dir, "kept")), etcd.WithTimeout(time.Second))
	if err != nil {
		return err
	}
	defer m.Close()

	if err := m.Write("production", map[string]any{"listen": ":80"}); err != nil {
		return err
	}
	var cfg Config
	if err := m.Load("production", &cfg); err != nil {
		return err
	}
	fmt.Printf("loaded: listen %s, %d workers (the schema's default)\n", cfg.Listen, cfg.Workers)
	if err := m.Update("production", map[string]any{"workers": 8}); err != nil {
		return err
	}

	// Watch, and let another client (another host, say) change it.
	live, err := configmgr.Watch[Config](ctx, m, "production")
	if err != nil {
		return err
	}
	defer live.Close()
	fmt.Printf("live: %d workers\n", live.Latest().Workers)
	other, err := etcd.New(ctx, []string{endpoint}, "/myapp/")
	if err != nil {
		return err
	}
	if err := other.Update("production", map[string]any{"workers": 16}); err != nil {
		return err
	}
	other.Close()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for live.Latest().Workers != 16 {
		if _, err := live.Next(wctx); err != nil {
			return err
		}
	}
	fmt.Printf("live, after another client's update: %d workers\n", live.Latest().Workers)

	// The cluster goes down: reads serve the kept copy, and say so.
	server.Close()
	stopped = true
	err = m.Load("production", &cfg)
	if !errors.Is(err, configmgr.ErrStale) {
		return fmt.Errorf("with the server stopped, Load = %v", err)
	}
	fmt.Printf("server stopped: still %d workers, from the local copy (ErrStale)\n", cfg.Workers)
	if err := m.Update("production", map[string]any{"workers": 32}); err != nil {
		fmt.Println("server stopped: the write fails, as it must")
	}
	return nil
}

// startEtcd starts one etcd member on free loopback ports.
func startEtcd(dir string) (*embed.Etcd, string, error) {
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.LogLevel = "fatal"
	var urls []url.URL
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", err
		}
		urls = append(urls, url.URL{Scheme: "http", Host: l.Addr().String()})
		l.Close()
	}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = urls[:1], urls[:1]
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = urls[1:], urls[1:]
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, urls[1].Host, nil
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, "", errors.New("etcd did not start within 30s")
	}
}
