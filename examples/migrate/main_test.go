package main

import (
	"testing"

	"github.com/configmgr/configmgr/internal/tour"
)

func TestMigrateExample(t *testing.T) {
	if err := run(t.Context(), tour.Sample(), t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
