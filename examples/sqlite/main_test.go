package main

import (
	"testing"

	"github.com/configmgr/configmgr/internal/tour"
)

func TestSQLiteTour(t *testing.T) {
	if err := run(tour.Sample(), t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
