package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// app is one run of the command line: its streams and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool // stdout is a terminal
	color          bool // and colour is wanted

	storeURL    string
	output      string
	tls         tlsFlags
	timeout     time.Duration
	envPrefix   string
	showSecrets bool
	ifRevision  string
	dryRun      bool

	ran        bool // a command's RunE started: later errors are not usage
	noSchemaOK bool // the no-schema warning was given
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	tty := isTerminal(stdout)
	return &app{
		stdin: stdin, stdout: stdout, stderr: stderr,
		tty:   tty,
		color: tty && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb",
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// execute runs args and returns the exit code.
func (a *app) execute(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if !a.ran {
		var ue usageError
		if !errors.As(err, &ue) {
			err = usageError{err}
		}
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(a.stderr, "configmgr: interrupted: nothing was changed by the step in progress")
		return exitError
	}
	printError(a.stderr, err)
	if _, ok := errors.AsType[usageError](err); ok && !strings.Contains(err.Error(), "store is one of") {
		fmt.Fprintln(a.stderr, "Run 'configmgr --help' for usage.")
	}
	return exitCode(err)
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "configmgr",
		Short: "Read, change, validate, diff, restore and move configuration in a configmgr store",
		Long: `configmgr works on the configuration documents of a configmgr store, one per
environment, through the same Manager the services use: every change is
validated against the store's JSON Schema, locked against other writers,
backed up, and can be undone with restore.

The store is a URL given with --store or CONFIGMGR_STORE:
  file:config?backups=backups   JSON files (the default where ./config exists)
  sqlite:config.db              a SQLite database
  etcd://host:2379,host2:2379/prefix   an etcd cluster (TLS: --cacert, --cert, --key)

Values are addressed by JSON Pointer (/database/port). Secrets (writeOnly in
the schema) are shown as [REDACTED] unless --show-secrets is given.

` + exitCodesHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			switch a.output {
			case "", "json", "yaml", "table", "raw":
			default:
				return usagef("-o %s: the formats are json, yaml, table and raw", a.output)
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVarP(&a.storeURL, "store", "s", "", "the store URL (default $CONFIGMGR_STORE, or file:config?backups=backups where ./config exists)")
	f.StringVarP(&a.output, "output", "o", "", "output format: json, yaml, table or raw (default table on a terminal, json otherwise)")
	f.StringVar(&a.tls.cacert, "cacert", "", "etcd: verify the servers with this CA bundle")
	f.StringVar(&a.tls.cert, "cert", "", "etcd: the client certificate")
	f.StringVar(&a.tls.key, "key", "", "etcd: the client certificate's key")
	f.BoolVar(&a.tls.insecure, "insecure-skip-tls-verify", false, "etcd: use TLS without checking the servers' certificates")
	f.DurationVar(&a.timeout, "timeout", time.Minute, "how long a command may take to reach the store (not counting an editor, watch or migrate)")
	f.BoolVar(&a.showSecrets, "show-secrets", false, "show the values of secrets instead of [REDACTED]")
	root.AddCommand(a.envsCmd(), a.revisionCmd(), a.getCmd(), a.setCmd(), a.patchCmd(), a.editCmd(),
		a.validateCmd(), a.diffCmd(), a.historyCmd(), a.restoreCmd(), a.migrateCmd(),
		a.schemaCmd(), a.watchCmd(), a.explainCmd())
	return root
}

// writeFlags adds --if-revision and --dry-run to a command that writes.
func (a *app) writeFlags(c *cobra.Command) *cobra.Command {
	c.Flags().StringVar(&a.ifRevision, "if-revision", "", "write only if the document's revision is still this one (see configmgr revision); a conflict exits 4")
	c.Flags().BoolVar(&a.dryRun, "dry-run", false, "validate and show the change, and write nothing")
	return c
}

// withManager opens the Manager of --store, within --timeout, and calls fn
// with it and the bounded context.
func (a *app) withManager(ctx context.Context, fn func(ctx context.Context, m *configmgr.Manager) error) error {
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	m, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer m.Close()
	return fn(ctx, m)
}

// bounded returns ctx with the --timeout deadline.
func (a *app) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.timeout)
}

