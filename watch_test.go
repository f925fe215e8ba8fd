package configmgr_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/proctest"
	"github.com/configmgr/configmgr/storetest"
)

type liveConfig struct {
	Environment string `json:"environment"`
	Cache       struct {
		TTL     int `json:"ttl"`
		MaxSize int `json:"max_size"`
	} `json:"cache"`
}

// next waits, at most 5 seconds, for the Live's next version.
func next(t *testing.T, l *configmgr.Live[liveConfig]) (*liveConfig, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	v, err := l.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("no change was seen within 5s")
	}
	return v, err
}

// quiet checks that no further version is delivered within 300ms (well
// past the 25ms debounce).
func quiet(t *testing.T, l *configmgr.Live[liveConfig]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if v, err := l.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("one change was delivered twice, or a spurious one: %+v, %v", v, err)
	}
}

func setTTL(t *testing.T, data string, ttl string) string {
	t.Helper()
	out := strings.Replace(data, `"ttl": 300`, `"ttl": `+ttl, 1)
	if out == data {
		t.Fatal("no ttl to replace")
	}
	return out
}

// TestWatchEditors changes the file the ways editors and deployments do,
// and checks that each save is delivered once, with its new content.
func TestWatchEditors(t *testing.T) {
	// A save in several steps (vim's, or a write in place, which truncates
	// first) is only whole once its last step is done; the debounce must
	// outlast the gaps. The tests give those saves 100ms, so that a stalled
	// test goroutine on a loaded machine does not split a save in two; a
	// rename is atomic and runs with the default 25ms.
	saves := []struct {
		name     string
		debounce time.Duration
		save     func(t *testing.T, dir, content string)
	}{
		{"rename-save", 25 * time.Millisecond, func(t *testing.T, dir, content string) {
			tmp := filepath.Join(dir, ".dev.json.swp")
			os.WriteFile(tmp, []byte(content), 0o600)
			if err := os.Rename(tmp, filepath.Join(dir, "dev.json")); err != nil {
				t.Fatal(err)
			}
		}},
		{"vim", 100 * time.Millisecond, func(t *testing.T, dir, content string) {
			// vim's default: probe file, move the original to a backup,
			// write a new file, delete the backup.
			probe := filepath.Join(dir, "4913")
			os.WriteFile(probe, nil, 0o600)
			os.Remove(probe)
			path := filepath.Join(dir, "dev.json")
			os.Rename(path, path+"~")
			f, _ := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			f.WriteString(content[:len(content)/2])
			f.WriteString(content[len(content)/2:])
			f.Sync()
			f.Close()
			os.Remove(path + "~")
		}},
		{"in-place", 100 * time.Millisecond, func(t *testing.T, dir, content string) {
			if err := os.WriteFile(filepath.Join(dir, "dev.json"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, sv := range saves {
		t.Run(sv.name, func(t *testing.T) {
			m, configDir, _ := newManager(t, true)
			l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev", configmgr.WithDebounce(sv.debounce))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.Latest().Cache.TTL != 300 {
				t.Fatalf("first load: %+v", l.Latest())
			}
			orig := readFile(t, filepath.Join(configDir, "dev.json"))
			var latency time.Duration
			for i, ttl := range []string{"301", "302", "303"} {
				start := time.Now()
				sv.save(t, configDir, setTTL(t, orig, ttl))
				v, err := next(t, l)
				latency = time.Since(start)
				if err != nil {
					t.Fatalf("save %d: %v", i, err)
				}
				if want := 301 + i; v.Cache.TTL != want || l.Latest().Cache.TTL != want {
					t.Fatalf("save %d: Next = %d, Latest = %d; want %d", i, v.Cache.TTL, l.Latest().Cache.TTL, want)
				}
				if v.Cache.MaxSize != 100 {
					t.Fatalf("save %d: %+v", i, v)
				}
			}
			quiet(t, l)
			t.Logf("%s: change to Latest in %v (debounce %v)", sv.name, latency.Round(time.Millisecond), sv.debounce)
		})
	}
}

// TestWatchConfigMap swaps a Kubernetes ConfigMap's ..data symlink.
func TestWatchConfigMap(t *testing.T) {
	configDir, backupDir := setup(t, false)
	orig, _ := os.ReadFile("testdata/config/dev.json")
	mkVersion := func(name, content string) {
		os.Mkdir(filepath.Join(configDir, name), 0o755)
		os.WriteFile(filepath.Join(configDir, name, "dev.json"), []byte(content), 0o644)
	}
	mkVersion("..2026_01", string(orig))
	os.Symlink("..2026_01", filepath.Join(configDir, "..data"))
	os.Symlink("..data/dev.json", filepath.Join(configDir, "dev.json"))
	m, err := configmgr.New(configDir, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	mkVersion("..2026_02", setTTL(t, string(orig), "999"))
	os.Symlink("..2026_02", filepath.Join(configDir, "..data_tmp"))
	if err := os.Rename(filepath.Join(configDir, "..data_tmp"), filepath.Join(configDir, "..data")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(configDir, "..2026_01"))
	v, err := next(t, l)
	if err != nil || v.Cache.TTL != 999 {
		t.Fatalf("after the ConfigMap swap: %+v, %v", v, err)
	}
	t.Logf("ConfigMap swap to Latest in %v", time.Since(start).Round(time.Millisecond))
	quiet(t, l)
}

// TestWatchRejectsBadVersions: an invalid edit is never applied; the last
// good config stays, the rejection is reported, and a later good version
// is applied.
func TestWatchRejectsBadVersions(t *testing.T) {
	m, configDir, _ := newManager(t, true)
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	path := filepath.Join(configDir, "dev.json")
	orig := readFile(t, path)
	for _, bad := range []struct {
		content string
		check   func(error) bool
	}{
		{orig[:len(orig)/2], isDecode},
		{strings.Replace(orig, `"ttl": 300`, `"ttl": -5`, 1), func(err error) bool {
			var ve *configmgr.ValidationError
			return errors.As(err, &ve) && ve.Violations[0].Pointer == "/cache/ttl"
		}},
	} {
		saveByRename(t, path, bad.content)
		v, err := next(t, l)
		if !errors.Is(err, configmgr.ErrRejected) || !bad.check(err) {
			t.Fatalf("Next after a bad edit = %v", err)
		}
		if v.Cache.TTL != 300 || l.Latest().Cache.TTL != 300 {
			t.Fatalf("a rejected version was applied: %+v", l.Latest())
		}
		if !errors.Is(l.Err(), configmgr.ErrRejected) {
			t.Fatalf("Err = %v", l.Err())
		}
	}
	saveByRename(t, path, setTTL(t, orig, "777"))
	v, err := next(t, l)
	if err != nil || v.Cache.TTL != 777 || l.Err() != nil {
		t.Fatalf("the good version after bad ones: %+v, %v, Err %v", v, err, l.Err())
	}
}

// saveByRename replaces the file at path atomically, as most editors do.
func saveByRename(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestWatchOwnWrites: a write through the same Manager reaches its
// watchers at once, and each revision once.
func TestWatchOwnWrites(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *configmgr.Manager{
		"file": func(t *testing.T) *configmgr.Manager { m, _, _ := newManager(t, true); return m },
		"mem (polling)": func(t *testing.T) *configmgr.Manager {
			schema, _ := os.ReadFile("testdata/config/schema.json")
			m, _ := configmgr.Open(storetest.NewMemStore(), configmgr.WithSchema(schema))
			dev, _ := os.ReadFile("testdata/config/dev.json")
			m.Write("dev", jsonRaw(dev))
			return m
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := open(t)
			l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev", configmgr.WithPollInterval(20*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			for ttl := 1; ttl <= 3; ttl++ {
				start := time.Now()
				if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": ttl}}); err != nil {
					t.Fatal(err)
				}
				v, err := next(t, l)
				if err != nil || v.Cache.TTL != ttl {
					t.Fatalf("Next = %+v, %v; want ttl %d", v, err, ttl)
				}
				if ttl == 3 {
					t.Logf("own write to Latest in %v", time.Since(start).Round(time.Microsecond))
				}
			}
			quiet(t, l)
		})
	}
}

// TestWatchOtherProcess: a write by another process is seen.
func TestWatchOtherProcess(t *testing.T) {
	proctest.SkipShort(t)
	m, configDir, backupDir := newManager(t, true)
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	cmd := proctest.Command("increment", 1, configDir, backupDir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	v, err := next(t, l)
	elapsed := time.Since(start)
	if werr := cmd.Wait(); werr != nil {
		t.Fatalf("%v: %s", werr, out.String())
	}
	if err != nil || v.Cache.TTL != 301 {
		t.Fatalf("after another process's update: %+v, %v", v, err)
	}
	t.Logf("other process's write to Latest in %v (process start included)", elapsed.Round(time.Millisecond))
}

// TestWatchStops: cancelling the context or Close stops the Live with no
// goroutine left behind.
func TestWatchStops(t *testing.T) {
	base := runtime.NumGoroutine()
	m, _, _ := newManager(t, true)
	// The file store runs one directory watcher from the first Watch until
	// it is closed; start it before counting.
	if err := m.Store().(configmgr.WatchStore).Watch(t.Context(), "dev", ""); err != nil {
		t.Fatal(err) // returns at once: dev exists, so it is not at the zero revision
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(t.Context())
	l1, err := configmgr.Watch[liveConfig](ctx, m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	l2, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 1}})
	next(t, l1)
	next(t, l2)
	if runtime.NumGoroutine() <= before {
		t.Fatal("the watchers run no goroutine?")
	}
	cancel()
	l2.Close()
	if _, err := l2.Next(t.Context()); !errors.Is(err, configmgr.ErrClosed) {
		t.Fatalf("Next after Close = %v", err)
	}
	waitGoroutines(t, before)
	if l1.Latest().Cache.TTL != 1 {
		t.Fatal("Latest after stopping")
	}
	// Closing the Manager stops the store's watcher too.
	m.Close()
	waitGoroutines(t, base)
}

// waitGoroutines waits, at most 5 seconds, for the number of goroutines
// to come down to want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: want %d, have %d\n%s", want, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWatchManagerClosed: closing the Manager ends its Lives.
func TestWatchManagerClosed(t *testing.T) {
	m, _, _ := newManager(t, true)
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev", configmgr.WithPollInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := l.Next(ctx); !errors.Is(err, configmgr.ErrClosed) {
		t.Fatalf("Next after the Manager closed = %v; want ErrClosed", err)
	}
	l.Close()
}

// TestWatchNextAfterClose: a version that Next has not returned yet is not
// returned after Close; Next reports ErrClosed.
func TestWatchNextAfterClose(t *testing.T) {
	m, _, _ := newManager(t, true)
	l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 4}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.Latest().Cache.TTL != 4 {
		if time.Now().After(deadline) {
			t.Fatal("the update did not reach Latest within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	l.Close()
	if v, err := l.Next(t.Context()); !errors.Is(err, configmgr.ErrClosed) {
		t.Fatalf("Next after Close = %+v, %v; want ErrClosed", v, err)
	}
}

// TestWatchDirectorySwap: a Live follows its configuration directory's
// path, not the directory: when the directory is renamed over (an mv-swap
// deploy) or a symlink on its path is switched (current -> releases/N),
// the new directory's document is loaded.
func TestWatchDirectorySwap(t *testing.T) {
	for _, how := range []string{"mv-swap", "symlink"} {
		t.Run(how, func(t *testing.T) {
			configDir, backupDir := setup(t, true)
			root := filepath.Dir(configDir)
			path := configDir
			if how == "symlink" {
				path = filepath.Join(root, "current")
				if err := os.Symlink(configDir, path); err != nil {
					t.Fatal(err)
				}
			}
			m, err := configmgr.New(path, backupDir)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			l, err := configmgr.Watch[liveConfig](t.Context(), m, "dev")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()

			release := filepath.Join(root, "release2")
			os.Mkdir(release, 0o755)
			for _, name := range []string{"schema.json", "dev.json"} {
				data := readFile(t, filepath.Join(configDir, name))
				if name == "dev.json" {
					data = setTTL(t, data, "777")
				}
				os.WriteFile(filepath.Join(release, name), []byte(data), 0o600)
			}
			if how == "mv-swap" {
				if err := os.Rename(configDir, filepath.Join(root, "old")); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(release, configDir); err != nil {
					t.Fatal(err)
				}
			} else {
				tmp := filepath.Join(root, "current.new")
				if err := os.Symlink(release, tmp); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(tmp, path); err != nil {
					t.Fatal(err)
				}
			}
			for {
				v, err := next(t, l)
				if err == nil && v.Cache.TTL == 777 {
					break
				}
			}
		})
	}
}
