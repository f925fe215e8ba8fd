package main

import (
	"strings"
	"testing"

	"github.com/configmgr/configmgr/etcd/etcdtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestEtcdScripts runs the scripts of testdata/etcd against an etcd
// server embedded in the test, whose endpoints they find in $ETCD.
func TestEtcdScripts(t *testing.T) {
	cluster := etcdtest.Start(t, 1)
	p := params("testdata/etcd")
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		env.Setenv("ETCD", strings.Join(cluster.Endpoints(), ","))
		return setup(env)
	}
	testscript.Run(t, p)
}
