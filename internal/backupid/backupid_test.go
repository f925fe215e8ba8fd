package backupid

import (
	"sort"
	"testing"
	"time"
)

func TestNextIsUniqueAndOrdered(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []string
	for range 1000 { // a thousand backups within one clock reading
		id, at := Next(now, ids)
		if pt, ok := Parse(id); !ok || !pt.Equal(at) {
			t.Fatalf("Parse(%q) = %v, %v; want %v", id, pt, ok, at)
		}
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("IDs made in sequence do not sort in sequence")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("duplicate ID %s", id)
		}
		seen[id] = true
	}
	if ids[0] != "20260102_030405.000000000Z" {
		t.Fatalf("first ID %s", ids[0])
	}
	// A clock that went back still yields a later ID.
	id, _ := Next(now.Add(-time.Hour), ids)
	if id <= ids[len(ids)-1] {
		t.Fatalf("after the clock went back: %s <= %s", id, ids[len(ids)-1])
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"20240120_100000", true},            // Python tool
		{"2024-01-20T10-00-00", true},        // JavaScript tool
		{"20240120_100000.123456789Z", true}, // ours
		{"20240120_100000x123456789Z", false},
		{"../../etc/passwd", false},
		{"20241320_100000", false},
		{"x.json.backup_20240120_100000", false},
		{"", false},
	} {
		if _, ok := Parse(tc.id); ok != tc.ok {
			t.Errorf("Parse(%q) ok = %v; want %v", tc.id, ok, tc.ok)
		}
	}
}

// TestParseFastAgrees: the fast path reads every ID as time.Parse does,
// and refuses what it refuses.
func TestParseFastAgrees(t *testing.T) {
	ids := []string{
		"20261130_052034.123456789Z", "20240229_235959.999999999Z", "00010101_000000.000000000Z",
		"20230229_120000.000000000Z", "20241301_000000.000000000Z", "20240101_240000.000000000Z",
		"20240101_126000.000000000Z", "20240101_120060.000000000Z", "2024010a_120000.000000000Z",
		"20240101-120000.000000000Z", "20240101_120000.00000000xZ", "20240131_120000.000000000Z",
		"20240431_120000.000000000Z", "20240100_120000.000000000Z",
	}
	for _, id := range ids {
		slow, serr := time.ParseInLocation(layout, id, time.UTC)
		fast, ok := parseFast(id)
		if ok != (serr == nil) || ok && !fast.Equal(slow) {
			t.Errorf("%s: parseFast %v %v; time.Parse %v %v", id, fast, ok, slow, serr)
		}
		got, pok := Parse(id)
		if pok != (serr == nil) || pok && !got.Equal(slow) {
			t.Errorf("%s: Parse %v %v; time.Parse %v %v", id, got, pok, slow, serr)
		}
	}
}
