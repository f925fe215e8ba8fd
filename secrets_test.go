package configmgr_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

// secret is a password that must never be printed. CI also greps the whole
// test output for it.
const secret = "hunter2-SECRET-7f3a"

// TestSecretsNeverShown drives every path that formats errors or values
// with a document whose password (writeOnly in the schema) is secret, and
// checks that the secret appears in none of what comes out.
func TestSecretsNeverShown(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	var out []string
	say := func(vs ...any) {
		for _, v := range vs {
			out = append(out, fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v))
		}
	}
	setPassword := func(pw any) error {
		return m.Update("dev", map[string]any{"database": map[string]any{"password": pw}})
	}
	if err := setPassword(secret); err != nil {
		t.Fatal(err)
	}
	// Failed writes with the secret in the document.
	say(m.Update("dev", map[string]any{"database": map[string]any{"port": 0}}))
	say(m.Write("dev", map[string]any{"database": map[string]any{"password": secret}}))
	say(setPassword(424242)) // a secret of the wrong type
	say(m.Write("qa", map[string]any{"environment": secret, "database": map[string]any{"password": secret}}))
	// Decoding into the wrong type.
	var wrong struct {
		Database struct {
			Password int `json:"password"`
		} `json:"database"`
	}
	say(m.Load("dev", &wrong))
	// Broken files around the secret.
	path := filepath.Join(configDir, "dev.json")
	good := readFile(t, path)
	for _, bad := range []string{
		strings.Replace(good, secret, secret+"\x01", 1),
		strings.Replace(good, secret, secret+`\q`, 1),
		strings.Replace(good, `"`+secret+`"`, secret, 1),
		strings.Replace(good, `"`+secret+`"`, "1"+secret, 1),
	} {
		os.WriteFile(path, []byte(bad), 0o600)
		_, err := m.Read("dev")
		say(err)
	}
	os.WriteFile(path, []byte(good), 0o600)
	// Listings, diffs, redaction, and the String forms of every type.
	setPassword("another-" + secret)
	bs, _ := m.Backups("dev")
	say(bs)
	changes, err := m.Diff("dev", bs[0].ID, "")
	if err != nil || len(changes) != 1 || changes[0].Pointer != "/database/password" || changes[0].New != configmgr.Redacted {
		t.Fatalf("Diff = %v, %v", changes, err)
	}
	say(changes)
	cfg, _ := m.Read("dev")
	red := m.Redact(cfg)
	if red["database"].(map[string]any)["password"] != configmgr.Redacted || red["database"].(map[string]any)["host"] != "localhost" {
		t.Fatalf("Redact = %v", red)
	}
	say(red, m, m.Store())
	doc, _ := m.Store().Get(t.Context(), "dev")
	say(doc, configmgr.Snapshot{Env: "dev", Data: doc.Data, Backups: []configmgr.BackupData{{Data: doc.Data}}})
	l, err := configmgr.Watch[map[string]any](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	say(l)
	os.WriteFile(path, []byte(strings.Replace(good, `"port": 5432`, `"port": -1`, 1)), 0o600)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	_, err = l.Next(ctx)
	cancel()
	say(err, l.Err())
	// A schema change that the stored document fails.
	say(m.SetSchema([]byte(`{"properties": {"database": {"properties": {"password": {"writeOnly": true, "maxLength": 3}}}}}`)))
	// The reference store's and an override's errors.
	mem := storetest.NewMemStore()
	mem.Put(t.Context(), "dev", doc.Data, configmgr.PutOptions{})
	say(mem)
	_, err = configmgr.New(configDir, t.TempDir(), configmgr.WithEnvOverrides("CMTEST"))
	say(err)
	t.Setenv("CMTEST_DATABASE_PORT", secret)
	_, err = configmgr.New(configDir, t.TempDir(), configmgr.WithEnvOverrides("CMTEST"))
	if err == nil {
		t.Fatal("an override of the wrong type was accepted")
	}
	say(err)

	n := 0
	for _, s := range out {
		if strings.Contains(s, secret) || strings.Contains(s, "424242") {
			t.Errorf("a secret was shown: %s", s)
		}
		if s != "<nil>" && s != "" {
			n++
		}
	}
	if n < 30 {
		t.Fatalf("only %d outputs checked: the test lost its reach", n)
	}
}
