//go:build linux || darwin

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// inTerminal runs configmgr in dir with a real terminal (a pty) as its
// stdin, stdout and stderr, and returns what it wrote there.
func inTerminal(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("configmgr", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TERM=xterm", "NO_COLOR=")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out bytes.Buffer
	io.Copy(&out, ptmx) // ends with EIO when the command exits and the pty closes
	cmd.Wait()
	return out.String()
}

// piped runs configmgr in dir with pipes for stdout and stderr.
func piped(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("configmgr", args...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// TestTerminal drives the coloured diff, the table default and the
// progress bar in a real terminal, and checks that piped output has no
// escape codes.
func TestTerminal(t *testing.T) {
	dir := t.TempDir()
	if err := copyDir("testdata/fixture", dir); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sh", "-c", "cd "+dir+" && configmgr set dev /database/port 6543").CombinedOutput(); err != nil {
		t.Fatalf("set: %v\n%s", err, out)
	}

	diff := inTerminal(t, dir, "diff", "dev")
	if want := "\x1b[33m~ /database/port: 5432 -> 6543\x1b[0m"; !strings.Contains(diff, want) {
		t.Errorf("diff on a terminal = %q, want the change in yellow: %q", diff, want)
	}
	get := inTerminal(t, dir, "get", "dev", "/database")
	if !strings.Contains(get, "POINTER") || !strings.Contains(get, "/port") {
		t.Errorf("get on a terminal = %q, want a table", get)
	}
	mig := inTerminal(t, dir, "migrate", "--from", "file:config", "--to", "sqlite:tty.db")
	for _, want := range []string{"\r\x1b[K[", "] 1/2 dev", "] 2/2 production", "copied 2 environments"} {
		if !strings.Contains(mig, want) {
			t.Errorf("migrate on a terminal = %q, want %q in it", mig, want)
		}
	}
	if !strings.Contains(mig, "[###############...............] 1/2 dev") {
		t.Errorf("migrate on a terminal = %q, want a half-full bar at 1/2", mig)
	}

	for _, args := range [][]string{
		{"diff", "dev"},
		{"get", "dev", "/database"},
		{"migrate", "--from", "file:config", "--to", "sqlite:piped.db"},
		{"history", "dev"},
	} {
		out := piped(t, dir, args...)
		if strings.ContainsAny(out, "\x1b\r") {
			t.Errorf("configmgr %s piped = %q: escape codes or carriage returns", strings.Join(args, " "), out)
		}
		if out == "" {
			t.Errorf("configmgr %s piped printed nothing", strings.Join(args, " "))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "piped.db")); err != nil {
		t.Errorf("piped migrate made no database: %v", err)
	}
}

// TestMigrateInterrupted sends SIGINT (Ctrl-C) to a migrate in a terminal
// once it has copied its first environment: it stops, saying so, and what
// it copied is whole: a second run copies the rest and finds every earlier
// copy identical (a half-written one would be a conflict).
func TestMigrateInterrupted(t *testing.T) {
	dir := t.TempDir()
	if err := copyDir("testdata/fixture", dir); err != nil {
		t.Fatal(err)
	}
	const n = 300
	doc, err := os.ReadFile(filepath.Join(dir, "config", "dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, "config", fmt.Sprintf("e%03d.json", i)), doc, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	total := n + 2 // and dev and production

	cmd := exec.Command("configmgr", "migrate", "--from", "file:config", "--to", "sqlite:dst.db")
	cmd.Dir = dir
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out bytes.Buffer
	buf := make([]byte, 4096)
	signalled := false
	for {
		k, err := ptmx.Read(buf)
		out.Write(buf[:k])
		if !signalled && strings.Contains(out.String(), fmt.Sprintf("] 1/%d ", total)) {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
		if err != nil {
			break // EIO: the command exited
		}
	}
	werr := cmd.Wait()
	if !signalled {
		t.Fatalf("migrate never showed its first step: %q", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitError {
		t.Fatalf("interrupted migrate exited %d (%v), want %d: %q", code, werr, exitError, out.String())
	}
	if !strings.Contains(out.String(), "configmgr: interrupted") {
		t.Errorf("interrupted migrate said %q", out.String())
	}

	again := exec.Command("configmgr", "migrate", "--from", "file:config", "--to", "sqlite:dst.db")
	again.Dir = dir
	report, err := again.CombinedOutput()
	if err != nil {
		t.Fatalf("second migrate: %v\n%s", err, report)
	}
	var copied, same int
	if _, err := fmt.Sscanf(string(report), "copied %d environments", &copied); err != nil {
		t.Fatalf("second migrate reported %q", report)
	}
	rest := string(report)[strings.LastIndex(string(report), ";")+1:]
	if _, err := fmt.Sscanf(rest, " %d already identical", &same); err != nil {
		t.Fatalf("second migrate reported %q", report)
	}
	if copied+same != total || same < 1 || copied < 1 {
		t.Errorf("second migrate: copied %d, found %d identical; want %d in all, some of each (%s)", copied, same, total, report)
	}
}
