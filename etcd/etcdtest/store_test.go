package etcdtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/etcd"
	"github.com/configmgr/configmgr/internal/proctest"
	"github.com/configmgr/configmgr/storetest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var (
	cluster *Cluster
	client  *clientv3.Client
	seq     atomic.Int64
)

// TestMain starts one etcd member for the tests of this package.
func TestMain(m *testing.M) {
	switch os.Getenv("ETCDTEST_ROLE") {
	case "member":
		memberMain(strings.Split(os.Getenv("ETCDTEST_ARGS"), "\x1f"))
	case "writer":
		writerMain(strings.Split(os.Getenv("ETCDTEST_ARGS"), "\x1f"))
	}
	// Helper processes of the multi-process tests connect to the cluster
	// of the test that started them: args are the endpoints and the prefix.
	proctest.Main(func(args []string) (*configmgr.Manager, error) {
		return etcd.New(context.Background(), strings.Split(args[0], ","), args[1])
	})
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "etcdtest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	cluster, err = StartIn(dir, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start etcd:", err)
		return 2
	}
	defer cluster.Stop()
	client, err = clientv3.New(clientv3.Config{Endpoints: cluster.Endpoints(), DialTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer client.Close()
	return m.Run()
}

func newStore(t *testing.T) *etcd.Store {
	s, err := etcd.Open(client, fmt.Sprintf("/test/%d/", seq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) configmgr.Store { return newStore(t) })
}
