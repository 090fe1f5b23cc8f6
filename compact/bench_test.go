package compact

// BenchmarkCompact measures compact over an AOF shaped like the one shared/bench/make-bench-aof.sh
// records (redis-benchmark -r N/2 -d 48 -t set,incr,lpush,rpush,lpop,sadd,hset,spop,zadd,mset
// against a 7.0 server with a RESP base and #TS annotations), generated here so that it needs no
// server. It reports MB/s of input and the peak RSS of the compaction. The default size is
// small (bench_requests = 20,000 requests per test, about 30 MB); AOFKIT_BENCH_REQUESTS=1000000
// gives the 1.3 GB file of the script.
//
// TestCompactReportGolden checks the text and --json reports of the command line against
// golden files (testdata/report/*.golden; rewrite with go test ./compact -run
// TestCompactReportGolden -update), with the fields that vary between runs (time, peak memory,
// temp paths) masked.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/aofkit/aofkit/internal/redistest"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/cliutil"
)

const benchRequests = 20000

// writeBenchAOF writes a multi-part AOF directory (RESP base with only a #TS line, one incr
// file, manifest) holding what redis-benchmark's tests propagate, n requests per test, in the
// order redis-benchmark runs them. It returns the directory and its total size.
func writeBenchAOF(tb testing.TB, dir string, n int) (string, int64) {
	tb.Helper()
	aofDir := filepath.Join(dir, "appendonlydir")
	if err := os.MkdirAll(aofDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	const ts0 = 1767225600 // 2026-01-01
	if err := os.WriteFile(filepath.Join(aofDir, "appendonly.aof.1.base.aof"), []byte("#TS:"+strconv.Itoa(ts0)+"\r\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	manifest := "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	if err := os.WriteFile(filepath.Join(aofDir, "appendonly.aof.manifest"), []byte(manifest), 0o644); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(filepath.Join(aofDir, "appendonly.aof.1.incr.aof"))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	keyspace := max(n/2, 1)
	data := strings.Repeat("x", 48)
	rnd := func(prefix string) string { return fmt.Sprintf("%s%012d", prefix, r.IntN(keyspace)) }
	var buf []byte
	records := 0
	ts := ts0
	emit := func(args ...string) {
		buf = aof.AppendCommandStrings(buf[:0], args...)
		w.Write(buf)
		if records++; records%100000 == 0 { // a #TS line every 100k records
			ts++
			fmt.Fprintf(w, "#TS:%d\r\n", ts)
		}
	}
	emit("SELECT", "0")
	for i := 0; i < n; i++ {
		emit("SET", rnd("key:"), data)
	}
	for i := 0; i < n; i++ {
		emit("INCR", rnd("counter:"))
	}
	for i := 0; i < n; i++ {
		emit("LPUSH", "mylist", data)
	}
	for i := 0; i < n; i++ {
		emit("RPUSH", "mylist", data)
	}
	for i := 0; i < n; i++ {
		emit("LPOP", "mylist")
	}
	set := map[string]bool{}
	for i := 0; i < n; i++ {
		m := rnd("element:")
		set[m] = true
		emit("SADD", "myset", m)
	}
	for i := 0; i < n; i++ {
		emit("HSET", "myhash", rnd("element:"), data)
	}
	members := make([]string, 0, len(set))
	for m := range set {
		members = append(members, m)
	}
	for i := 0; i < n && len(members) > 0; i++ { // SPOP is written as SREM of the member popped
		j := r.IntN(len(members))
		emit("SREM", "myset", members[j])
		members[j] = members[len(members)-1]
		members = members[:len(members)-1]
	}
	for i := 0; i < n; i++ {
		emit("ZADD", "myzset", strconv.Itoa(r.IntN(keyspace)), rnd("element:"))
	}
	for i := 0; i < n; i++ {
		args := []string{"MSET"}
		for j := 0; j < 10; j++ {
			args = append(args, rnd("key:"), data)
		}
		emit(args...)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	var size int64
	ents, _ := os.ReadDir(aofDir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			size += fi.Size()
		}
	}
	return aofDir, size
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux: clear_refs 5). It
// reports whether that worked.
func resetPeakRSS() bool {
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

func BenchmarkCompact(b *testing.B) {
	n := benchRequests
	if v := os.Getenv("AOFKIT_BENCH_REQUESTS"); v != "" {
		if x, err := strconv.Atoi(v); err == nil && x > 0 {
			n = x
		}
	}
	in, size := writeBenchAOF(b, b.TempDir(), n)
	for _, format := range []string{FormatRDB, FormatAOF} {
		b.Run("format="+format, func(b *testing.B) {
			out := b.TempDir()
			b.SetBytes(size)
			var peak, outBytes int64
			var cpu time.Duration
			reset := true
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				reset = resetPeakRSS() && reset
				c0 := cpuTime()
				b.StartTimer()
				opt := Options{Path: in, Output: filepath.Join(out, strconv.Itoa(i)), Format: format}
				restore := gcTargets(&opt) // as the command line runs it
				rep, err := Run(context.Background(), opt)
				restore()
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu += cpuTime() - c0
				peak = max(peak, rep.PeakRSSBytes)
				outBytes = rep.OutputBytes
				os.RemoveAll(filepath.Join(out, strconv.Itoa(i)))
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
			// CPU time (user + system, all threads): on a shared machine, wall time also counts
			// the wait for a CPU.
			if cpu > 0 {
				b.ReportMetric(float64(size)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
			}
			b.ReportMetric(float64(outBytes)/float64(size), "out/in")
			if !reset {
				b.Logf("peak RSS could not be reset between runs: it includes generating the input")
			}
		})
	}
}

// TestBenchAOFLoads: the generated benchmark input is a valid AOF that compacts to the keys
// redis-benchmark leaves (a quick check of the generator, not of speed).
func TestBenchAOFLoads(t *testing.T) {
	in, _ := writeBenchAOF(t, t.TempDir(), 200)
	rep, err := Run(context.Background(), Options{Path: in, Output: filepath.Join(t.TempDir(), "out"), Format: FormatAOF})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int64{}
	for _, k := range rep.Keys {
		types[k.Type] += k.Count
	}
	// mylist keeps 200 elements, myset is emptied by SPOP, myhash and myzset stay; strings are
	// key:* and counter:*.
	if types["list"] != 1 || types["set"] != 0 || types["hash"] != 1 || types["zset"] != 1 || types["string"] < 100 {
		t.Errorf("keys by type %v", types)
	}
	if rep.CommandErrors != 0 {
		t.Errorf("%d command errors in the generated AOF", rep.CommandErrors)
	}
}

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestCompactReportGolden")

// runCompactCLI runs `aofkit compact args...` in process, as main.go wires it.
func runCompactCLI(args ...string) (stdout string, code int) {
	var out, errw bytes.Buffer
	app := &cli.App{
		Name:      "aofkit",
		Writer:    &out,
		ErrWriter: &errw,
		Commands:  []*cli.Command{Command()},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return cliutil.Usagef("%v", err)
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	err := app.Run(append([]string{"aofkit", "compact"}, args...))
	var ec cli.ExitCoder
	switch {
	case err == nil:
	case errors.As(err, &ec):
		code = ec.ExitCode()
	default:
		code = cliutil.ExitUsage
	}
	return out.String(), code
}

var (
	reportTimeLine = regexp.MustCompile(`(?m)^  time [0-9.]+s, peak memory .*$`)
)

// maskReport hides what changes between runs: the temp directory, time and peak memory.
func maskReport(t *testing.T, s, root string, asJSON bool) string {
	t.Helper()
	s = strings.ReplaceAll(s, root, "$ROOT")
	if !asJSON {
		return reportTimeLine.ReplaceAllString(s, "  time <masked>, peak memory <masked>")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, s)
	}
	for _, k := range []string{"seconds", "peak_rss_bytes"} {
		if _, ok := m[k]; !ok {
			t.Errorf("--json output has no %q", k)
		}
		m[k] = "<masked>"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCompactReportGolden(t *testing.T) {
	fixtures := filepath.Join("..", "testdata", "fixtures")
	cases := []struct {
		name   string
		input  string // fixture, copied to $ROOT/in
		multi  bool
		args   []string
		output string // -o target under $ROOT ("" for --in-place)
	}{
		{"multi-default", "redis-7.0.15/aof", true, nil, "out"},
		{"multi-aof", "redis-7.0.15/aof", true, []string{"--format", "aof"}, "out"},
		{"single-rdb-9", "redis-6.2.16/appendonly.aof", false, []string{"--format", "rdb", "--rdb-version", "9"}, "out.aof"},
		{"single-resp-in-place-backup", "redis-3.2.13/appendonly.aof", false, []string{"--in-place", "--backup-dir", "$ROOT/backup"}, ""},
		{"expired-keys-dropped", "redis-7.4.1/aof", true, []string{"--now", "2200-01-01T00:00:00Z"}, "out"},
	}
	for _, c := range cases {
		for _, asJSON := range []bool{false, true} {
			name := c.name
			if asJSON {
				name += ".json"
			} else {
				name += ".txt"
			}
			t.Run(name, func(t *testing.T) {
				root := t.TempDir()
				in := filepath.Join(root, "in")
				src := filepath.Join(fixtures, c.input)
				if c.multi {
					if err := os.Mkdir(in, 0o755); err != nil {
						t.Fatal(err)
					}
					ents, err := os.ReadDir(src)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range ents {
						ccCopy(t, filepath.Join(src, e.Name()), filepath.Join(in, e.Name()))
					}
				} else {
					ccCopy(t, src, in)
				}
				args := []string{"--quiet"}
				if !hasFlag(c.args, "--now") {
					args = append(args, "--now", "2026-01-01T00:00:00Z")
				}
				for _, a := range c.args {
					args = append(args, strings.ReplaceAll(a, "$ROOT", root))
				}
				if c.output != "" {
					args = append(args, "-o", filepath.Join(root, c.output))
				}
				if asJSON {
					args = append(args, "--json")
				}
				out, code := runCompactCLI(append(args, in)...)
				if code != 0 {
					t.Fatalf("exit %d:\n%s", code, out)
				}
				got := maskReport(t, out, root, asJSON)
				golden := filepath.Join("testdata", "report", name+".golden")
				if *updateGolden {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./compact -run TestCompactReportGolden -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("report differs from %s (rerun with -update and review the diff):\n--- got\n%s--- want\n%s", golden, got, want)
				}
			})
		}
	}
}

func hasFlag(args []string, f string) bool {
	for _, a := range args {
		if a == f {
			return true
		}
	}
	return false
}

// TestDefaultRDBVersionLoads: --format rdb of an input without an RDB section writes the
// oldest version its server family loads (10 for a Redis 7 multi-part set, 9 for a single
// file), and the real Redis 7.0 loads the result to the same dataset. (Version 12, the
// encoder's newest, was the default once: 7.0 refuses it.)
func TestDefaultRDBVersionLoads(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	for _, tc := range []struct {
		in   string
		want int
	}{
		{filepath.Join("..", "testdata", "real", "multipart-resp"), 10},
		{filepath.Join("..", "testdata", "real", "single-resp.aof"), 9},
	} {
		t.Run(filepath.Base(tc.in), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if filepath.Ext(tc.in) == ".aof" {
				out += ".aof"
			}
			rep, err := Run(context.Background(), Options{Path: tc.in, Output: out, Format: FormatRDB})
			if err != nil {
				t.Fatal(err)
			}
			if rep.RDBVersion != tc.want {
				t.Fatalf("rdb version %d, want %d", rep.RDBVersion, tc.want)
			}
			srv, log, err := redistest.LoadAOF(t, out, redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
			if err != nil {
				t.Fatalf("redis-server refuses the output: %v\n%s", err, log)
			}
			defer srv.Stop(t)
			if n := srv.Client().DBSize(context.Background()).Val(); n != rep.Keys[0].Count && len(rep.Keys) == 1 {
				t.Errorf("server holds %d keys, report says %v", n, rep.Keys)
			}
		})
	}
}
