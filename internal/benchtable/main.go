// Command benchtable measures configmgr against its floors and prints the
// README's performance table: every row's case and floor run in one
// process, interleaved round by round (the floor first in odd rounds, the
// case first in even ones), each ratio taken against the floor of the same
// round; the table gives the median ratio over the rounds, its range, the
// target and whether it holds, and the load average during the run.
//
//	go run ./internal/benchtable            # 7 rounds, full sizes: a few minutes
//	go run ./internal/benchtable -short     # 1 round, small sizes: checks that it works (CI)
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configmgr/configmgr"
	"github.com/configmgr/configmgr/internal/atomicfile"
	"github.com/configmgr/configmgr/sqlite"
)

var (
	short     = flag.Bool("short", false, "one round, small sizes, short runs: check that the harness works")
	rounds    = flag.Int("rounds", 7, "rounds (at least 7 for the README)")
	benchtime = flag.Duration("benchtime", 300*time.Millisecond, "how long each case and floor runs in a round")
	only      = flag.String("only", "", "run only the rows whose name contains this")
	worker    = flag.String("worker", "", "internal: run as a helper process updating the environment in this config directory")
)

// row is one line of the table: a case against its floor.
type row struct {
	name, floor string
	limit       float64 // the target ratio; 0 reports only
	allocs      bool    // compare bytes allocated, not time
	// setup makes the case and the floor, and a cleanup.
	setup func(dir string) (c, f func(b *testing.B), done func())
}

