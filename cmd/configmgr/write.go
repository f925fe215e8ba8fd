package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// maxRetries bounds how often a write is made again after another writer
// got in first (without --if-revision).
const maxRetries = 10

// mutate changes env's document with fn and writes it with a revision
// check: with --if-revision, a document changed since is a conflict;
// without, the change is made again on the newer document. With --dry-run
// it validates and shows the change, and writes nothing. It prints the
// changes.
func (a *app) mutate(ctx context.Context, m *configmgr.Manager, env string, fn func(doc map[string]any) (map[string]any, error)) error {
	for attempt := 0; ; attempt++ {
		old, rev, err := m.ReadRevisionContext(ctx, env)
		if err != nil {
			return err
		}
		if a.ifRevision != "" && rev != configmgr.Revision(a.ifRevision) {
			return fmt.Errorf("%s: %w: the revision is %s, not %s (nothing was written)", env, configmgr.ErrConflict, rev, a.ifRevision)
		}
		nv, err := fn(deepCopy(old).(map[string]any))
		if err != nil {
			return err
		}
		changes := m.Compare(old, nv)
		if a.dryRun {
			if err := m.ValidateContext(ctx, nv); err != nil {
				return err
			}
			a.printChanges(a.stdout, changes)
			fmt.Fprintf(a.stderr, "dry run: %s is valid; nothing was written\n", env)
			return nil
		}
		if len(changes) == 0 {
			fmt.Fprintf(a.stderr, "%s: no change\n", env)
			return nil
		}
		err = m.CompareAndWriteContext(ctx, env, rev, nv)
		if errors.Is(err, configmgr.ErrConflict) && a.ifRevision == "" && attempt < maxRetries {
			continue
		}
		if err != nil {
			return err
		}
		a.printChanges(a.stdout, changes)
		return nil
	}
}

func (a *app) setCmd() *cobra.Command {
	return a.writeFlags(&cobra.Command{
		Use:   "set ENV POINTER VALUE",
		Short: "Set one value, converted to the schema's type",
		Long: `Set the value at a JSON Pointer. VALUE is converted to the type the schema
gives it: "set production /database/port 6543" stores the number 6543, "true"
a boolean, "a,b" or a JSON array a list, JSON text an object. Objects on the
way are made as needed. The new document is validated before it is written.
A value that starts with "-" follows "--": set dev /offset -- -5.`,
		Args:              cobra.ExactArgs(3),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := a.bounded(cmd.Context())
			defer cancel()
			env, pointer := args[0], args[1]
			path, err := splitPointer(pointer)
			if err != nil {
				return err
			}
			if len(path) == 0 {
				return usagef("set needs a pointer below the top (/database/port); patch or edit change the whole document")
			}
			m, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer m.Close()
			val, err := m.ParseValue(pointer, args[2])
			if err != nil {
				return codeError{code: exitInvalid, err: err}
			}
			return a.mutate(ctx, m, env, func(doc map[string]any) (map[string]any, error) {
				if err := setPath(doc, path, val); err != nil {
					return nil, fmt.Errorf("%s: %s: %w", env, pointer, err)
				}
				return doc, nil
			})
		},
	})
}

// setPath sets the value at path, making objects on the way.
func setPath(doc map[string]any, path []string, val any) error {
	var cur any = doc
	for i, k := range path {
		last := i == len(path)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = val
				return nil
			}
			next, ok := c[k]
			if !ok || next == nil {
				next = map[string]any{}
				c[k] = next
			}
			cur = next
		case []any:
			idx, err := strconv.Atoi(k)
			if err != nil || idx < 0 || idx >= len(c) {
				return fmt.Errorf("%w: no element %s in the array", configmgr.ErrNotFound, k)
			}
			if last {
				c[idx] = val
				return nil
			}
			cur = c[idx]
		default:
			return fmt.Errorf("%s is inside a value that is neither an object nor an array", k)
		}
	}
	return nil
}

func (a *app) patchCmd() *cobra.Command {
	return a.writeFlags(&cobra.Command{
		Use:   "patch ENV FILE|-",
		Short: "Apply an RFC 7396 JSON merge patch from a file or stdin",
		Long: `Apply an RFC 7396 JSON merge patch: objects merge key by key, null deletes a
key, anything else replaces. The new document is validated before it is
written.`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := a.bounded(cmd.Context())
			defer cancel()
			patch, err := readInput(a.stdin, args[1])
			if err != nil {
				return err
			}
			m, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer m.Close()
			p := toPlain(patch)
			return a.mutate(ctx, m, args[0], func(doc map[string]any) (map[string]any, error) {
				return mergePatch(doc, p).(map[string]any), nil
			})
		},
	})
}

// mergePatch applies an RFC 7396 merge patch to a plain value.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return deepCopy(patch)
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	return tm
}

