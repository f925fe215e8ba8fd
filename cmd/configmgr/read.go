package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/configmgr/configmgr"
	"github.com/spf13/cobra"
)

func (a *app) envsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "envs",
		Short: "List the environments",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withManager(cmd.Context(), func(ctx context.Context, m *configmgr.Manager) error {
				envs, err := m.EnvironmentsContext(ctx)
				if err != nil {
					return err
				}
				switch a.format() {
				case "table", "raw":
					for _, e := range envs {
						fmt.Fprintln(a.stdout, e)
					}
					return nil
				}
				list := make([]any, len(envs))
				for i, e := range envs {
					list[i] = e
				}
				return a.printValue(list)
			})
		},
	}
}

func (a *app) revisionCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "revision ENV",
		Short:             "Print the revision of an environment's document, for --if-revision",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withManager(cmd.Context(), func(ctx context.Context, m *configmgr.Manager) error {
				_, rev, err := m.ReadRevisionContext(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, rev)
				return nil
			})
		},
	}
}

func (a *app) getCmd() *cobra.Command {
	var effective bool
	c := &cobra.Command{
		Use:   "get ENV [POINTER]",
		Short: "Print an environment's document, or the value at a JSON Pointer",
		Long: `Print an environment's document as stored, or the value at a JSON Pointer
(/database/port). Secrets are [REDACTED] unless --show-secrets is given.
With --effective, the document is the one a service loads: with the schema's
defaults filled in and, with --env-prefix, its environment variables applied.`,
		Args:              cobra.RangeArgs(1, 2),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := a.bounded(cmd.Context())
			defer cancel()
			var path []string
			if len(args) == 2 {
				var err error
				if path, err = splitPointer(args[1]); err != nil {
					return err
				}
			}
			m, err := a.openEffective(ctx, effective)
			if err != nil {
				return err
			}
			defer m.Close()
			doc, err := a.document(ctx, m, args[0], effective)
			if err != nil {
				return err
			}
			v, ok := lookup(doc, path)
			if !ok {
				return fmt.Errorf("%s: no value at %s: %w", args[0], args[1], configmgr.ErrNotFound)
			}
			return a.printValue(v)
		},
	}
	c.Flags().BoolVar(&effective, "effective", false, "the document as a service loads it: schema defaults and environment overrides applied")
	c.Flags().StringVar(&a.envPrefix, "env-prefix", "", "with --effective: the prefix of the environment variables that override values (APP reads APP_DATABASE_PORT)")
	return c
}

// openEffective opens the Manager, with the environment overrides of
// --env-prefix when effective values are asked for.
func (a *app) openEffective(ctx context.Context, effective bool) (*configmgr.Manager, error) {
	if effective && a.envPrefix != "" {
		return a.open(ctx, configmgr.WithEnvOverrides(strings.TrimSuffix(a.envPrefix, "_")))
	}
	return a.open(ctx)
}

// document returns env's document, validated, redacted unless
// --show-secrets, as an ordered value in the stored key order: as stored,
// or as a service loads it (effective).
func (a *app) document(ctx context.Context, m *configmgr.Manager, env string, effective bool) (any, error) {
	var doc map[string]any
	if effective {
		var raw json.RawMessage
		if err := m.LoadContext(ctx, env, &raw); err != nil {
			return nil, err
		}
		v, err := parseOrdered(raw)
		if err != nil {
			return nil, err
		}
		doc = toPlain(v).(map[string]any)
	} else {
		var err error
		if doc, err = m.ReadContext(ctx, env); err != nil {
			return nil, err
		}
	}
	if !a.showSecrets {
		doc = m.Redact(doc)
	}
	return orderLike(a.storedOrder(ctx, m, env), doc), nil
}

// storedOrder returns the stored document of env as an ordered value, for
// its key order, or nil.
func (a *app) storedOrder(ctx context.Context, m *configmgr.Manager, env string) any {
	d, err := m.Store().Get(ctx, env)
	if err != nil {
		return nil
	}
	v, _ := parseOrdered(d.Data)
	return v
}

