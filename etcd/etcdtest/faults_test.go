package etcdtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/configmgr/configmgr/etcd"
	"github.com/configmgr/configmgr/internal/proctest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// memberMain runs an etcd member in a helper process, for the tests that
// kill one with SIGKILL: args are the name, the data directory, the peer
// and client URLs, and the initial cluster. It says "ready" and serves
// until killed.
func memberMain(args []string) {
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = args[0], args[1]
	cfg.LogLevel = "fatal"
	peer, _ := url.Parse(args[2])
	client, _ := url.Parse(args[3])
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*client}, []url.URL{*client}
	cfg.InitialCluster = args[4]
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	<-e.Server.ReadyNotify()
	fmt.Println("ready")
	select {}
}

// writerMain makes n increments of dev's cache.ttl through a Manager on
// the cluster, going on past errors, and prints how many were
// acknowledged and how many failed: args are n, the endpoints and the
// prefix.
func writerMain(args []string) {
	var n int
	fmt.Sscan(args[0], &n)
	m, err := etcd.New(context.Background(), strings.Split(args[1], ","), args[2], etcd.WithTimeout(3*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	acked, failed := 0, 0
	for range n {
		if err := m.UpdateFunc("dev", proctest.IncrementTTL); err != nil {
			failed++
			continue
		}
		acked++
	}
	fmt.Printf("acked=%d failed=%d\n", acked, failed)
	os.Exit(0)
}

type member struct {
	cmd    *exec.Cmd
	client string
}

// startMembers starts a 3-member cluster, each member a process.
func startMembers(t *testing.T) []*member {
	t.Helper()
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "http://" + l.Addr().String()
	}
	var peers, clients, initial []string
	for i := range 3 {
		peers, clients = append(peers, free()), append(clients, free())
		initial = append(initial, fmt.Sprintf("m%d=%s", i, peers[i]))
	}
	var ms []*member
	ready := make(chan error, 3)
	for i := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ETCDTEST_ROLE=member", "ETCDTEST_ARGS="+strings.Join([]string{fmt.Sprintf("m%d", i), filepath.Join(t.TempDir(), "data"), peers[i], clients[i], strings.Join(initial, ",")}, "\x1f"))
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, &member{cmd: cmd, client: strings.TrimPrefix(clients[i], "http://")})
		go func() {
			line, err := bufio.NewReader(out).ReadString('\n')
			if err == nil && line != "ready\n" {
				err = fmt.Errorf("member said %q", line)
			}
			ready <- err
		}()
	}
	t.Cleanup(func() {
		for _, m := range ms {
			m.cmd.Process.Kill()
			m.cmd.Wait()
		}
	})
	for range 3 {
		select {
		case err := <-ready:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the members did not start within 60s")
		}
	}
	return ms
}

func endpoints(ms []*member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.client)
	}
	return out
}

// leader returns the index of the member that leads.
func leader(t *testing.T, c *clientv3.Client, ms []*member) int {
	t.Helper()
	for i, m := range ms {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		st, err := c.Status(ctx, m.client)
		cancel()
		if err == nil && st.Leader == st.Header.MemberId {
			return i
		}
	}
	t.Fatal("no leader")
	return -1
}

// TestKillLeader: writers in 4 processes increment a counter on a
// 3-member cluster while the leader is killed with SIGKILL. Writes go on
// after the election, and at the end the counter holds every
// acknowledged increment, and no more than those plus the ones whose
// outcome their writer could not know (their calls failed): none lost,
// none doubled.
func TestKillLeader(t *testing.T) {
	proctest.SkipShort(t)
	ms := startMembers(t)
	eps := endpoints(ms)
	c := client2(t, eps)
	prefix := fmt.Sprintf("/faults/%d/", seq.Add(1))
	m := objectManager(t, c, prefix)
	if err := m.Write("dev", map[string]any{"cache": map[string]any{"ttl": 0}}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 150
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range writers {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ETCDTEST_ROLE=writer", "ETCDTEST_ARGS="+strings.Join([]string{fmt.Sprint(each), strings.Join(eps, ","), prefix}, "\x1f"))
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	// Kill the leader once the writers are under way.
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := proctest.TTL(m)
		if err == nil && n >= 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the writers did not get going: %v, %v", n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	lead := leader(t, c, ms)
	ms[lead].cmd.Process.Signal(syscall.SIGKILL)
	killedAt, _ := proctest.TTL(m)
	acked, failed := 0, 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer %d: %v: %s", i, err, outs[i])
		}
		var a, f int
		if _, err := fmt.Sscanf(outs[i].String(), "acked=%d failed=%d", &a, &f); err != nil {
			t.Fatalf("writer %d said %q", i, outs[i])
		}
		acked, failed = acked+a, failed+f
	}
	final, err := proctest.TTL(m)
	if err != nil {
		t.Fatal(err)
	}
	if final < int64(acked) || final > int64(acked+failed) {
		t.Fatalf("the counter is %d; %d increments were acknowledged and %d failed", final, acked, failed)
	}
	if final <= killedAt {
		t.Fatalf("no write went through after the leader was killed (at %d, final %d)", killedAt, final)
	}
	t.Logf("leader m%d killed at %d; final %d: %d acknowledged, %d failed", lead, killedAt, final, acked, failed)
}

// TestQuorumLost: with two of three members killed, calls fail with a
// typed error within their context's deadline.
func TestQuorumLost(t *testing.T) {
	proctest.SkipShort(t)
	ms := startMembers(t)
	c := client2(t, endpoints(ms))
	m := objectManager(t, c, "/quorum/")
	if err := m.Write("dev", map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	ms[0].cmd.Process.Signal(syscall.SIGKILL)
	ms[1].cmd.Process.Signal(syscall.SIGKILL)
	for name, call := range map[string]func(ctx context.Context) error{
		"Write": func(ctx context.Context) error { return m.WriteContext(ctx, "dev", map[string]any{"a": 2}) },
		"Read": func(ctx context.Context) error {
			_, err := m.ReadContext(clientv3.WithRequireLeader(ctx), "dev")
			return err
		},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		start := time.Now()
		err := call(ctx)
		cancel()
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s without quorum took %v", name, d)
		}
		if !errors.Is(err, etcd.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s without quorum = %v; want ErrUnavailable or the deadline's error", name, err)
		}
	}
}
