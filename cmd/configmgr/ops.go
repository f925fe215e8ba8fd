package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/configmgr/configmgr"
	"github.com/spf13/cobra"
)

func (a *app) migrateCmd() *cobra.Command {
	var from, to string
	c := &cobra.Command{
		Use:   "migrate --from URL --to URL",
		Short: "Copy every environment, its backups and the schema to another store",
		Long: `Copy the schema and every environment, with its backups, from one store to
another of any kind, creating the destination if need be. Each environment is
copied atomically and read back. Migrate is idempotent: what the destination
already holds, identical, is left alone; what it holds with other content is a
conflict, never overwritten. A progress bar shows on a terminal; a report
follows.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return usagef("migrate needs --from and --to\n%s", storeForms)
			}
			src, err := parseStore(from)
			if err != nil {
				return err
			}
			dst, err := parseStore(to)
			if err != nil {
				return err
			}
			if src.String() == dst.String() {
				return usagef("--from and --to name the same store")
			}
			ctx := cmd.Context()
			octx, cancel := a.bounded(ctx)
			defer cancel()
			s, err := a.openStore(octx, src, false)
			if err != nil {
				return err
			}
			defer s.Close()
			d, err := a.openStore(octx, dst, true)
			if err != nil {
				return err
			}
			defer d.Close()
			bar := a.progress()
			report, err := configmgr.Migrate(ctx, d, s, configmgr.WithProgress(bar))
			bar("", -1, 0)
			fmt.Fprintln(a.stdout, report.String())
			return err
		},
	}
	c.Flags().StringVar(&from, "from", "", "the store to copy from")
	c.Flags().StringVar(&to, "to", "", "the store to copy to (made if it does not exist)")
	return c
}

// progress returns a progress bar on stderr, if it is a terminal, for
// WithProgress; done < 0 ends it.
func (a *app) progress() func(env string, done, total int) {
	if !isTerminal(a.stderr) {
		return func(string, int, int) {}
	}
	drawn := false
	return func(env string, done, total int) {
		if done < 0 {
			if drawn {
				fmt.Fprint(a.stderr, "\r\x1b[K")
			}
			return
		}
		const width = 30
		n := width * done / max(total, 1)
		fmt.Fprintf(a.stderr, "\r\x1b[K[%s%s] %d/%d %s", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total, env)
		drawn = true
	}
}

func (a *app) watchCmd() *cobra.Command {
	var count int
	c := &cobra.Command{
		Use:   "watch ENV",
		Short: "Print each new version of a document as one JSON line",
		Long: `Print the document of ENV as a service loads it (schema defaults filled in,
secrets redacted), one JSON line per version: the current one, then each new
one as it is stored. A version that does not parse or validate is reported on
stderr and skipped, as the library's Watch skips it. Ctrl-C ends the watch.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			octx, cancel := a.bounded(ctx)
			m, err := a.open(octx)
			cancel()
			if err != nil {
				return err
			}
			defer m.Close()
			live, err := configmgr.Watch[json.RawMessage](ctx, m, args[0])
			if err != nil {
				return err
			}
			defer live.Close()
			print := func(raw *json.RawMessage) error {
				v, err := parseOrdered(*raw)
				if err != nil {
					return err
				}
				doc := toPlain(v).(map[string]any)
				if !a.showSecrets {
					doc = m.Redact(doc)
				}
				// In the stored key order (read again: the order only).
				order := a.storedOrder(ctx, m, args[0])
				_, err = fmt.Fprintln(a.stdout, jsonText(orderLike(order, doc), false))
				return err
			}
			if err := print(live.Latest()); err != nil {
				return err
			}
			for n := 1; count <= 0 || n < count; {
				raw, err := live.Next(ctx)
				if errors.Is(err, configmgr.ErrRejected) {
					printError(a.stderr, err)
					continue
				}
				if err != nil {
					if ctx.Err() != nil {
						return nil // Ctrl-C: the watch is over
					}
					return err
				}
				if err := print(raw); err != nil {
					return err
				}
				n++
			}
			return nil
		},
	}
	c.Flags().IntVar(&count, "count", 0, "stop after printing this many versions (0: run until interrupted)")
	return c
}

func (a *app) explainCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "explain ENV POINTER",
		Short: "Say where a value comes from and what the schema says about it",
		Long: `Say where the effective value at POINTER comes from (the store, a schema
default, or, with --env-prefix, which environment variable), and what the
schema says about it: type, description, default, limits, whether it is a
secret.`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := a.bounded(cmd.Context())
			defer cancel()
			env, pointer := args[0], args[1]
			path, err := splitPointer(pointer)
			if err != nil {
				return err
			}
			m, err := a.openEffective(ctx, true)
			if err != nil {
				return err
			}
			defer m.Close()
			origin, err := m.OriginContext(ctx, env, pointer)
			if err != nil {
				return err
			}
			doc, err := a.document(ctx, m, env, true)
			if err != nil {
				return err
			}
			val, _ := lookup(toPlain(doc), path)
			o := &omap{vals: map[string]any{}}
			add := func(k string, v any) {
				o.keys = append(o.keys, k)
				o.vals[k] = v
			}
			add("pointer", pointer)
			add("value", orderLike(nil, val))
			add("source", origin.String())
			if sch, err := m.SchemaAt(pointer); err == nil {
				for _, k := range []string{"title", "description", "type", "enum", "const", "default", "minimum", "maximum",
					"exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "format", "deprecated", "readOnly"} {
					if v, ok := sch[k]; ok {
						add(k, orderLike(nil, v))
					}
				}
				if b, _ := sch["writeOnly"].(bool); b {
					add("secret", true)
				}
			} else {
				add("schema", "the schema says nothing about this value")
			}
			if a.format() == "table" {
				var rows [][2]string
				for _, k := range o.keys {
					s, ok := o.vals[k].(string)
					if !ok {
						s = jsonText(o.vals[k], false)
					}
					rows = append(rows, [2]string{k + ":", s})
				}
				for _, r := range rows {
					fmt.Fprintf(a.stdout, "%-12s %s\n", r[0], r[1])
				}
				return nil
			}
			return a.printValue(o)
		},
	}
	c.Flags().StringVar(&a.envPrefix, "env-prefix", "", "the prefix of the environment variables that override values (APP reads APP_DATABASE_PORT)")
	return c
}
