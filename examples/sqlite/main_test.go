package main

import "testing"

func TestSQLiteExample(t *testing.T) {
	if err := run(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