func (a *app) restoreCmd() *cobra.Command {
	var yes bool
	c := a.writeFlags(&cobra.Command{
		Use:   "restore ENV ID",
		Short: "Make a backup the current document again (undoable)",
		Long: `Make backup ID (see history) the current document of ENV again. It shows what
would change and asks before it does, unless --yes. The document it replaces
is backed up first, so a restore can itself be undone: the command prints how.`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeBackups(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := a.bounded(cmd.Context())
			defer cancel()
			env, id := args[0], args[1]
			if err := configmgr.CheckBackupID(id); err != nil {
				return usagef("%q is not a backup ID (see configmgr history %s)", id, env)
			}
			m, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer m.Close()
			cur, rev, err := m.ReadRevisionContext(ctx, env)
			if err != nil {
				return err
			}
			if a.ifRevision != "" && rev != configmgr.Revision(a.ifRevision) {
				return fmt.Errorf("%s: %w: the revision is %s, not %s (nothing was restored)", env, configmgr.ErrConflict, rev, a.ifRevision)
			}
			old, err := a.version(ctx, m, env, id)
			if err != nil {
				return err
			}
			changes := m.Compare(cur, old)
			a.printChanges(a.stdout, changes)
			if len(changes) == 0 {
				fmt.Fprintf(a.stderr, "%s is already as backup %s holds it; nothing to restore\n", env, id)
				return nil
			}
			if a.dryRun {
				if err := m.ValidateContext(ctx, old); err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "dry run: backup %s is valid; nothing was restored\n", id)
				return nil
			}
			if !yes {
				fmt.Fprintf(a.stderr, "Restore %s to backup %s? [y/N] ", env, id)
				line, _ := bufio.NewReader(a.stdin).ReadString('\n')
				if r, ok := a.stdin.(interface{ Fd() uintptr }); !ok || !term.IsTerminal(int(r.Fd())) {
					fmt.Fprintln(a.stderr, strings.TrimSpace(line)) // the answer, as a terminal would echo it
				}
				if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
					return codeError{code: exitError, err: errors.New("restore cancelled: nothing was changed")}
				}
			}
			if a.ifRevision != "" {
				// A restore on condition: the backup's content, written
				// if the revision still holds.
				err = m.CompareAndWriteContext(ctx, env, rev, old)
			} else {
				err = m.RestoreContext(ctx, env, id)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "restored %s to backup %s\n", env, id)
			if bs, err := m.BackupsContext(ctx, env); err == nil && len(bs) > 0 {
				fmt.Fprintf(a.stderr, "undo with: configmgr restore %s %s\n", env, bs[0].ID)
			}
			return nil
		},
	})
	c.Flags().BoolVarP(&yes, "yes", "y", false, "restore without asking")
	return c
}

func (a *app) schemaCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "schema",
		Short: "Print or replace the store's JSON Schema",
	}
	c.AddCommand(&cobra.Command{
		Use:   "get",
		Short: "Print the store's JSON Schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withManager(cmd.Context(), func(ctx context.Context, m *configmgr.Manager) error {
				s := m.Schema()
				if s == nil {
					return fmt.Errorf("the store has no schema: %w", configmgr.ErrNotFound)
				}
				if a.format() == "json" { // the text as stored
					if !bytes.HasSuffix(s, []byte("\n")) {
						s = append(s, '\n')
					}
					_, err := a.stdout.Write(s)
					return err
				}
				v, err := parseOrdered(s)
				if err != nil {
					return err
				}
				return a.printValue(v)
			})
		},
	})
	c.AddCommand(a.writeFlags(&cobra.Command{
		Use:   "set FILE|-",
		Short: "Replace the schema, if every stored environment matches it",
		Long: `Replace the store's JSON Schema. The new schema is refused, and nothing is
changed, if any stored environment would not match it: each failure is
listed. The old schema is kept as a backup by the store.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := a.bounded(cmd.Context())
			defer cancel()
			v, err := readInput(a.stdin, args[0])
			if err != nil {
				return err
			}
			schema := []byte(jsonText(v, true) + "\n")
			m, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer m.Close()
			if a.ifRevision != "" {
				if got := configmgr.SchemaRevision(m.Schema()); got != configmgr.Revision(a.ifRevision) {
					return fmt.Errorf("schema: %w: its revision is %s, not %s (nothing was written)", configmgr.ErrConflict, got, a.ifRevision)
				}
			}
			if a.dryRun {
				return a.checkSchema(ctx, m, schema)
			}
			if err := m.SetSchemaContext(ctx, schema); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "schema set: every environment matches it (revision %s)\n", configmgr.SchemaRevision(schema))
			return nil
		},
	}))
	return c
}

// checkSchema checks every environment against schema, writing nothing.
func (a *app) checkSchema(ctx context.Context, m *configmgr.Manager, schema []byte) error {
	probe, err := configmgr.Open(storetest.NewMemStore(), configmgr.WithSchema(schema))
	if err != nil {
		return err
	}
	defer probe.Close()
	envs, err := m.EnvironmentsContext(ctx)
	if err != nil {
		return err
	}
	failures := 0
	for _, env := range envs {
		d, err := m.Store().Get(ctx, env)
		if err != nil {
			return err
		}
		if err := probe.ValidateContext(ctx, json.RawMessage(d.Data)); err != nil {
			failures++
			fmt.Fprintf(a.stdout, "%s: %s\n", env, strings.TrimPrefix(err.Error(), "configmgr: validate: "))
		} else {
			fmt.Fprintf(a.stdout, "%s: valid\n", env)
		}
	}
	if failures > 0 {
		return codeError{code: exitInvalid, err: fmt.Errorf("dry run: the schema would make %d environment(s) invalid; nothing was written", failures)}
	}
	fmt.Fprintln(a.stderr, "dry run: every environment matches the schema; nothing was written")
	return nil
}
