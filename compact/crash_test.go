package compact

// Done-when 3 of issue 5: kill -9 during `compact --in-place` at random moments, and every
// time the set still loads in a real redis-server to the original dataset — and a second
// `compact --in-place` after the crash finishes and loads to it too.
//
// The compaction runs in a child process (this test binary re-executed, TestCompactCrashChild).
// Moments are chosen two ways: at a step of the aof package's atomic-replacement functions (its
// crashPoint hook, reached through go:linkname: the child reports the step on fd 3 and blocks
// until the parent SIGKILLs it — every step of every scenario under AOFKIT_LONG=1, a few by
// default), and after a random delay from the moment the child starts compacting (the kill
// lands anywhere: while replaying, while writing a temp file, between two removals). The
// random delay is not a synchronisation: whatever the child reached is what is checked.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
)

// aofCrashPoint is aof.crashPoint (aof/atomic.go): called between the steps of the atomic
// replacement functions, nil outside tests.
//
//go:linkname aofCrashPoint github.com/aofkit/aofkit/aof.crashPoint
var aofCrashPoint func(step string)

const (
	ccEnvChild = "AOFKIT_COMPACT_CRASH_CHILD" // scenario name
	ccEnvRoot  = "AOFKIT_COMPACT_CRASH_ROOT"
	ccEnvStop  = "AOFKIT_COMPACT_CRASH_STOP" // "step#n", or "" to run to the end
)

// ccNow is the --now of every run: the fixtures' TTLs (2100) are all in the future.
var ccNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type ccScenario struct {
	name   string
	input  string // a fixture: a multi-part directory or a single file
	multi  bool
	format string
	backup bool
}

// ccMulti is the Redis 7.0.15 fixture (RDB 10 base, RESP incr). The single-file scenarios use
// the same data as one file with an RDB preamble (ccSingleInput), so that every output loads
// in the 7.0 server to exactly what the original loads to (5.0–6.2 data would not: a version
// 9 RDB has no max_deleted_id, and a RESP rewrite cannot recreate every state of it).
var ccMulti = filepath.Join("..", "testdata", "fixtures", "redis-7.0.15", "aof")

// ccSinglePath is the single-file input, written by ccMakeSingleInput.
var ccSinglePath string

