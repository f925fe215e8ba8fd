package configmgr_test

import (
	"testing"

	"github.com/configmgr/configmgr"
)

// BenchmarkLiveLatest is the cost of reading the live configuration on a
// request: an atomic pointer load.
func BenchmarkLiveLatest(b *testing.B) {
	m, _, _ := newManager(b, true)
	l, err := configmgr.Watch[benchConfig](b.Context(), m, "dev")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ReportAllocs()
	var ttl int
	for b.Loop() {
		ttl += l.Latest().Cache.TTL
	}
	_ = ttl
}

// BenchmarkLiveReload is the time from the end of a write through the
// Manager to the new version in Latest: read, parse, validate, defaults,
// decode. The write itself is not timed.
func BenchmarkLiveReload(b *testing.B) {
	m, _, _ := newManager(b, true)
	l, err := configmgr.Watch[benchConfig](b.Context(), m, "dev")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": i}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		v, err := l.Next(b.Context())
		if err != nil || v.Cache.TTL != i {
			b.Fatalf("Next = %+v, %v", v, err)
		}
	}
}
