package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestHotReload(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out, t.TempDir()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "password") {
		t.Errorf("the service showed the password:\n%s", out.String())
	}
	for _, want := range []string{`"ttl":300`, `"ttl":600`, "/database/port", `"port":6432`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
}
