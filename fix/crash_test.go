package fix_test

// Done-when item 5: kill -9 `fix` at any moment of an in-place repair, and the set still loads
// in real Redis to either the input's dataset or the result's.
//
// The fix command runs as a child process (this test binary re-executed, TestMain) with the
// aof package's crash-point hook reporting every step of the safe-write primitives on a pipe.
// Two kinds of kill:
//   - at a step: the child blocks at its N-th step and is SIGKILLed there, for every step of
//     the repair (the steps are listed by a first, complete run);
//   - at a random moment: the child runs freely and is SIGKILLed after a random delay
//     (chosen per run, within the time a complete run takes from its first step), which lands
//     inside steps (copies, fsyncs, renames); a few per repair by default, 50 under
//     AOFKIT_LONG=1.
// Repairs: the tail cut of the last file of a set and of a single file (sidecar, truncate),
// the cut of a non-last incr file (new files, renumbering, manifest swapped last, files moved
// aside), a salvage across every file of a set.
//
// After each kill: what the set lists (manifest and the bytes of every listed file, or the
// single file) must be exactly the input's or exactly the result's (computed first: the result
// by running fix to completion on another copy); it must load in redis-server to the input's
// dataset (the input loaded with aof-load-truncated yes, where it loads at all; where it does
// not, the killed set must not either) or to the result's (loaded with aof-load-truncated no).
// By default each distinct state is loaded once; under AOFKIT_LONG=1 after every kill. Then fix
// is run again on the killed set, as an operator would, and must finish the job: the same
// content as the reference result.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/redistest"
)

// crashScenario is one in-place repair.
type crashScenario struct {
	name   string
	single bool
	args   []string // fix flags (before --yes PATH)
	make   func(t *testing.T, root string) string
}

func crashScenarios() []crashScenario {
	truncLast := func(b []byte) []byte { return b[:len(b)-7] }
	garbageMid := func(t *testing.T, b []byte) []byte {
		out, _ := recordBoundaries(parseRESP(t, b, 0))
		return insert(b, out[len(out)/2], "garbage\r\n")
	}
	set := func(fx string, edits map[string]func(t *testing.T, b []byte) []byte) func(t *testing.T, root string) string {
		return func(t *testing.T, root string) string {
			dir := filepath.Join(root, aofDir)
			copyFixture(t, fx, dir)
			for f, e := range edits {
				p := filepath.Join(dir, f)
				writeFile(t, p, e(t, readFile(t, p)))
			}
			return dir
		}
	}
	return []crashScenario{
		{"tail-cut-last-incr", false, nil, set(fxMPResp, map[string]func(*testing.T, []byte) []byte{
			incr3: func(_ *testing.T, b []byte) []byte { return truncLast(b) }})},
		{"tail-cut-single", true, nil, func(t *testing.T, root string) string {
			if err := os.MkdirAll(root, 0o755); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(root, "appendonly.aof")
			writeFile(t, p, truncLast(readFile(t, filepath.Join(realRoot, fxSingle))))
			return p
		}},
		{"non-last-cut", false, nil, set(fxMPRDB, map[string]func(*testing.T, []byte) []byte{incr2: garbageMid})},
		{"salvage-every-file", false, []string{"--salvage"}, set(fxMPResp, map[string]func(*testing.T, []byte) []byte{
			baseResp: garbageMid, incr2: garbageMid, incr3: garbageMid})},
	}
}

// state is what a set loads: the listed content of a directory, or a single file's bytes.
type state struct {
	l      listed
	single []byte
}

func readState(t testing.TB, path string, single bool) state {
	t.Helper()
	if single {
		return state{single: readFile(t, path)}
	}
	return state{l: readListed(t, path)}
}

func (s state) equal(o state) bool {
	if s.single != nil || o.single != nil {
		return bytes.Equal(s.single, o.single)
	}
	return s.l.equal(o.l)
}

func (s state) String() string {
	if s.single != nil {
		return fmt.Sprintf("single:%d", len(s.single))
	}
	return s.l.String()
}

