package etcdtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/etcd"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// BenchmarkEtcd measures, against one embedded member and round by round
// (run it with -count), the Manager's Update against its floor, a raw
// compare-and-swap Txn of the same bytes, and Read of an unchanged
// document against a raw Get.
func BenchmarkEtcd(b *testing.B) {
	ctx := context.Background()
	schema, _ := os.ReadFile(filepath.Join(sampleDir, "schema.json"))
	dev, _ := os.ReadFile(filepath.Join(sampleDir, "dev.json"))
	prefix := fmt.Sprintf("/bench/%d/", seq.Add(1))
	s, err := etcd.Open(client, prefix)
	if err != nil {
		b.Fatal(err)
	}
	m, err := configmgr.Open(s, configmgr.WithSchema(schema))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if err := m.Write("dev", json.RawMessage(dev)); err != nil {
		b.Fatal(err)
	}
	raw := prefix + "raw"
	client.Put(ctx, raw, string(dev))
	// The floor: one compare-and-swap Txn of the same bytes, its revision
	// known from the one before (a writer that also reads first pays a
	// Get more: the Manager starts from the version it wrote).
	resp, _ := client.Get(ctx, raw)
	rev := resp.Kvs[0].ModRevision
	b.Run("floor-cas-txn", func(b *testing.B) {
		for b.Loop() {
			tr, err := client.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(raw), "=", rev)).Then(clientv3.OpPut(raw, string(dev))).Commit()
			if err != nil || !tr.Succeeded {
				b.Fatal(err, tr)
			}
			rev = tr.Header.Revision
		}
	})
	// The same Txn writing a backup beside the document, as every write
	// that keeps history must: the floor of equal work.
	n := 0
	b.Run("floor-cas-txn-with-backup", func(b *testing.B) {
		for b.Loop() {
			n++
			tr, err := client.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(raw), "=", rev)).
				Then(clientv3.OpPut(raw, string(dev)), clientv3.OpPut(fmt.Sprintf("%sbk/%d/%d", prefix, n, len(dev)), string(dev))).Commit()
			if err != nil || !tr.Succeeded {
				b.Fatal(err, tr)
			}
			rev = tr.Header.Revision
		}
	})
	i := 0
	b.Run("Update", func(b *testing.B) {
		for b.Loop() {
			i++
			if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 300 + i%2}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor-get", func(b *testing.B) {
		for b.Loop() {
			if _, err := client.Get(ctx, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Read", func(b *testing.B) {
		for b.Loop() {
			if _, err := m.Read("dev"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