// ccMakeSingleInput writes the 7.0.15 fixture's base followed by its incr file as one file in
// dir (an RDB-preamble AOF, the ≤ 6.2 single-file layout that 7.0 still loads).
func ccMakeSingleInput(t testing.TB, dir string) {
	t.Helper()
	base, err := os.ReadFile(filepath.Join(ccMulti, "appendonly.aof.2.base.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	incr, err := os.ReadFile(filepath.Join(ccMulti, "appendonly.aof.2.incr.aof"))
	if err != nil {
		t.Fatal(err)
	}
	ccSinglePath = filepath.Join(dir, "appendonly.aof")
	if err := os.WriteFile(ccSinglePath, append(base, incr...), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ccScenarios() []ccScenario {
	return []ccScenario{
		{name: "multi-rdb", input: ccMulti, multi: true, format: FormatRDB},
		{name: "multi-aof", input: ccMulti, multi: true, format: FormatAOF},
		{name: "multi-aof-backup", input: ccMulti, multi: true, format: FormatAOF, backup: true},
		{name: "single-aof", input: "", format: FormatAOF},
		{name: "single-rdb-backup", input: "", format: FormatRDB, backup: true},
	}
}

// inputPath is the scenario's input ("" means the single file of ccMakeSingleInput).
func (s ccScenario) inputPath(t testing.TB) string {
	if s.input == "" {
		if ccSinglePath == "" {
			t.Fatal("ccMakeSingleInput was not called")
		}
		return ccSinglePath
	}
	return s.input
}

// target is the PATH given to compact inside root.
func (s ccScenario) target(root string) string {
	if s.multi {
		return filepath.Join(root, "appendonlydir")
	}
	return filepath.Join(root, "appendonly.aof")
}

func (s ccScenario) setup(t testing.TB, root string) {
	t.Helper()
	if !s.multi {
		ccCopy(t, s.inputPath(t), s.target(root))
		return
	}
	dst := s.target(root)
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(s.input)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		ccCopy(t, filepath.Join(s.input, e.Name()), filepath.Join(dst, e.Name()))
	}
}

func ccCopy(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s ccScenario) run(root string) (*Report, error) {
	opt := Options{Path: s.target(root), InPlace: true, Format: s.format, Now: ccNow}
	if s.backup {
		opt.BackupDir = filepath.Join(root, "backup")
	}
	return Run(context.Background(), opt)
}

// TestCompactCrashChild is not a test: it is the child process of TestCompactCrashKill9. It
// runs one scenario; it writes "start" on fd 3 when it begins compacting, and at the stop step
// it writes the step and blocks reading stdin (which the parent never writes) until killed.
func TestCompactCrashChild(t *testing.T) {
	name := os.Getenv(ccEnvChild)
	if name == "" {
		t.Skip("child process of TestCompactCrashKill9")
	}
	report := os.NewFile(3, "report")
	var sc *ccScenario
	for _, s := range ccScenarios() {
		if s.name == name {
			sc = &s
		}
	}
	if sc == nil {
		fmt.Fprintf(report, "error: no scenario %q\n", name)
		os.Exit(2)
	}
	stop := os.Getenv(ccEnvStop)
	seen := map[string]int{}
	aofCrashPoint = func(step string) {
		seen[step]++
		if fmt.Sprintf("%s#%d", step, seen[step]) != stop {
			return
		}
		fmt.Fprintf(report, "%s\n", stop)
		io.Copy(io.Discard, os.Stdin) // blocks until killed
		os.Exit(3)
	}
	fmt.Fprintf(report, "start\n")
	if _, err := sc.run(os.Getenv(ccEnvRoot)); err != nil {
		fmt.Fprintf(report, "error: %v\n", err)
		os.Exit(2)
	}
	fmt.Fprintf(report, "done\n")
}

// ccSteps runs a scenario in process and returns the crash-point steps it passes, as
// "step#n" (the n-th time that step is reached), and how long the compaction took.
func ccSteps(t *testing.T, s ccScenario) ([]string, time.Duration) {
	t.Helper()
	root := t.TempDir()
	s.setup(t, root)
	var steps []string
	seen := map[string]int{}
	aofCrashPoint = func(step string) {
		seen[step]++
		steps = append(steps, fmt.Sprintf("%s#%d", step, seen[step]))
	}
	defer func() { aofCrashPoint = nil }()
	start := time.Now()
	if _, err := s.run(root); err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	return steps, time.Since(start)
}

// ccKill runs scenario s on root in a child process and SIGKILLs it when it reports stop (a
// "step#n"), or after delay from its "start" when stop is "" and delay > 0, or lets it finish
// (stop "" and delay 0). It returns what happened: "killed at <step>", "killed after <delay>",
// or "finished".
func ccKill(t *testing.T, s ccScenario, root, stop string, delay time.Duration) string {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdinW.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCompactCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), ccEnvChild+"="+s.name, ccEnvRoot+"="+root, ccEnvStop+"="+stop)
	cmd.ExtraFiles = []*os.File{pw}
	cmd.Stdin = stdinR
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	stdinR.Close()
	br := bufio.NewReader(pr)
	line, _ := br.ReadString('\n')
	if line != "start\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, want start; output:\n%s", line, out.String())
	}
	what := "finished"
	switch {
	case stop != "":
		line, _ = br.ReadString('\n')
		if strings.TrimSuffix(line, "\n") != stop {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child said %q, want %q; output:\n%s", line, stop, out.String())
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		what = "killed at " + stop
	case delay > 0:
		time.Sleep(delay) // a random moment, not a synchronisation
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			what = fmt.Sprintf("killed after %s", delay)
		}
	}
	werr := cmd.Wait()
	var ee *exec.ExitError
	killed := errors.As(werr, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
	switch {
	case killed:
		if stop == "" && delay == 0 {
			t.Fatalf("child killed unexpectedly: %v\n%s", werr, out.String())
		}
	case werr != nil:
		t.Fatalf("child failed: %v\n%s", werr, out.String())
	default:
		what = "finished"
		if stop != "" {
			t.Fatalf("child finished but should have stopped at %s\n%s", stop, out.String())
		}
	}
	return what
}

// ccExpected is the dataset a real server loads from each scenario's input (computed once).
var ccExpected sync.Map // input path -> ccDataset

type ccDataset struct {
	keys  []canon.Key
	funcs []canon.Function
}

func ccOriginal(t *testing.T, s ccScenario) ccDataset {
	t.Helper()
	in := s.inputPath(t)
	if d, ok := ccExpected.Load(in); ok {
		return d.(ccDataset)
	}
	srv, log, err := redistest.LoadAOF(t, in, redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
	if err != nil {
		t.Fatalf("redis-server does not load the original %s: %v\n%s", in, err, log)
	}
	k, f := srv.Dump(t)
	srv.Stop(t)
	if len(k) == 0 {
		t.Fatalf("the original %s loads empty", in)
	}
	d := ccDataset{k, f}
	ccExpected.Store(in, d)
	return d
}

// ccCheck asserts that the set in root loads in redis-server to the original dataset and that
// our own reader accepts it.
func ccCheck(t *testing.T, s ccScenario, root, what string) {
	t.Helper()
	want := ccOriginal(t, s)
	target := s.target(root)
	if _, err := aof.Open(target); err != nil {
		t.Fatalf("%s: aof.Open of the set left behind: %v", what, err)
	}
	srv, log, err := redistest.LoadAOF(t, target, redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
	if err != nil {
		t.Fatalf("%s: redis-server refuses the set left behind: %v\n%s\nfiles: %s", what, err, log, ccListing(root))
	}
	k, f := srv.Dump(t)
	srv.Stop(t)
	if d := canon.Diff(want.keys, k, want.funcs, f, canon.DiffOptions{}); len(d) > 0 {
		if len(d) > 20 {
			d = d[:20]
		}
		t.Fatalf("%s: the set left behind loads to another dataset:\n%s\nfiles: %s", what, strings.Join(d, "\n"), ccListing(root))
	}
}

func ccListing(root string) string {
	var names []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			names = append(names, rel)
		}
		return nil
	})
	return strings.Join(names, ", ")
}