// format is the output format: -o, or table on a terminal and JSON when
// piped.
func (a *app) format() string {
	if a.output != "" {
		return a.output
	}
	if a.tty {
		return "table"
	}
	return "json"
}

// printValue prints a document or a value in the output format.
func (a *app) printValue(v any) error {
	switch a.format() {
	case "yaml":
		s, err := yamlText(v)
		if err != nil {
			return err
		}
		_, err = io.WriteString(a.stdout, s)
		return err
	case "raw":
		if s, ok := v.(string); ok {
			_, err := fmt.Fprintln(a.stdout, s)
			return err
		}
		_, err := fmt.Fprintln(a.stdout, jsonText(v, false))
		return err
	case "table":
		rows := leaves(v, "", nil)
		if len(rows) == 1 && rows[0][0] == "" {
			_, err := fmt.Fprintln(a.stdout, rows[0][1])
			return err
		}
		return a.table([]string{"POINTER", "VALUE"}, rows)
	}
	_, err := fmt.Fprintln(a.stdout, jsonText(v, true))
	return err
}

// leaves flattens v into (pointer, value) rows.
func leaves(v any, prefix string, rows [][2]string) [][2]string {
	switch c := v.(type) {
	case *omap:
		if len(c.keys) == 0 {
			break
		}
		for _, k := range c.keys {
			rows = leaves(c.vals[k], prefix+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), rows)
		}
		return rows
	case []any:
		if len(c) == 0 {
			break
		}
		for i, e := range c {
			rows = leaves(e, fmt.Sprintf("%s/%d", prefix, i), rows)
		}
		return rows
	case string:
		return append(rows, [2]string{prefix, c})
	}
	return append(rows, [2]string{prefix, jsonText(v, false)})
}

// table prints rows under a header, aligned.
func (a *app) table(header []string, rows [][2]string) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1])
	}
	return tw.Flush()
}

// The ANSI colours of a diff.
const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	reset  = "\x1b[0m"
)

// changeLine is one change as a diff line: "+ /p: new", "- /p: old" or
// "~ /p: old -> new", coloured on a terminal.
func (a *app) changeLine(c configmgr.Change) string {
	var s, col string
	switch c.Kind {
	case "added":
		s, col = fmt.Sprintf("+ %s: %s", c.Pointer, jsonText(c.New, false)), green
	case "removed":
		s, col = fmt.Sprintf("- %s: %s", c.Pointer, jsonText(c.Old, false)), red
	default:
		s, col = fmt.Sprintf("~ %s: %s -> %s", c.Pointer, jsonText(c.Old, false), jsonText(c.New, false)), yellow
	}
	if a.color {
		return col + s + reset
	}
	return s
}

// printChanges prints changes as diff lines to w.
func (a *app) printChanges(w io.Writer, changes []configmgr.Change) {
	var b bytes.Buffer
	for _, c := range changes {
		b.WriteString(a.changeLine(c))
		b.WriteByte('\n')
	}
	w.Write(b.Bytes())
}

// completeEnvs completes the first argument with the store's environments.
func (a *app) completeEnvs(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.envNames(cmd.Context()), cobra.ShellCompDirectiveNoFileComp
}

func (a *app) envNames(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, err := a.open(ctx)
	if err != nil {
		return nil
	}
	defer m.Close()
	envs, _ := m.EnvironmentsContext(ctx)
	return envs
}

// completeBackups completes an environment, then its backup IDs (and
// extra words such as "current").
func (a *app) completeBackups(extra ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return a.envNames(cmd.Context()), cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		m, err := a.open(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer m.Close()
		bs, _ := m.BackupsContext(ctx, args[0])
		out := append([]string(nil), extra...)
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
