package check_test

// Golden-file tests of `aofkit check`: the command runs in-process (check.Command() in a
// cli.App wired like main.go) over copies of ../testdata/real and damaged variants of them, in
// text and in --json. Each case also asserts the exit code (DESIGN.md: 0 valid, 1 damaged,
// 2 usage, 3 operational). Golden files: testdata/golden/<case>.text.golden and
// <case>.json.golden; rewrite them with `go test ./check -run TestCheckCLIGolden -update` and
// review the diff.
//
// Paths are stable: every case runs with the working directory set to its own temporary
// directory and names its input relatively; anything that still mentions that directory is
// rewritten to $TMP.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/aofkit/aofkit/check"
	"github.com/aofkit/aofkit/internal/cliutil"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestCheckCLIGolden")

// cliResult is what one run of the command line printed and returned.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCheckCLI runs `aofkit check args...` in-process. stderr is what main.go would print: the
// message of the error the app returns.
func runCheckCLI(args ...string) cliResult {
	var out, errw bytes.Buffer
	app := &cli.App{
		Name:      "aofkit",
		Writer:    &out,
		ErrWriter: &errw,
		Commands:  []*cli.Command{check.Command()},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return cliutil.Usagef("%v", err)
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	err := app.Run(append([]string{"aofkit", "check"}, args...))
	r := cliResult{stdout: out.String(), stderr: errw.String()}
	var ec cli.ExitCoder
	switch {
	case err == nil:
	case errors.As(err, &ec):
		r.code = ec.ExitCode()
		if msg := ec.Error(); msg != "" {
			r.stderr += msg + "\n"
		}
	default:
		r.code = cliutil.ExitUsage
		r.stderr += "aofkit: " + err.Error() + "\n"
	}
	return r
}

// Names of the real fixtures' files.
const (
	gcSingle   = "single-resp.aof"
	gcDir      = "appendonlydir"
	gcManifest = "appendonly.aof.manifest"
	gcBase     = "appendonly.aof.2.base.aof"
	gcIncr2    = "appendonly.aof.2.incr.aof"
	gcIncr3    = "appendonly.aof.3.incr.aof"
)

// gcCopy copies ../testdata/real/<name> (a file or a directory of files) to dst.
func gcCopy(t *testing.T, name, dst string) {
	t.Helper()
	src := filepath.Join(gcRealRoot, name)
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		gcWrite(t, dst, b)
		return
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		gcCopy(t, filepath.Join(name, e.Name()), filepath.Join(dst, e.Name()))
	}
}

func gcWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gcRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gcEdit rewrites a file through fn.
func gcEdit(t *testing.T, path string, fn func([]byte) []byte) {
	t.Helper()
	gcWrite(t, path, fn(gcRead(t, path)))
}

// gcInsertAfter inserts ins after the n-th (0-based) record of a RESP file, found by scanning
// for "\r\n*" boundaries (the real fixtures have no '*' at the start of a payload line).
func gcInsertAfter(t *testing.T, b []byte, n int, ins string) []byte {
	t.Helper()
	at := 0
	for i := 0; i <= n; i++ {
		j := bytes.Index(b[at+1:], []byte("\r\n*"))
		if j < 0 {
			t.Fatalf("no record %d", n+1)
		}
		at += 1 + j + 2
	}
	return append(append(append([]byte{}, b[:at]...), ins...), b[at:]...)
}

// Records used to damage the fixtures.
const (
	gcSet      = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\nval\r\n"
	gcExec     = "*1\r\n$4\r\nEXEC\r\n"
	gcMulti    = "*1\r\n$5\r\nMULTI\r\n"
	gcUnknown  = "*2\r\n$7\r\nFOOBARX\r\n$1\r\nx\r\n"
	gcBadArity = "*2\r\n$3\r\nSET\r\n$3\r\nkey\r\n"
)

type gcCase struct {
	name string
	// setup builds the input in the current directory and returns the PATH argument.
	setup func(t *testing.T) string
	flags []string
	exit  int
}