func main() {
	testing.Init()
	flag.Parse()
	if *worker != "" {
		runWorker(*worker)
		return
	}
	if *short {
		*rounds, *benchtime = 1, 20*time.Millisecond
	}
	flag.Set("test.benchtime", benchtime.String())

	big := 10000
	docSize := 4 << 20
	if *short {
		big, docSize = 100, 64<<10
	}
	rows := []row{
		{name: "file store `Update`, keep 5, 0.5 KB", floor: "one durable atomic write of the same bytes", limit: 1.5, setup: updateVsDurableWrite},
		{name: fmt.Sprintf("file store `Update`, %d kept backups", big), floor: "the same `Update` with 10", limit: 1.2, setup: updateHistory(big)},
		{name: fmt.Sprintf("file store `Update`, %d environments", big), floor: "the same `Update` with 10", limit: 1.2, setup: updateEnvironments(big)},
		{name: fmt.Sprintf("file store `Backups()` of %d", big), floor: "`os.ReadDir` of that directory", limit: 2, setup: backupsVsReadDir(big)},
		{name: "SQLite `Update`, synchronous=FULL", floor: "a raw upsert transaction of the same bytes, WAL, FULL", limit: 1.3, setup: sqliteVsRaw("FULL")},
		{name: "SQLite `Update`, synchronous=NORMAL", floor: "the same, NORMAL", limit: 2.0, setup: sqliteVsRaw("NORMAL")},
		{name: fmt.Sprintf("first `Read` of a %d MB document", docSize>>20), floor: "one parse + one validation of the same bytes", limit: 1.1, setup: bigRead(docSize)},
		{name: fmt.Sprintf("`Update` of a %d MB document", docSize>>20), floor: "one parse + one validation of the same bytes", limit: 1.1, setup: bigUpdate(docSize)},
		{name: fmt.Sprintf("bytes allocated by a first `Read` of a %d MB document", docSize>>20), floor: "`json.Unmarshal` of the same bytes", limit: 1.5, allocs: true, setup: bigReadAllocs(docSize)},
		{name: "`Load` of an unchanged file into a struct", floor: "`os.ReadFile` + `json.Unmarshal` into the same struct", limit: 1.0, setup: readsVsUnmarshal(loadUnchanged)},
		{name: "`Read` of an unchanged file", floor: "the same", limit: 1.0, setup: readsVsUnmarshal(readUnchanged)},
		{name: "first `Read` (read, parse, validate)", floor: "the same", setup: readsVsUnmarshal(firstRead)},
		{name: "first `Read` of a commented file (`WithComments`)", floor: "first `Read` of the same bytes, each comment a space", setup: commentedRead},
		{name: "`Live.Latest()`", floor: "an `atomic.Pointer` load", setup: liveLatest},
	}
	if *short {
		for i := range rows {
			rows[i].name = strings.ReplaceAll(rows[i].name, "0 MB", "64 KB")
		}
	}

	start := time.Now()
	load0 := loadavg()
	type result struct{ ratios, cases, floors []float64 }
	results := make([]result, len(rows))
	for i, r := range rows {
		if *only != "" && !strings.Contains(r.name, *only) {
			continue
		}
		dir, err := os.MkdirTemp("", "benchtable")
		if err != nil {
			fatal(err)
		}
		c, f, done := r.setup(dir)
		// The setup's writes (10,000 new files for some rows) go to disk
		// now, not during the first round's fsyncs.
		exec.Command("sync").Run()
		for round := range *rounds {
			var cv, fv float64
			measure := func(fn func(b *testing.B)) float64 {
				res := testing.Benchmark(fn)
				if res.N == 0 {
					fatal(fmt.Errorf("%s: the benchmark failed", r.name))
				}
				if r.allocs {
					return float64(res.AllocedBytesPerOp())
				}
				// Not NsPerOp, which rounds to whole nanoseconds.
				return float64(res.T.Nanoseconds()) / float64(res.N)
			}
			if round%2 == 0 {
				fv, cv = measure(f), measure(c)
			} else {
				cv, fv = measure(c), measure(f)
			}
			results[i].cases = append(results[i].cases, cv)
			results[i].floors = append(results[i].floors, fv)
			results[i].ratios = append(results[i].ratios, cv/fv)
		}
		done()
		os.RemoveAll(dir)
	}
	load1 := loadavg()

	fs := ""
	if name := fileSystem(); name != "" {
		fs = ", files on " + name
	}
	fmt.Printf("Measured %s on %s (%d cores, %s/%s, Go %s%s), %d round(s) of %s per case and floor; load average %s at the start, %s at the end; %s in all.\n\n",
		start.UTC().Format("2006-01-02 15:04 MST"), cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), fs,
		*rounds, *benchtime, load0, load1, time.Since(start).Round(time.Second))
	fmt.Println("| measure | floor | floor (median) | case (median) | ratio (median) | min–max | target | |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	missed := 0
	for i, r := range rows {
		res := results[i]
		if len(res.ratios) == 0 {
			continue
		}
		ratio := median(res.ratios)
		verdict, target := "ok", fmt.Sprintf("≤ %.1f×", r.limit)
		if r.limit == 0 {
			verdict, target = "", "report"
		} else if ratio > r.limit {
			verdict = fmt.Sprintf("**MISSED** by %.0f%%", (ratio/r.limit-1)*100)
			missed++
		}
		fmt.Printf("| %s | %s | %s | %s | **%.2f×** | %.2f–%.2f | %s | %s |\n", r.name, r.floor, unit(median(res.floors), r.allocs),
			unit(median(res.cases), r.allocs), ratio, slices.Min(res.ratios), slices.Max(res.ratios), target, verdict)
	}
	if *only == "" || strings.Contains("processes", *only) {
		fmt.Println()
		fmt.Println("| processes updating one environment | updates/s |")
		fmt.Println("|---|---|")
		for _, n := range []int{1, 2, 4, 8} {
			fmt.Printf("| %d | %.0f |\n", n, throughput(n))
		}
	}
	if missed > 0 {
		fmt.Printf("\n%d target(s) missed.\n", missed)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchtable:", err)
	os.Exit(1)
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func unit(v float64, allocs bool) string {
	if allocs {
		return fmt.Sprintf("%.1f MB", v/(1<<20))
	}
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f µs", v/1e3)
	case v >= 10:
		return fmt.Sprintf("%.0f ns", v)
	}
	return fmt.Sprintf("%.2f ns", v)
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:3], " ")
}

