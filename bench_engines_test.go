package configmgr_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/jsonschema"
)

const composeSpec = "../shared/testdata/compose-spec/compose-spec.json"

// composeDoc is a large, valid compose file: n services with ports,
// environment, volumes, healthchecks and deploy settings.
func composeDoc(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"name": "bench", "services": {`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"svc%d": {"image": "registry.example.com/team/svc%d:1.%d.0", "restart": "unless-stopped",
		  "ports": ["%d:80", {"target": 443, "published": "%d", "protocol": "tcp"}],
		  "environment": {"LOG_LEVEL": "info", "PORT": "80", "REPLICA": "%d"},
		  "volumes": ["data%d:/var/lib/svc:rw"], "networks": ["front", "back"],
		  "healthcheck": {"test": ["CMD", "curl", "-f", "http://localhost/health"], "interval": "30s", "timeout": "5s", "retries": 3},
		  "deploy": {"replicas": 2, "resources": {"limits": {"cpus": "0.5", "memory": "256M"}}},
		  "labels": {"team": "platform", "tier": "web"}}`, i, i, i%10, 8000+i, 9000+i, i, i)
	}
	b.WriteString(`}, "networks": {"front": {}, "back": {"internal": true}}, "volumes": {`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"data%d": {}`, i)
	}
	b.WriteString("}}")
	return []byte(b.String())
}

// BenchmarkEngines compares the two schema engines in one run, round by
// round (run it with -count): a first, uncached Read (parse and validate)
// of the sample config and of a 300-service compose file validated against
// compose-spec, each against the floor of json.Unmarshal of the same
// bytes; and the compile time of each schema.
func BenchmarkEngines(b *testing.B) {
	spec, err := os.ReadFile(composeSpec)
	if err != nil {
		b.Skipf("compose-spec is not at %s: %v", composeSpec, err)
	}
	sample, _ := os.ReadFile("testdata/config/schema.json")
	dev, _ := os.ReadFile("testdata/config/dev.json")
	cases := []struct {
		name   string
		schema []byte
		doc    []byte
	}{{"sample", sample, dev}, {"compose", spec, composeDoc(300)}}
	engines := []struct {
		name string
		c    configmgr.Compiler
	}{{"gojsonschema", configmgr.GoJSONSchema{}}, {"v6", jsonschema.Compiler{}}}
	for _, tc := range cases {
		docs := [][]byte{tc.doc, bytes.Replace(tc.doc, []byte("{"), []byte("{ "), 1)}
		b.Run(tc.name+"/floor-unmarshal", func(b *testing.B) {
			b.SetBytes(int64(len(tc.doc)))
			for b.Loop() {
				var v map[string]any
				if err := json.Unmarshal(bytes.Clone(tc.doc), &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, e := range engines {
			b.Run(tc.name+"/Read-"+e.name, func(b *testing.B) { uncachedReads(b, tc.schema, e.c, docs) })
			b.Run(tc.name+"/Compile-"+e.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := e.c.Compile(tc.schema); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