func gcCases() []gcCase {
	single := func(edit func(t *testing.T, b []byte) []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			gcCopy(t, gcSingle, gcSingle)
			if edit != nil {
				gcEdit(t, gcSingle, func(b []byte) []byte { return edit(t, b) })
			}
			return gcSingle
		}
	}
	multi := func(fixture string, path string, edit func(t *testing.T)) func(t *testing.T) string {
		return func(t *testing.T) string {
			gcCopy(t, fixture, gcDir)
			if edit != nil {
				edit(t)
			}
			return path
		}
	}
	inDir := func(name string) string { return filepath.Join(gcDir, name) }
	editIn := func(name string, fn func(t *testing.T, b []byte) []byte) func(t *testing.T) {
		return func(t *testing.T) { gcEdit(t, inDir(name), func(b []byte) []byte { return fn(t, b) }) }
	}
	return []gcCase{
		{name: "single-valid", setup: single(nil), exit: 0},
		{name: "multipart-resp-dir", setup: multi("multipart-resp", gcDir, nil), exit: 0},
		{name: "multipart-resp-manifest", setup: multi("multipart-resp", inDir(gcManifest), nil), exit: 0},
		{name: "multipart-rdb-dir", setup: multi("multipart-rdb", gcDir, nil), exit: 0},
		{name: "single-truncated", exit: 1, setup: single(func(t *testing.T, b []byte) []byte { return b[:len(b)-5] })},
		{name: "single-truncated-at-line", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			return append(b, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n"...)
		})},
		{name: "single-garbage", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			return gcInsertAfter(t, b, 10, "garbage\r\n")
		})},
		{name: "single-zero-tail", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			return append(b, make([]byte, 4096)...)
		})},
		{name: "single-star-zero", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			return gcInsertAfter(t, b, 3, "*0\r\n")
		})},
		{name: "single-unknown-command", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			return gcInsertAfter(t, b, 5, gcUnknown)
		})},
		{name: "single-wrong-arity", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			return append(b, gcBadArity...)
		})},
		{name: "single-multi-without-exec", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			return append(append(b, gcMulti...), gcSet...)
		})},
		{name: "single-many-problems", exit: 1, setup: single(func(t *testing.T, b []byte) []byte {
			// 55 damaged lines, each followed by two good records (a resync point): more
			// problems than the text output lists.
			for i := 0; i < 55; i++ {
				b = append(b, fmt.Sprintf("junk %d\r\n%s%s", i, gcSet, gcSet)...)
			}
			return b
		})},
		{name: "single-empty", exit: 0, setup: func(t *testing.T) string {
			gcWrite(t, "empty.aof", nil)
			return "empty.aof"
		}},
		{name: "incr-stray-exec", exit: 1, setup: multi("multipart-resp", gcDir, editIn(gcIncr3, func(t *testing.T, b []byte) []byte {
			return gcInsertAfter(t, b, 1, gcExec)
		}))},
		{name: "incr-star-zero", exit: 1, setup: multi("multipart-resp", gcDir, editIn(gcIncr2, func(t *testing.T, b []byte) []byte {
			return append(b, "*0\r\n"...)
		}))},
		{name: "incr-truncated-not-last", exit: 1, setup: multi("multipart-resp", gcDir, editIn(gcIncr2, func(t *testing.T, b []byte) []byte {
			return b[:len(b)-3]
		}))},
		{name: "incr-malformed-ts", exit: 0, setup: multi("multipart-resp", gcDir, editIn(gcIncr2, func(t *testing.T, b []byte) []byte {
			return regexp.MustCompile(`#TS:\d+`).ReplaceAll(b, []byte("#TS:abc"))
		}))},
		{name: "missing-incr", exit: 1, setup: multi("multipart-resp", gcDir, func(t *testing.T) {
			if err := os.Remove(inDir(gcIncr3)); err != nil {
				t.Fatal(err)
			}
		})},
		{name: "incr-is-a-directory", exit: 3, setup: multi("multipart-resp", gcDir, func(t *testing.T) {
			// A listed part that cannot be read: operational, not damage.
			if err := os.Remove(inDir(gcIncr3)); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(inDir(gcIncr3), 0o755); err != nil {
				t.Fatal(err)
			}
		})},
		{name: "unlisted-file", exit: 0, setup: multi("multipart-resp", gcDir, func(t *testing.T) {
			gcWrite(t, inDir("appendonly.aof.1.incr.aof"), []byte(gcSet))
			gcWrite(t, inDir("temp-rewriteaof-bg-123.aof"), []byte(gcSet))
		})},
		{name: "unlisted-file-strict", exit: 1, flags: []string{"--strict"}, setup: multi("multipart-resp", gcDir, func(t *testing.T) {
			gcWrite(t, inDir("appendonly.aof.1.incr.aof"), []byte(gcSet))
		})},
		{name: "manifest-dotdot", exit: 1, setup: multi("multipart-resp", gcDir, func(t *testing.T) {
			gcWrite(t, inDir(gcManifest), []byte("file appendonly.aof.2.base.aof seq 2 type b\nfile ../x seq 2 type i\n"))
		})},
		{name: "two-manifests", exit: 2, setup: multi("multipart-resp", gcDir, func(t *testing.T) {
			gcWrite(t, inDir("other.aof.manifest"), gcRead(t, inDir(gcManifest)))
		})},
		{name: "dir-without-manifest", exit: 2, setup: func(t *testing.T) string {
			if err := os.Mkdir("emptydir", 0o755); err != nil {
				t.Fatal(err)
			}
			return "emptydir"
		}},
		{name: "nonexistent-path", exit: 2, setup: func(t *testing.T) string { return "no-such.aof" }},
		{name: "no-path", exit: 2, setup: func(t *testing.T) string { return "" }},
	}
}