// crashRun runs `aofkit fix args...` as a child in dir with the crash-point hook. stopAt > 0:
// SIGKILL it at its stopAt-th step. stopAt == 0 and delay >= 0: SIGKILL it delay after its
// first step. stopAt == 0 and delay < 0: let it finish. It returns the steps the child
// reported and whether it finished by itself (with its output).
func crashRun(t *testing.T, dir string, args []string, stopAt int, delay time.Duration) (steps []string, finished bool, res cliResult) {
	t.Helper()
	cmd := childCmd(dir, append([]string{"fix"}, args...)...)
	cmd.Env = append(cmd.Env, crashEnv+"="+strconv.Itoa(stopAt))
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	var out, errw bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errw
	cmd.ExtraFiles = []*os.File{pw}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	lines := readLines(pr)
	killed := false
	switch {
	case stopAt > 0:
		for l := range lines {
			steps = append(steps, l)
			if len(steps) == stopAt {
				cmd.Process.Kill() // the child is blocked in the hook at this step
				killed = true
				break
			}
		}
	case delay >= 0:
		if l, ok := <-lines; ok {
			steps = append(steps, l)
			time.Sleep(delay) // the random moment of the kill, not a synchronisation
			cmd.Process.Kill()
			killed = true
		}
	}
	for l := range lines {
		steps = append(steps, l)
	}
	_ = cmd.Wait()
	res = cliResult{stdout: out.String(), stderr: errw.String(), code: cmd.ProcessState.ExitCode()}
	// ExitCode is -1 when a signal ended the child; a kill sent after it exited changes nothing.
	finished = !killed || cmd.ProcessState.ExitCode() >= 0
	return steps, finished, res
}

func TestCrash(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	randomKills := 3
	if longMode() {
		randomKills = 50
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random kill delays: seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, sc := range crashScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			args := append(append([]string{}, sc.args...), "--yes")
			tmpl := sc.make(t, filepath.Join(t.TempDir(), "template"))
			inState := readState(t, tmpl, sc.single)

			// The input's dataset (where the server loads it at all) and the result's.
			inData, inLoads, _ := load(t, tmpl, true)
			refRoot := filepath.Join(t.TempDir(), "ref")
			ref := sc.make(t, refRoot)
			steps, finished, res := crashRun(t, refRoot, append(args, ref), 0, -1)
			if !finished || res.code != 0 {
				t.Fatalf("complete run: %s", res)
			}
			if len(steps) == 0 {
				t.Fatal("the complete run reported no crash-point step: is the hook reached?")
			}
			outState := readState(t, ref, sc.single)
			if outState.equal(inState) {
				t.Fatal("the repair changed nothing")
			}
			outData := mustLoad(t, ref)
			t.Logf("%d steps: %s", len(steps), strings.Join(steps, ", "))

			// How long a complete run takes (the random delays, counted from the first step,
			// fall within it).
			start := time.Now()
			mroot := filepath.Join(t.TempDir(), "measure")
			m := sc.make(t, mroot)
			var window time.Duration
			if st, _, r := crashRun(t, mroot, append(args, m), 0, -1); r.code != 0 || len(st) == 0 {
				t.Fatalf("measuring run: %s", r)
			}
			window = time.Since(start)

			loaded := map[string]bool{} // "old"/"new" states already loaded (default mode)
			kills := map[string]int{}
			check := func(name, path string, killedAt []string) {
				t.Helper()
				got := readState(t, path, sc.single)
				kind := ""
				switch {
				case got.equal(inState):
					kind = "old"
				case got.equal(outState):
					kind = "new"
				default:
					t.Errorf("%s (after steps %q): the set is neither the input %v nor the result %v: %v", name, killedAt, inState, outState, got)
					return
				}
				kills[kind]++
				if longMode() || !loaded[kind] {
					loaded[kind] = true
					ds, ok, log := load(t, path, true)
					switch {
					case !ok && (kind == "new" || inLoads):
						t.Errorf("%s: the %s state does not load:\n%s", name, kind, lastLines(log, 6))
					case ok && kind == "old" && !inLoads:
						t.Errorf("%s: the killed set loads, the input did not", name)
					case ok && kind == "old":
						if d := sameData(inData, ds); d != "" {
							t.Errorf("%s: loads to neither dataset (input: %s)", name, d)
						}
					case ok && kind == "new":
						if d := sameData(outData, ds); d != "" {
							t.Errorf("%s: loads to neither dataset (result: %s)", name, d)
						}
					}
				}
				// The operator runs fix again: it finishes the job.
				r := runFix(t, append(append([]string{}, args...), path)...)
				if r.code != 0 {
					t.Errorf("%s: fix run again after the kill: %s", name, r)
					return
				}
				if again := readState(t, path, sc.single); !again.equal(outState) {
					t.Errorf("%s: fix run again after the kill gives %v, want the result %v\n%s", name, again, outState, r.stdout)
				}
			}

			for k := 1; k <= len(steps); k++ {
				root := filepath.Join(t.TempDir(), "k")
				p := sc.make(t, root)
				got, _, _ := crashRun(t, root, append(args, p), k, -1)
				if len(got) != k {
					t.Errorf("kill at step %d: the child reported %d steps", k, len(got))
					continue
				}
				check(fmt.Sprintf("kill at step %d (%s)", k, got[k-1]), p, got)
			}
			for i := 0; i < randomKills; i++ {
				delay := time.Duration(rng.Int64N(int64(window) + 1))
				root := filepath.Join(t.TempDir(), "r")
				p := sc.make(t, root)
				got, _, _ := crashRun(t, root, append(args, p), 0, delay)
				check(fmt.Sprintf("kill after %v (random %d)", delay, i), p, got)
			}
			t.Logf("%d kills at steps, %d at random moments (window %v): %d left the input, %d the result",
				len(steps), randomKills, window, kills["old"], kills["new"])
		})
	}
}

