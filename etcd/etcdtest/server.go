// Package etcdtest starts etcd servers inside a test, for the tests of the
// etcd store. It is a module of its own, so that the etcd store's module
// needs the client only: the server is a test dependency here alone.
package etcdtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// Cluster is a set of etcd members running in this process.
type Cluster struct {
	Members []*embed.Etcd
	configs []*embed.Config
}

// Endpoints returns the client endpoints of the running members.
func (c *Cluster) Endpoints() []string {
	var out []string
	for _, cfg := range c.configs {
		out = append(out, cfg.ListenClientUrls[0].Host)
	}
	return out
}

func freeURL() (url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return url.URL{}, err
	}
	defer l.Close()
	return url.URL{Scheme: "http", Host: l.Addr().String()}, nil
}

// Start starts a cluster of n members on loopback, each with a data
// directory of its own, and stops it when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := StartIn(t.TempDir(), n)
	if c != nil {
		t.Cleanup(c.Stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// StartIn starts a cluster of n members with their data in dir, for a
// TestMain; the caller stops it.
func StartIn(dir string, n int) (*Cluster, error) {
	c := &Cluster{}
	var initial []string
	for i := range n {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = filepath.Join(dir, cfg.Name)
		cfg.LogLevel = "fatal"
		peer, err := freeURL()
		if err != nil {
			return nil, err
		}
		client, err := freeURL()
		if err != nil {
			return nil, err
		}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
		initial = append(initial, cfg.Name+"="+peer.String())
		c.configs = append(c.configs, cfg)
	}
	for _, cfg := range c.configs {
		cfg.InitialCluster = strings.Join(initial, ",")
	}
	errs := make(chan error, n)
	c.Members = make([]*embed.Etcd, n)
	for i, cfg := range c.configs {
		go func() {
			e, err := embed.StartEtcd(cfg)
			c.Members[i] = e
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			c.Stop()
			return nil, err
		}
	}
	for _, e := range c.Members {
		select {
		case <-e.Server.ReadyNotify():
		case <-time.After(30 * time.Second):
			c.Stop()
			return nil, errors.New("etcd did not start within 30s")
		}
	}
	return c, nil
}

// StopMember stops member i; RestartMember starts it again on the same
// ports and data.
func (c *Cluster) StopMember(i int) {
	c.Members[i].Close()
}

// RestartMember starts member i again after StopMember.
func (c *Cluster) RestartMember(i int) error {
	e, err := embed.StartEtcd(c.configs[i])
	if err != nil {
		return err
	}
	c.Members[i] = e
	select {
	case <-e.Server.ReadyNotify():
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("etcd did not restart within 30s")
	}
}

// Stop stops every member.
func (c *Cluster) Stop() {
	for _, e := range c.Members {
		if e != nil {
			e.Close()
		}
	}
}
