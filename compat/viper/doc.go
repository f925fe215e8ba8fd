// Package viper holds the test that compares configmgr with viper on the
// example service's configuration (examples/from-viper): every value
// loaded, both ways. It is a module of its own so that viper never enters
// the library's go.mod, not even as a test dependency.
package viper
