package main

import (
	"testing"

	"github.com/configmgr/configmgr/internal/tour"
)

func TestQuickstart(t *testing.T) {
	if err := run(tour.Sample(), t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