// fileSystem names the file system the rows' files are on (the temporary
// directory's), and for ext4 whether it has a journal, which decides what
// an fsync costs: without one, each is a flush of its own. From
// /proc/self/mountinfo; "" where that is not to be read.
func fileSystem() string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	dir, _ := filepath.EvalSymlinks(os.TempDir())
	best, fsType, source := "", "", ""
	for line := range strings.Lines(string(data)) {
		// ID parent major:minor root mountpoint options ... - type source superoptions
		pre, post, ok := strings.Cut(line, " - ")
		fields, after := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(after) < 2 {
			continue
		}
		mp := fields[4]
		if (dir == mp || strings.HasPrefix(dir, strings.TrimSuffix(mp, "/")+"/")) && len(mp) >= len(best) {
			best, fsType, source = mp, after[0], after[1]
		}
	}
	if fsType != "ext4" {
		return fsType
	}
	opts, err := os.ReadFile(filepath.Join("/proc/fs/ext4", filepath.Base(source), "options"))
	switch {
	case err != nil:
		return "ext4"
	case strings.Contains(string(opts), "data="):
		return "ext4 with a journal"
	}
	return "ext4 without a journal"
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// The sample document and schema: the repository's testdata/config.

const sampleSchema = `{
  "type": "object",
  "properties": {
    "environment": {"type": "string", "enum": ["development", "staging", "production"]},
    "database": {
      "type": "object",
      "properties": {
        "host": {"type": "string"},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "name": {"type": "string"},
        "password": {"type": "string", "writeOnly": true}
      },
      "required": ["host", "port"]
    },
    "cache": {"type": "object", "properties": {"ttl": {"type": "integer", "minimum": 0}}},
    "features": {"type": "object", "additionalProperties": {"type": "boolean"}},
    "items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}
  },
  "required": ["environment", "database"]
}
`

const sampleDoc = `{
  "environment": "development",
  "database": {
    "host": "localhost",
    "port": 5432,
    "name": "myapp_dev",
    "password": "dev_password"
  },
  "cache": {
    "enabled": true,
    "ttl": 300,
    "max_size": 1000
  },
  "features": {
    "new_ui": true,
    "beta_features": true,
    "analytics": false
  },
  "logging": {
    "level": "DEBUG",
    "format": "%(asctime)s - %(name)s - %(levelname)s - %(message)s",
    "output": "console"
  }
}
`

// configDir makes dir/config with the schema and dev.json, and n-1 more
// environments.
func configDir(dir string, envs int) (string, string) {
	cfg, backups := filepath.Join(dir, "config"), filepath.Join(dir, "backups")
	os.MkdirAll(cfg, 0o755)
	os.MkdirAll(backups, 0o755)
	must(os.WriteFile(filepath.Join(cfg, "schema.json"), []byte(sampleSchema), 0o600))
	must(os.WriteFile(filepath.Join(cfg, "dev.json"), []byte(sampleDoc), 0o600))
	for i := 1; i < envs; i++ {
		must(os.WriteFile(filepath.Join(cfg, fmt.Sprintf("env%05d.json", i)), []byte(sampleDoc), 0o600))
	}
	return cfg, backups
}

func must(err error) {
	if err != nil {
		fatal(err)
	}
}

func open(cfg, backups string, opts ...configmgr.Option) *configmgr.Manager {
	m, err := configmgr.New(cfg, backups, opts...)
	must(err)
	return m
}

