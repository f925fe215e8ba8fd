package configmgr_test

import (
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
