package main

import "testing"

func TestEtcdExample(t *testing.T) {
	if err := run(t.Context(), t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