// updates is a case: Update of dev, alternating between two values.
func updates(m *configmgr.Manager) func(b *testing.B) {
	i := 0
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Update("dev", map[string]any{"cache": map[string]any{"ttl": 300 + i%2}}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
}

func updateVsDurableWrite(dir string) (c, f func(b *testing.B), done func()) {
	cfg, backups := configDir(dir, 1)
	m := open(cfg, backups)
	target := filepath.Join(cfg, "floor.json")
	data := []byte(sampleDoc)
	return updates(m), func(b *testing.B) {
		for b.Loop() {
			if err := atomicfile.Write(target, data, 0o600, nil); err != nil {
				b.Fatal(err)
			}
		}
	}, func() { m.Close() }
}

// plant puts n backups of env into backups, a second apart, as a long
// history leaves them.
func plant(backups, env string, n int) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		id, _ := configmgr.NewBackupID(t0.Add(time.Duration(i)*time.Second), nil)
		must(os.WriteFile(filepath.Join(backups, env+".json.backup_"+id), []byte("{}"), 0o600))
	}
}

func updateHistory(n int) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		cfgA, bA := configDir(filepath.Join(dir, "few"), 1)
		cfgB, bB := configDir(filepath.Join(dir, "many"), 1)
		plant(bA, "dev", 10)
		plant(bB, "dev", n)
		few := open(cfgA, bA, configmgr.WithBackups(-1))
		many := open(cfgB, bB, configmgr.WithBackups(-1))
		return updates(many), updates(few), func() { few.Close(); many.Close() }
	}
}

func updateEnvironments(n int) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		cfgA, bA := configDir(filepath.Join(dir, "few"), 10)
		cfgB, bB := configDir(filepath.Join(dir, "many"), n)
		few, many := open(cfgA, bA), open(cfgB, bB)
		return updates(many), updates(few), func() { few.Close(); many.Close() }
	}
}

func backupsVsReadDir(n int) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		cfg, backups := configDir(dir, 1)
		plant(backups, "dev", n)
		m := open(cfg, backups, configmgr.WithBackups(-1))
		return func(b *testing.B) {
				for b.Loop() {
					if bs, err := m.Backups("dev"); err != nil || len(bs) != n {
						b.Fatalf("Backups: %d, %v", len(bs), err)
					}
				}
			}, func(b *testing.B) {
				for b.Loop() {
					if _, err := os.ReadDir(backups); err != nil {
						b.Fatal(err)
					}
				}
			}, func() { m.Close() }
	}
}

// sqliteVsRaw: the SQLite store's Update against a raw upsert of the same
// bytes in a transaction, on a database of its own with the same journal
// and synchronous mode.
func sqliteVsRaw(mode string) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		m, err := sqlite.New(filepath.Join(dir, "config.db"), sqlite.WithCreate(), sqlite.WithSynchronous(mode), configmgr.WithSchema([]byte(sampleSchema)))
		must(err)
		must(m.Write("dev", json.RawMessage(sampleDoc)))
		driver := "sqlite"
		if slices.Contains(sql.Drivers(), "sqlite3") {
			driver = "sqlite3"
		}
		db, err := sql.Open(driver, filepath.Join(dir, "raw.db"))
		must(err)
		db.SetMaxOpenConns(1)
		for _, q := range []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=" + mode,
			"CREATE TABLE IF NOT EXISTS documents (env TEXT PRIMARY KEY, data BLOB NOT NULL)"} {
			_, err := db.Exec(q)
			must(err)
		}
		// Two versions, in turn, as the Update writes: SQLite skips the
		// write of a row that does not change, and its commit with it.
		versions := [][]byte{[]byte(strings.Replace(sampleDoc, `"ttl": 300`, `"ttl": 301`, 1)), []byte(sampleDoc)}
		i := 0
		return updates(m), func(b *testing.B) {
			for b.Loop() {
				i++
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec("INSERT INTO documents (env, data) VALUES (?, ?) ON CONFLICT (env) DO UPDATE SET data = excluded.data", "dev", versions[i%2]); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		}, func() { m.Close(); db.Close() }
	}
}

