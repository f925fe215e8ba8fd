package configmgr_test

import (
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/storetest"
)

func TestFileStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) configmgr.Store {
		dir := t.TempDir()
		s, err := configmgr.NewFileStore(dir, dir+"/backups")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMemStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) configmgr.Store {
		s := storetest.NewMemStore()
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestValidName tests the rule for environment names itself: names that are
// unsafe as a file name on any platform are refused, in any case.
func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"dev", true}, {"prod-eu.1", true}, {"a_b", true}, {"Production", true}, {strings.Repeat("a", 128), true},
		{"consul", true}, {"nullable", true}, {"com10", true}, {"lpt", true}, {"auxiliary", true}, {"schemas", true}, {"my.schema", true},
		{"", false}, {".hidden", false}, {"../x", false}, {"a/b", false}, {`a\b`, false}, {"a b", false}, {"dév", false},
		{strings.Repeat("a", 129), false}, {"a\x00b", false},
		{"schema", false}, {"Schema", false}, {"SCHEMA", false}, {"schema.old", true},
		{"con", false}, {"CON", false}, {"Nul", false}, {"nul.old", false}, {"prn", false}, {"aux", false},
		{"com1", false}, {"COM9", false}, {"com0", false}, {"lpt1", false}, {"LPT9.txt", false},
	} {
		if got := configmgr.ValidName(tc.name); got != tc.ok {
			t.Errorf("ValidName(%q) = %v; want %v", tc.name, got, tc.ok)
		}
	}
}
