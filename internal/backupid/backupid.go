// Package backupid makes and parses the IDs of configuration backups.
//
// An ID names the time a backup was taken. New IDs have the form
// 20060102_150405.000000000Z (UTC, nanoseconds), so that they sort in time
// order as strings and do not collide within one second. The IDs written by
// the original Python tool (20060102_150405, local time) and JavaScript tool
// (2006-01-02T15-04-05, UTC) are parsed too.
package backupid

import (
	"fmt"
	"time"
)

const (
	layout   = "20060102_150405.000000000Z"
	legacyPy = "20060102_150405"
	legacyJS = "2006-01-02T15-04-05"
)

// Parse reports the time an ID stands for, and whether the ID has one of
// the known forms.
func Parse(id string) (time.Time, bool) {
	var (
		t   time.Time
		err error
	)
	switch len(id) {
	case len(layout):
		if id[15] != '.' {
			return time.Time{}, false
		}
		if t, ok := parseFast(id); ok {
			return t, true
		}
		t, err = time.ParseInLocation(layout, id, time.UTC)
	case len(legacyPy):
		t, err = time.ParseInLocation(legacyPy, id, time.Local)
	case len(legacyJS):
		t, err = time.ParseInLocation(legacyJS, id, time.UTC)
	default:
		return time.Time{}, false
	}
	if err != nil || !onlyIDBytes(id) {
		return time.Time{}, false
	}
	return t, true
}

// parseFast parses an ID of the form After makes without time.Parse,
// for listings of many thousands: digits in place, and a date and time
// that time.Date gives back unchanged (no 30 February, no hour 24). It
// reports false for anything else, which Parse then reads the slow way.
func parseFast(id string) (time.Time, bool) {
	if id[8] != '_' || id[15] != '.' || id[25] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := id[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	var f [7]int
	for i, span := range [7][2]int{{0, 4}, {4, 6}, {6, 8}, {9, 11}, {11, 13}, {13, 15}, {16, 25}} {
		var ok bool
		if f[i], ok = num(span[0], span[1]); !ok {
			return time.Time{}, false
		}
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6], time.UTC)
	if t.Year() != f[0] || int(t.Month()) != f[1] || t.Day() != f[2] || t.Hour() != f[3] || t.Minute() != f[4] || t.Second() != f[5] {
		return time.Time{}, false
	}
	return t, true
}

func onlyIDBytes(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == 'T' || c == 'Z') {
			return false
		}
	}
	return true
}

// Next returns a new ID for a backup taken at now that is later than every
// ID in existing, even when the clock has not moved or went backwards.
func Next(now time.Time, existing []string) (string, time.Time) {
	var newest time.Time
	for _, id := range existing {
		if pt, ok := Parse(id); ok && pt.After(newest) {
			newest = pt
		}
	}
	return After(now, newest)
}

// After is Next for a caller that knows the newest existing ID's time
// already (the zero time if there is none).
func After(now, newest time.Time) (string, time.Time) {
	t := now.UTC().Round(0)
	if !newest.Before(t) {
		t = newest.Add(time.Nanosecond)
	}
	return t.UTC().Format(layout), t
}

// Format returns the ID that After makes for the time t.
func Format(t time.Time) string { return t.UTC().Format(layout) }

// Invalid returns an error wrapping sentinel (configmgr.ErrInvalidName)
// for an ID that is not one, saying what IDs look like.
func Invalid(sentinel error, id string) error {
	return fmt.Errorf("%w: backup ID %q: IDs look like 20261130_052034.123456789Z (a UTC time with nanoseconds), as Backups lists them", sentinel, id)
}