func (a *app) validateCmd() *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "validate [ENV...]",
		Short: "Check environments, or a file, against the schema",
		Long: `Check every environment, or those named, against the store's schema, or
with --file a document that is not stored yet. Each is reported on a line of
its own; the exit code is 5 if any is invalid.`,
		ValidArgsFunction: func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			return a.envNames(cmd.Context()), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withManager(cmd.Context(), func(ctx context.Context, m *configmgr.Manager) error {
				if file != "" {
					if len(args) > 0 {
						return usagef("validate takes environments or --file, not both")
					}
					v, err := readInput(a.stdin, file)
					if err != nil {
						return err
					}
					if err := m.ValidateContext(ctx, toPlain(v)); err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "%s: valid\n", file)
					return nil
				}
				envs := args
				if len(envs) == 0 {
					var err error
					if envs, err = m.EnvironmentsContext(ctx); err != nil {
						return err
					}
				}
				var worst error
				for _, env := range envs {
					_, err := m.ReadContext(ctx, env)
					if err == nil {
						fmt.Fprintf(a.stdout, "%s: valid\n", env)
						continue
					}
					if ctx.Err() != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "%s: %s\n", env, strings.TrimPrefix(err.Error(), "configmgr: "))
					if worst == nil || exitCode(err) == exitInvalid {
						worst = err
					}
				}
				if worst != nil {
					return codeError{code: exitCode(worst)}
				}
				return nil
			})
		},
	}
	c.Flags().StringVarP(&file, "file", "f", "", "validate this JSON file (- for stdin) instead of stored environments")
	return c
}

// readInput reads a JSON document from a file, or stdin for "-",
// bounded in size.
func readInput(stdin io.Reader, name string) (any, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", name, configmgr.ErrTooLarge, maxInput)
	}
	v, err := parseOrdered(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, ok := v.(*omap); !ok {
		return nil, fmt.Errorf("%s: %w", name, configmgr.ErrNotObject)
	}
	return v, nil
}

func (a *app) diffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff ENV [FROM [TO]]",
		Short: "Show what changed between two versions of an environment",
		Long: `Show the changes from version FROM to version TO of ENV. Each is a backup ID
(see history), "current" (the stored document), or a JSON file. TO defaults
to current; with neither, FROM is the newest backup: the last change made.
Exit 0 when the versions are the same, 1 when they differ, 2 on an error.`,
		Args:              cobra.RangeArgs(1, 3),
		ValidArgsFunction: a.completeBackups("current"),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.diff(cmd.Context(), args)
			var ce codeError
			if err != nil && !errors.As(err, &ce) {
				return codeError{code: 2, err: err}
			}
			return err
		},
	}
}

func (a *app) diff(ctx context.Context, args []string) error {
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	m, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer m.Close()
	env := args[0]
	from, to := "", "current"
	if len(args) > 1 {
		from = args[1]
	}
	if len(args) > 2 {
		to = args[2]
	}
	if from == "" {
		bs, err := m.BackupsContext(ctx, env)
		if err != nil {
			return err
		}
		if len(bs) == 0 {
			return fmt.Errorf("%s has no backups to compare with: %w", env, configmgr.ErrNotFound)
		}
		from = bs[0].ID
	}
	a1, err := a.version(ctx, m, env, from)
	if err != nil {
		return err
	}
	b1, err := a.version(ctx, m, env, to)
	if err != nil {
		return err
	}
	changes := m.Compare(a1, b1)
	// Diff lines, piped or not, as diff(1) prints them; JSON or YAML when
	// asked for.
	if a.output == "json" || a.output == "yaml" {
		if err := a.printValue(changesValue(changes)); err != nil {
			return err
		}
	} else {
		a.printChanges(a.stdout, changes)
	}
	if len(changes) > 0 {
		return codeError{code: 1}
	}
	return nil
}

// changesValue is changes as a list of objects, for -o json and yaml.
func changesValue(changes []configmgr.Change) []any {
	out := []any{}
	for _, c := range changes {
		o := &omap{vals: map[string]any{}}
		add := func(k string, v any) {
			o.keys = append(o.keys, k)
			o.vals[k] = v
		}
		add("pointer", c.Pointer)
		add("kind", c.Kind)
		if c.Kind != "added" {
			add("old", c.Old)
		}
		if c.Kind != "removed" {
			add("new", c.New)
		}
		out = append(out, o)
	}
	return out
}