func TestCheckCLIGolden(t *testing.T) {
	for _, tc := range gcCases() {
		for _, asJSON := range []bool{false, true} {
			mode := "text"
			if asJSON {
				mode = "json"
			}
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				dir := t.TempDir()
				t.Chdir(dir)
				path := tc.setup(t)
				args := append([]string{}, tc.flags...)
				if asJSON {
					args = append(args, "--json")
				}
				if path != "" {
					args = append(args, path)
				}
				r := runCheckCLI(args...)
				if r.code != tc.exit {
					t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.exit, r.stdout, r.stderr)
				}
				if asJSON {
					gcCheckJSON(t, r, path)
				} else {
					gcCheckVerdictLine(t, r)
				}
				got := fmt.Sprintf("$ aofkit check %s\nexit: %d\n--- stderr\n%s--- stdout\n%s",
					strings.Join(args, " "), r.code, r.stderr, r.stdout)
				got = gcStable(got, dir)
				gcGolden(t, filepath.Join(gcGoldenRoot, tc.name+"."+mode+".golden"), got)
			})
		}
	}
}

// gcGoldenRoot is testdata/golden of the package as an absolute path (the tests change
// directory).
var gcGoldenRoot, _ = filepath.Abs(filepath.Join("testdata", "golden"))

// gcRealRoot is ../testdata/real (the real-server fixtures) as an absolute path.
var gcRealRoot, _ = filepath.Abs(filepath.Join("..", "testdata", "real"))

// gcStable replaces the temporary directory (and its symlink-resolved form) by $TMP.
func gcStable(s, dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		s = strings.ReplaceAll(s, real, "$TMP")
	}
	return strings.ReplaceAll(s, dir, "$TMP")
}

// gcCheckJSON: --json prints exactly one JSON object, also on failure, whose "valid" agrees
// with the exit code.
func gcCheckJSON(t *testing.T, r cliResult, path string) {
	t.Helper()
	if path == "" { // usage error before the command runs: nothing to print
		return
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Fatalf("--json printed more than one value:\n%s", r.stdout)
	}
	valid, ok := v["valid"].(bool)
	if !ok {
		t.Fatalf("--json output has no boolean \"valid\":\n%s", r.stdout)
	}
	if valid != (r.code == 0) {
		t.Errorf("--json says valid=%v with exit %d", valid, r.code)
	}
}

// gcCheckVerdictLine: when the text output ends with a verdict, it agrees with the exit code.
func gcCheckVerdictLine(t *testing.T, r cliResult) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	var code int
	switch {
	case strings.HasPrefix(last, "VALID: "):
		code = cliutil.ExitOK
	case strings.HasPrefix(last, "INVALID: "):
		code = cliutil.ExitDamaged
	case strings.HasPrefix(last, "NOT VERIFIED: "):
		code = cliutil.ExitOperational
	default:
		return // no report (usage error)
	}
	if code != r.code {
		t.Errorf("verdict line %q with exit %d", last, r.code)
	}
}

// gcGolden compares got with the golden file, or rewrites it under -update.
func gcGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./check -run TestCheckCLIGolden -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (rerun with -update and review the diff):\n%s", filepath.Base(path), gcDiff(string(want), got))
	}
}

// gcDiff shows the first differing lines.
func gcDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b || i >= len(w) || i >= len(g) {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, a, b)
		}
	}
	return "(no line differs)"
}