// ccCheckFinished: after a complete run the input holds only the new set (old files removed,
// or moved to the backup directory), and the output is in the requested format. After a
// crash and a second run, what the killed run left (temp files, its unlisted new files, old
// files it had not removed yet) may remain: they are logged, not failed.
func ccCheckFinished(t *testing.T, s ccScenario, root string, afterCrash bool) {
	t.Helper()
	src, err := aof.Open(s.target(root))
	if err != nil {
		t.Fatal(err)
	}
	wantFmt := aof.FormatRESP
	if s.format == FormatRDB {
		wantFmt = aof.FormatRDB
	}
	if src.Parts[0].Format != wantFmt {
		t.Errorf("finished: first part %s is %s, want %s", src.Parts[0].Name, src.Parts[0].Format, wantFmt)
	}
	if s.multi && len(src.Parts) != 2 {
		t.Errorf("finished: %d parts, want a new base and incr", len(src.Parts))
	}
	var extra []string
	if s.multi {
		extra = append(slices.Clone(src.Unlisted), src.Leftovers...)
	} else {
		ents, _ := os.ReadDir(root)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "temp-") {
				extra = append(extra, e.Name())
			}
		}
	}
	switch {
	case len(extra) > 0 && afterCrash:
		t.Logf("left over by the killed run: %v", extra)
	case len(extra) > 0:
		t.Errorf("finished: files the manifest does not list remain: %v", extra)
	}
	if s.backup {
		ents, err := os.ReadDir(filepath.Join(root, "backup"))
		if err != nil || len(ents) == 0 {
			t.Errorf("finished with --backup-dir: nothing in the backup directory (%v)", err)
		}
	}
}

// TestCompactCrashKill9 (see the file comment).
func TestCompactCrashKill9(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	ccMakeSingleInput(t, t.TempDir())
	long := os.Getenv("AOFKIT_LONG") == "1"
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	type run struct {
		s     ccScenario
		stop  string
		delay time.Duration
	}
	var runs []run
	for _, s := range ccScenarios() {
		steps, took := ccSteps(t, s)
		if len(steps) == 0 {
			t.Fatalf("%s: no crash-point step reached (is the aof hook gone?)", s.name)
		}
		if long {
			for _, st := range steps {
				runs = append(runs, run{s: s, stop: st})
			}
			for i := 0; i < 8; i++ {
				runs = append(runs, run{s: s, delay: time.Duration(rng.Int64N(int64(2*took) + 1))})
			}
			runs = append(runs, run{s: s})
			continue
		}
		// By default: one random step before the switch to the new set and one after it,
		// one random delay, and (for the first scenario) a complete run.
		runs = append(runs, run{s: s, stop: steps[rng.IntN(len(steps)/2)]},
			run{s: s, stop: steps[len(steps)/2+rng.IntN(len(steps)-len(steps)/2)]},
			run{s: s, delay: time.Duration(rng.Int64N(int64(2*took) + 1))})
		if len(runs) == 3 {
			runs = append(runs, run{s: s})
		}
	}
	counts := map[string]int{}
	for i, r := range runs {
		label := r.stop
		switch {
		case r.stop == "" && r.delay == 0:
			label = "finish"
		case r.stop == "":
			label = "after-" + r.delay.String()
		}
		t.Run(fmt.Sprintf("%02d-%s-%s", i, r.s.name, label), func(t *testing.T) {
			root := t.TempDir()
			r.s.setup(t, root)
			what := ccKill(t, r.s, root, r.stop, r.delay)
			ccCheck(t, r.s, root, what)
			if what == "finished" {
				ccCheckFinished(t, r.s, root, false)
				counts["finished"]++
				return
			}
			if r.stop != "" {
				counts["killed at a step"]++
			} else {
				counts["killed at a random moment"]++
			}
			// Recovery: compacting again after the crash finishes and gives the same dataset.
			if _, err := r.s.run(root); err != nil {
				t.Fatalf("%s: compact --in-place again after the crash: %v\nfiles: %s", what, err, ccListing(root))
			}
			ccCheck(t, r.s, root, what+", then compacted again")
			ccCheckFinished(t, r.s, root, true)
		})
	}
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range counts {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	t.Logf("%d kill -9 runs of compact --in-place: %s", len(runs), strings.Join(parts, ", "))
}
