// Package proctest runs writers in separate OS processes for the
// concurrency and crash tests of every store: the test binary re-executes
// itself with an environment variable that names the role.
package proctest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
)

// Env is the environment variable that makes a test binary a helper.
const Env = "CONFIGMGR_TEST_CHILD"

// Main runs the helper role named by Env, if it is set, and exits; a test
// package calls it first in TestMain. open opens the store from the
// arguments given to [Command].
func Main(open func(args []string) (*configmgr.Manager, error)) {
	role := os.Getenv(Env)
	if role == "" {
		return
	}
	args := os.Args[1:]
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	if len(args) > 0 {
		args = args[1:]
	}
	os.Exit(child(role, args, open))
}

// child: "increment N ..." adds 1 to dev's cache.ttl N times; "forever ..."
// does so until killed, saying "ready" after its first write.
func child(role string, args []string, open func([]string) (*configmgr.Manager, error)) int {
	n, _ := strconv.Atoi(args[0])
	m, err := open(args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer m.Close()
	for i := 0; role == "forever" || i < n; i++ {
		if err := m.UpdateFunc("dev", IncrementTTL); err != nil {
			fmt.Fprintf(os.Stderr, "update %d: %v\n", i, err)
			return 1
		}
		if i == 0 && role == "forever" {
			fmt.Println("ready")
		}
	}
	return 0
}

// Command returns a helper process of the running test binary in role
// ("increment" or "forever"), doing n updates, on the store that args
// describe to the open function given to [Main].
func Command(role string, n int, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", strconv.Itoa(n)}, args...)...)
	cmd.Env = append(os.Environ(), Env+"="+role)
	if os.Getenv("GORACE") == "" {
		// The race detector otherwise sleeps a second at exit.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	return cmd
}

// IncrementTTL adds 1 to cache.ttl: the update the helpers make.
func IncrementTTL(cfg map[string]any) error {
	c, ok := cfg["cache"].(map[string]any)
	if !ok {
		return fmt.Errorf("no cache object in %v", cfg)
	}
	n, err := c["ttl"].(json.Number).Int64()
	if err != nil {
		return err
	}
	c["ttl"] = n + 1
	return nil
}

// TTL returns dev's cache.ttl as m reads it.
func TTL(m *configmgr.Manager) (int64, error) {
	cfg, err := m.Read("dev")
	if err != nil {
		return 0, err
	}
	c, _ := cfg["cache"].(map[string]any)
	n, _ := c["ttl"].(json.Number)
	return n.Int64()
}

// KillWhileWriting starts cmd in role "forever", waits for its first
// write, lets it write for a random while below max, and kills it with
// SIGKILL wherever it is. It returns an error if the writer did not start
// or did not die by the signal.
func KillWhileWriting(cmd *exec.Cmd, rng *rand.Rand, max time.Duration) error {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("the writer did not start: %q %v %s", line, err, stderr.String())
	}
	time.Sleep(time.Duration(rng.Int64N(int64(max))))
	cmd.Process.Signal(syscall.SIGKILL)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		return fmt.Errorf("the writer ended with %v, not by SIGKILL: %s", err, stderr.String())
	}
	return nil
}

// SkipShort skips a test that runs OS processes when the tests run with
// -short, for a fast loop; CI runs everything.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs OS processes; skipped with -short")
	}
}