// bigDoc is a document of about size bytes: the sample with a long list.
func bigDoc(size int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.TrimSuffix(strings.TrimSpace(sampleDoc), "}"))
	b.WriteString(`,
  "items": [`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n    {\"id\": %d, \"name\": \"item number %d of the long list\"}", i, i)
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes()
}

// parseAndValidate is the floor of the big-document rows: one parse of the
// bytes and one validation of them.
func parseAndValidate(data []byte) func(b *testing.B) {
	v, err := configmgr.GoJSONSchema{}.Compile([]byte(sampleSchema))
	must(err)
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var doc any
			if err := json.Unmarshal(data, &doc); err != nil {
				b.Fatal(err)
			}
			if vs, err := v.Validate(data); err != nil || len(vs) > 0 {
				b.Fatalf("validate: %v %v", vs, err)
			}
		}
	}
}

func bigRead(size int) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		cfg, backups := configDir(dir, 1)
		data := bigDoc(size)
		must(os.WriteFile(filepath.Join(cfg, "dev.json"), data, 0o600))
		opts := []configmgr.Option{configmgr.WithMaxSize(int64(2 * size))}
		return firstReads(cfg, backups, opts...), parseAndValidate(data), func() {}
	}
}

// bigReadAllocs is bigRead against json.Unmarshal alone, for the bytes
// they allocate.
func bigReadAllocs(size int) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		c, _, done = bigRead(size)(dir)
		data := bigDoc(size)
		return c, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var doc any
				if err := json.Unmarshal(data, &doc); err != nil {
					b.Fatal(err)
				}
			}
		}, done
	}
}

func bigUpdate(size int) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		cfg, backups := configDir(dir, 1)
		data := bigDoc(size)
		must(os.WriteFile(filepath.Join(cfg, "dev.json"), data, 0o600))
		m := open(cfg, backups, configmgr.WithMaxSize(int64(2*size)))
		return updates(m), parseAndValidate(data), func() { m.Close() }
	}
}

// sampleConfig is the sample document as a service decodes it.
type sampleConfig struct {
	Environment string `json:"environment"`
	Database    struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		Name     string `json:"name"`
		Password string `json:"password"`
	} `json:"database"`
	Cache struct {
		Enabled bool `json:"enabled"`
		TTL     int  `json:"ttl"`
		MaxSize int  `json:"max_size"`
	} `json:"cache"`
	Features map[string]bool `json:"features"`
	Logging  struct {
		Level  string `json:"level"`
		Format string `json:"format"`
		Output string `json:"output"`
	} `json:"logging"`
}

// settle waits until a file just written is older than the file store's
// window for racily changed files (100 ms), as an unchanged file in
// service is: only then does a read trust its stat.
func settle(path string) {
	fi, err := os.Stat(path)
	must(err)
	time.Sleep(time.Until(fi.ModTime().Add(150 * time.Millisecond)))
}

// The reads of the sample document, each a case against the same floor.
func loadUnchanged(m *configmgr.Manager, _, _ string, b *testing.B) {
	for b.Loop() {
		var c sampleConfig
		if err := m.Load("dev", &c); err != nil {
			b.Fatal(err)
		}
	}
}

func readUnchanged(m *configmgr.Manager, _, _ string, b *testing.B) {
	for b.Loop() {
		if _, err := m.Read("dev"); err != nil {
			b.Fatal(err)
		}
	}
}

// firstRead reads with a new Manager each time.
func firstRead(_ *configmgr.Manager, cfg, backups string, b *testing.B) {
	firstReads(cfg, backups)(b)
}

// firstReads is a case: a Read of dev by a new Manager each time, whose
// opening and closing are not timed.
func firstReads(cfg, backups string, opts ...configmgr.Option) func(b *testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			m := open(cfg, backups, opts...)
			b.StartTimer()
			if _, err := m.Read("dev"); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			m.Close()
			b.StartTimer()
		}
	}
}

