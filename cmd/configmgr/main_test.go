package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// secretMarker is the password of the fixture's production environment:
// no command may print it unless --show-secrets asked for it.
const secretMarker = "hunter2-SECRET"

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"configmgr":   guardedMain,
		"fake-editor": fakeEditor,
	})
}

// guardedMain is the command line, with a check that it never prints the
// secret marker unless --show-secrets was given: if it does, it exits 99
// whatever the command's own code, which no script expects.
func guardedMain() {
	out := &guard{f: os.Stdout}
	errOut := &guard{f: os.Stderr}
	code := run(os.Args[1:], os.Stdin, out, errOut)
	if (out.leaked || errOut.leaked) && !slices.Contains(os.Args[1:], "--show-secrets") {
		fmt.Fprintln(os.Stderr, "TEST FAILURE: the output showed a secret")
		code = 99
	}
	os.Exit(code)
}

// guard is a terminal-preserving writer that notes the secret marker.
type guard struct {
	f      *os.File
	leaked bool
}

func (g *guard) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(secretMarker)) {
		g.leaked = true
	}
	return g.f.Write(p)
}

func (g *guard) Fd() uintptr { return g.f.Fd() }

// fakeEditor is $EDITOR for the scripts. On its Nth call it copies the file
// it is given to $FAKE_EDITS/seen-N, then replaces it with $FAKE_EDITS/edit-N
// if there is one (else leaves it unchanged), runs $FAKE_EDITS/run-N with
// sh if there is one (another writer, say), and if there is a file
// $FAKE_EDITS/interrupt-N, sends SIGINT to the configmgr that started it,
// as Ctrl-C in the terminal would.
func fakeEditor() {
	dir := os.Getenv("FAKE_EDITS")
	if dir == "" || len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "fake-editor: needs FAKE_EDITS and one file")
		os.Exit(1)
	}
	counter := filepath.Join(dir, "calls")
	data, _ := os.ReadFile(counter)
	n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	n++
	must(os.WriteFile(counter, []byte(strconv.Itoa(n)), 0o600))
	cur, err := os.ReadFile(os.Args[1])
	must(err)
	must(os.WriteFile(filepath.Join(dir, fmt.Sprintf("seen-%d", n)), cur, 0o600))
	if edit, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("edit-%d", n))); err == nil {
		must(os.WriteFile(os.Args[1], edit, 0o600))
	}
	if script := filepath.Join(dir, fmt.Sprintf("run-%d", n)); fileExists(script) {
		cmd := exec.Command("sh", script)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		must(cmd.Run())
	}
	if fileExists(filepath.Join(dir, fmt.Sprintf("interrupt-%d", n))) {
		must(interruptConfigmgr())
	}
}

// interruptConfigmgr sends SIGINT to the nearest ancestor process named
// configmgr (the editor runs under sh -c).
func interruptConfigmgr() error {
	pid := os.Getppid()
	for range 4 {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(comm)) == "configmgr" {
			p, err := os.FindProcess(pid)
			if err != nil {
				return err
			}
			return p.Signal(os.Interrupt)
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return err
		}
		// pid (comm) state ppid ...
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if pid, err = strconv.Atoi(fields[1]); err != nil {
			return err
		}
	}
	return fmt.Errorf("no configmgr among the editor's ancestors")
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake-editor:", err)
		os.Exit(1)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// params are the scripts' settings: each starts in a directory holding
// config/ (the fixture: a schema and the dev and production environments),
// with the store left to its default (./config).
func params(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			return copyDir("testdata/fixture", env.WorkDir)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitlines": waitLines,
			"exits":     exits,
			"setfrom":   setFrom,
			"hassecret": hasSecret,
		},
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, params("testdata/script"))
}

// exits runs a command, as exec does, and checks its exit code: exits N
// COMMAND ARGS...
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// hasSecret checks that a file holds the fixture's secret (with !, that it
// does not), without the secret appearing in the script or its log:
// hassecret FILE.
func hasSecret(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: hassecret FILE")
	}
	if has := strings.Contains(ts.ReadFile(args[0]), secretMarker); has == neg {
		ts.Fatalf("%s: holds the secret: %v, want %v", args[0], has, !neg)
	}
}

// setFrom sets a variable to the first line of a file (a command's
// output saved with sh): setfrom VAR FILE.
func setFrom(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setfrom VAR FILE")
	}
	line, _, _ := strings.Cut(ts.ReadFile(args[1]), "\n")
	ts.Setenv(args[0], strings.TrimSpace(line))
}

// waitLines waits until file has at least n lines (a background command's
// output), for at most a minute: waitlines FILE N.
func waitLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitlines FILE N")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("waitlines: %v", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		data, _ := os.ReadFile(ts.MkAbs(args[0]))
		if bytes.Count(data, []byte("\n")) >= n {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitlines: %s has %d lines after a minute, want %d:\n%s", args[0], bytes.Count(data, []byte("\n")), n, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// copyDir copies the tree at src into dst.
func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