// version reads one version of env: "current", a file, or a backup ID.
func (a *app) version(ctx context.Context, m *configmgr.Manager, env, which string) (map[string]any, error) {
	var data []byte
	switch {
	case which == "current":
		d, err := m.Store().Get(ctx, env)
		if err != nil {
			return nil, err
		}
		data = d.Data
	case isFile(which):
		v, err := readInput(a.stdin, which)
		if err != nil {
			return nil, err
		}
		return toPlain(v).(map[string]any), nil
	case configmgr.CheckBackupID(which) != nil:
		return nil, usagef("%q is neither current, a backup ID (see configmgr history %s) nor a file", which, env)
	default:
		hs, ok := m.Store().(configmgr.HistoryStore)
		if !ok {
			return nil, fmt.Errorf("the store keeps no backups: %w", errors.ErrUnsupported)
		}
		var err error
		if data, err = hs.ReadBackup(ctx, env, which); err != nil {
			return nil, err
		}
	}
	v, err := parseOrdered(data)
	if err != nil {
		return nil, fmt.Errorf("%s of %s: %w", which, env, err)
	}
	doc, ok := toPlain(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s of %s: %w", which, env, configmgr.ErrNotObject)
	}
	return doc, nil
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

func (a *app) historyCmd() *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "history ENV",
		Short: "List an environment's backups, newest first, with what each change did",
		Long: `List the backups of ENV, newest first: the ID (for diff and restore), when
the version it holds was replaced, its size, and a summary of the change that
replaced it.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withManager(cmd.Context(), func(ctx context.Context, m *configmgr.Manager) error {
				env := args[0]
				bs, err := m.BackupsContext(ctx, env)
				if err != nil {
					return err
				}
				if limit > 0 && len(bs) > limit {
					bs = bs[:limit]
				}
				newer, err := a.version(ctx, m, env, "current")
				if err != nil {
					return err
				}
				type entry struct {
					b       configmgr.Backup
					changes []configmgr.Change
				}
				var list []entry
				for _, b := range bs {
					v, err := a.version(ctx, m, env, b.ID)
					if err != nil {
						return err
					}
					list = append(list, entry{b, m.Compare(v, newer)})
					newer = v
				}
				if f := a.format(); f == "json" || f == "yaml" {
					out := []any{}
					for _, e := range list {
						o := &omap{vals: map[string]any{"id": e.b.ID, "time": e.b.Time.UTC().Format("2006-01-02T15:04:05.000000Z"),
							"size": json.Number(fmt.Sprint(e.b.Size)), "changes": changesValue(e.changes)}, keys: []string{"id", "time", "size", "changes"}}
						out = append(out, o)
					}
					return a.printValue(out)
				}
				var rows [][2]string
				for _, e := range list {
					rows = append(rows, [2]string{e.b.ID + "\t" + e.b.Time.UTC().Format("2006-01-02 15:04:05Z") + "\t" + fmt.Sprint(e.b.Size), summary(e.changes)})
				}
				if a.format() == "raw" { // tab-separated, no header: for scripts
					for _, r := range rows {
						fmt.Fprintf(a.stdout, "%s\t%s\n", r[0], r[1])
					}
					return nil
				}
				return a.table([]string{"ID", "REPLACED", "SIZE", "CHANGE"}, rows)
			})
		},
	}
	c.Flags().IntVarP(&limit, "limit", "n", 0, "show at most this many backups (0: all)")
	return c
}

// summary says in one line what changes did: "~/database/port
// +/features/beta", the first few pointers.
func summary(changes []configmgr.Change) string {
	if len(changes) == 0 {
		return "(no change)"
	}
	var parts []string
	for i, c := range changes {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(changes)-3))
			break
		}
		mark := map[string]string{"added": "+", "removed": "-", "changed": "~"}[c.Kind]
		parts = append(parts, mark+c.Pointer)
	}
	return strings.Join(parts, " ")
}