// readsVsUnmarshal: a read of the sample (one of the above) against
// os.ReadFile and json.Unmarshal of it into the struct a service decodes.
func readsVsUnmarshal(read func(m *configmgr.Manager, cfg, backups string, b *testing.B)) func(dir string) (c, f func(b *testing.B), done func()) {
	return func(dir string) (c, f func(b *testing.B), done func()) {
		cfg, backups := configDir(dir, 1)
		path := filepath.Join(cfg, "dev.json")
		settle(path)
		m := open(cfg, backups)
		return func(b *testing.B) {
				b.ReportAllocs()
				read(m, cfg, backups, b)
			}, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					data, err := os.ReadFile(path)
					if err != nil {
						b.Fatal(err)
					}
					var c sampleConfig
					if err := json.Unmarshal(data, &c); err != nil {
						b.Fatal(err)
					}
				}
			}, func() { m.Close() }
	}
}

// commentedSample is the sample with a comment on every member.
func commentedSample() (commented, spaced []byte) {
	var b bytes.Buffer
	for line := range strings.Lines(sampleDoc) {
		t := strings.TrimRight(line, "\n")
		if strings.HasSuffix(t, ",") || strings.HasSuffix(t, "{") {
			t += " // a note on this line"
		}
		b.WriteString(t + "\n")
	}
	commented = b.Bytes()
	spaced = bytes.Clone(commented)
	for i := 0; i < len(spaced); i++ {
		if spaced[i] == '/' && i+1 < len(spaced) && spaced[i+1] == '/' {
			for ; i < len(spaced) && spaced[i] != '\n'; i++ {
				spaced[i] = ' '
			}
		}
	}
	return commented, spaced
}

func commentedRead(dir string) (c, f func(b *testing.B), done func()) {
	commented, spaced := commentedSample()
	first := func(name string, data []byte) func(b *testing.B) {
		cfg, backups := configDir(filepath.Join(dir, name), 1)
		must(os.WriteFile(filepath.Join(cfg, "dev.json"), data, 0o600))
		return firstReads(cfg, backups, configmgr.WithComments())
	}
	return first("commented", commented), first("spaced", spaced), func() {}
}

func liveLatest(dir string) (c, f func(b *testing.B), done func()) {
	cfg, backups := configDir(dir, 1)
	m := open(cfg, backups)
	l, err := configmgr.Watch[sampleConfig](context.Background(), m, "dev")
	must(err)
	var p atomic.Pointer[sampleConfig]
	p.Store(new(sampleConfig))
	var sink *sampleConfig
	return func(b *testing.B) {
			for b.Loop() {
				sink = l.Latest()
			}
		}, func(b *testing.B) {
			for b.Loop() {
				sink = p.Load()
			}
		}, func() {
			_ = sink
			l.Close()
			m.Close()
		}
}

// throughput runs n helper processes that update one environment for a
// while, and returns the updates per second of them all.
func throughput(n int) float64 {
	dir, err := os.MkdirTemp("", "benchtable")
	must(err)
	defer os.RemoveAll(dir)
	cfg, _ := configDir(dir, 1)
	self, err := os.Executable()
	must(err)
	per := 200
	if *short {
		per = 10
	}
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		cmd := exec.Command(self, "-worker", cfg, "-rounds", fmt.Sprint(per))
		cmd.Stderr = os.Stderr
		must(cmd.Start())
		wg.Go(func() { must(cmd.Wait()) })
	}
	wg.Wait()
	return float64(n*per) / time.Since(start).Seconds()
}

// runWorker is a helper process: -rounds updates of dev in cfg.
func runWorker(cfg string) {
	m := open(cfg, filepath.Join(filepath.Dir(cfg), "backups"))
	defer m.Close()
	for i := range *rounds {
		must(m.UpdateFunc("dev", func(c map[string]any) error {
			c["cache"].(map[string]any)["ttl"] = i
			return nil
		}))
	}
}
