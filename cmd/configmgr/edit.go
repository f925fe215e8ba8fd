package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/configmgr/configmgr"
	"github.com/spf13/cobra"
)

func (a *app) editCmd() *cobra.Command {
	return a.writeFlags(&cobra.Command{
		Use:   "edit ENV",
		Short: "Edit a document in $EDITOR, then validate and store it",
		Long: `Open ENV's document in $VISUAL or $EDITOR (vi by default). When the editor
exits, the document is validated and written with a revision check: if another
writer changed it meanwhile, nothing is written, the conflict is reported and
your text is kept in a file. An invalid edit reopens the editor with the
errors as # comment lines above your text. Saving the buffer unchanged cancels.

Secrets show as [REDACTED] (unless --show-secrets); leave them so to keep
their values. A document that no longer matches the schema, or no longer
parses, is opened as it is stored, so that it can be mended.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeEnvs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.edit(cmd.Context(), args[0])
		},
	})
}

func (a *app) edit(ctx context.Context, env string) error {
	openCtx, cancel := a.bounded(ctx)
	m, err := a.open(openCtx)
	cancel()
	if err != nil {
		return err
	}
	defer m.Close()

	// The document to edit: validated and redacted, or, if the stored one
	// is broken, its text as stored so that it can be mended.
	readCtx, cancel := a.bounded(ctx)
	cur, rev, err := m.ReadRevisionContext(readCtx, env)
	var text string
	var shown map[string]any // what the editor was given, as plain
	switch {
	case err == nil:
		if !a.showSecrets {
			shown = m.Redact(cur)
		} else {
			shown = cur
		}
		text = jsonText(orderLike(a.storedOrder(readCtx, m, env), shown), true) + "\n"
	case exitCode(err) == exitInvalid && !errors.Is(err, configmgr.ErrTooLarge):
		d, gerr := m.Store().Get(readCtx, env)
		if gerr != nil {
			cancel()
			return err
		}
		fmt.Fprintf(a.stderr, "configmgr: %s does not validate; editing it as stored: %v\n", env, strings.TrimPrefix(err.Error(), "configmgr: "))
		rev, text = d.Revision, string(d.Data)
		cur = nil
	default:
		cancel()
		return err
	}
	cancel()
	if a.ifRevision != "" && rev != configmgr.Revision(a.ifRevision) {
		return fmt.Errorf("%s: %w: the revision is %s, not %s (nothing was written)", env, configmgr.ErrConflict, rev, a.ifRevision)
	}

	f, err := os.CreateTemp("", "configmgr-"+env+"-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	keep := false
	defer func() {
		if !keep {
			os.Remove(tmp)
		}
	}()

	var header string // the errors of the last attempt, as # lines
	for {
		buf := header + text
		if err := os.WriteFile(tmp, []byte(buf), 0o600); err != nil {
			return err
		}
		if err := a.runEditor(ctx, tmp); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		data, err := os.ReadFile(tmp)
		if err != nil {
			return err
		}
		edited := stripComments(string(data))
		if strings.TrimSpace(edited) == "" || edited == text {
			if header != "" {
				return codeError{code: exitInvalid, err: errors.New("edit cancelled: the document was left invalid; nothing was written")}
			}
			fmt.Fprintln(a.stderr, "Edit cancelled, no changes made.")
			return nil
		}
		text = edited
		nv, verr := a.checkEdit(ctx, m, edited, shown, cur)
		if verr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			header = editHeader(verr)
			continue
		}
		var old map[string]any
		if cur != nil {
			old = cur
		}
		changes := m.Compare(old, nv)
		if a.dryRun {
			a.printChanges(a.stdout, changes)
			fmt.Fprintf(a.stderr, "dry run: %s is valid; nothing was written\n", env)
			return nil
		}
		wctx, cancel := a.bounded(ctx)
		err = m.CompareAndWriteContext(wctx, env, rev, json.RawMessage(jsonText(orderLike(mustParse(edited), nv), false)))
		cancel()
		if err != nil {
			if exitCode(err) == exitInvalid && !errors.Is(err, configmgr.ErrTooLarge) {
				header = editHeader(err)
				continue
			}
			keep = true
			return fmt.Errorf("%w\nyour edit is kept in %s", err, tmp)
		}
		a.printChanges(a.stdout, changes)
		return nil
	}
}

// checkEdit parses and validates an edited text, with the secrets left as
// [REDACTED] given back their stored values.
func (a *app) checkEdit(ctx context.Context, m *configmgr.Manager, edited string, shown, cur map[string]any) (map[string]any, error) {
	v, err := parseOrdered([]byte(edited))
	if err != nil {
		return nil, err
	}
	nv, ok := toPlain(v).(map[string]any)
	if !ok {
		return nil, configmgr.ErrNotObject
	}
	if cur != nil && !a.showSecrets {
		keepSecrets(nv, shown, cur)
	}
	vctx, cancel := a.bounded(ctx)
	defer cancel()
	if err := m.ValidateContext(vctx, nv); err != nil {
		return nil, err
	}
	return nv, nil
}

// keepSecrets puts back, wherever the edit left [REDACTED] where the
// editor was shown it, the stored value.
func keepSecrets(edited, shown, stored map[string]any) {
	for k, v := range edited {
		switch ev := v.(type) {
		case string:
			if ev == configmgr.Redacted && shown[k] == configmgr.Redacted {
				if sv, ok := stored[k]; ok {
					edited[k] = sv
				}
			}
		case map[string]any:
			sm, _ := shown[k].(map[string]any)
			st, _ := stored[k].(map[string]any)
			if sm != nil && st != nil {
				keepSecrets(ev, sm, st)
			}
		}
	}
}

func mustParse(s string) any {
	v, _ := parseOrdered([]byte(s))
	return v
}

// editHeader is err as # comment lines, for the top of the buffer.
func editHeader(err error) string {
	var b strings.Builder
	b.WriteString("# The edit was not saved: fix it, or save it unchanged (or empty) to cancel.\n")
	msg := strings.TrimPrefix(err.Error(), "configmgr: ")
	var ve *configmgr.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			fmt.Fprintf(&b, "#   %s\n", v)
		}
	} else {
		for _, line := range strings.Split(msg, "\n") {
			fmt.Fprintf(&b, "#   %s\n", line)
		}
	}
	b.WriteString("#\n")
	return b.String()
}

// stripComments drops the lines whose first non-blank character is "#",
// which no JSON document has.
func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// runEditor runs $VISUAL or $EDITOR (which may carry arguments) on path,
// on the terminal.
func (a *app) runEditor(ctx context.Context, path string) error {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", editor+` "$1"`, "editor", path)
	// The editor gets the terminal: stdout if it is one, else stderr, so
	// that nothing it draws lands in piped output.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.stdin, a.stderr, a.stderr
	if a.tty {
		cmd.Stdout = a.stdout
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("the editor %q failed: %v", editor, err)
	}
	return nil
}