// TestKillLeavesNoReusableIncr: a set whose only incr file leaves the manifest (damaged from
// its first byte) on a server's first sequence numbers (base 1, incr 1). fix is killed right
// after the manifest swap, before the removed file is moved aside. The killed set loads (the
// new state); then a server runs on it, takes writes and restarts: it must load again. Redis
// names the incr file it creates for a manifest without one "<name>.1.incr.aof" and opens it
// with O_APPEND (aofOpenIfNeededOnServerStart, src/aof.c @ 7.0.15), so a leftover of that
// name must not still be in the directory.
func TestKillLeavesNoReusableIncr(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	data := t.TempDir()
	args := redistest.AOFArgs(aofDir, "appendonly.aof", nil)
	srv := redistest.Start(t, redistest.Options{Dir: data, Args: args})
	srv.Do(t, "SET", "k1", "v1")
	srv.Do(t, "RPUSH", "l", "a", "b")
	srv.Stop(t)
	dir := filepath.Join(data, aofDir)
	es := parseManifest(t, readFile(t, filepath.Join(dir, manifestName)))
	if len(es) != 2 || es[1].Name != "appendonly.aof.1.incr.aof" {
		t.Fatalf("a fresh server wrote manifest %+v, want base + appendonly.aof.1.incr.aof", es)
	}
	incr := filepath.Join(dir, es[1].Name)
	writeFile(t, incr, insert(readFile(t, incr), 0, "garbage\r\n"))

	// Find the step right after the manifest swap, then kill there on a fresh copy.
	probe := filepath.Join(t.TempDir(), aofDir)
	copyPath(t, dir, probe)
	steps, _, res := crashRun(t, filepath.Dir(probe), []string{"--yes", probe}, 0, -1)
	if res.code != 0 {
		t.Fatalf("fix: %s", res)
	}
	stop := 0
	for i, s := range steps {
		if strings.HasSuffix(s, " manifest-dir-synced") {
			stop = i + 1
		}
	}
	if stop == 0 {
		t.Fatalf("no manifest-dir-synced step in %q", steps)
	}
	killed := filepath.Join(t.TempDir(), "data")
	kdir := filepath.Join(killed, aofDir)
	copyPath(t, dir, kdir)
	crashRun(t, killed, []string{"--yes", kdir}, stop, -1)
	// The swapped manifest lists the base and a new, empty incr file under an unused name.
	if l := readListed(t, kdir); len(l) != 2 {
		t.Fatalf("after the kill the manifest lists %v, want the base and an empty incr file", l)
	}

	// A server runs on the killed set, takes a write, and restarts.
	s1 := redistest.Start(t, redistest.Options{Dir: killed, Args: args})
	s1.Do(t, "SET", "after", "kill")
	s1.Stop(t)
	s2, log, err := redistest.TryStart(t, redistest.Options{Dir: killed, Args: args})
	if err != nil {
		t.Fatalf("after a kill of fix, a server ran on the set and wrote; it no longer loads:\n%s", lastLines(log, 6))
	}
	if v := s2.Do(t, "GET", "after"); v != "kill" {
		t.Errorf("GET after = %v, want kill", v)
	}
}
