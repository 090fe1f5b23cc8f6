package fix_test

// Shared helpers of the fix tests: the command line run in-process or as a child process (the
// test binary re-executed, see TestMain), copies of the real-server fixtures of ../testdata/real
// into t.TempDir(), a small independent parser of well-formed RESP (to find record boundaries
// without the engine under test), the real redis-check-aof, and loads into a real redis-server.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/aofkit/aofkit/check"
	"github.com/aofkit/aofkit/fix"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/cliutil"
	"github.com/aofkit/aofkit/internal/redistest"
)

// Fixtures (../testdata/real, see its README) and the names of their files.
const (
	realRoot     = "../testdata/real"
	fxSingle     = "single-resp.aof"
	fxMPResp     = "multipart-resp"
	fxMPRDB      = "multipart-rdb"
	aofDir       = "appendonlydir"
	manifestName = "appendonly.aof.manifest"
	baseResp     = "appendonly.aof.2.base.aof"
	baseRDB      = "appendonly.aof.2.base.rdb"
	incr2        = "appendonly.aof.2.incr.aof"
	incr3        = "appendonly.aof.3.incr.aof"
)

// longMode reports whether AOFKIT_LONG=1 asks for the long modes.
func longMode() bool { return os.Getenv("AOFKIT_LONG") == "1" }

// ---------------------------------------------------------------------------------------------
// the command line

// cliResult is what one run of `aofkit fix` printed and returned.
type cliResult struct {
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s--- stderr ---\n%s", r.code, r.stdout, r.stderr)
}

// newApp is the app of main.go with only the fix command, writing to out and errw.
func newApp(out, errw io.Writer) *cli.App {
	return &cli.App{
		Name:      "aofkit",
		Writer:    out,
		ErrWriter: errw,
		Commands:  []*cli.Command{fix.Command()},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return cliutil.Usagef("%v", err)
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

// runApp runs `aofkit args...` and maps the outcome to an exit code as main.go does.
func runApp(args []string, out, errw io.Writer) int {
	err := newApp(out, errw).Run(append([]string{"aofkit"}, args...))
	var ec cli.ExitCoder
	switch {
	case err == nil:
		return cliutil.ExitOK
	case errors.As(err, &ec):
		if msg := ec.Error(); msg != "" {
			fmt.Fprintln(errw, msg)
		}
		return ec.ExitCode()
	default:
		fmt.Fprintln(errw, "aofkit:", err)
		return cliutil.ExitUsage
	}
}

// runFix runs `aofkit fix args...` in-process. It refuses argument lists that could prompt (on
// a developer's terminal the test would hang): give --yes or --dry-run.
func runFix(t testing.TB, args ...string) cliResult {
	t.Helper()
	safe := false
	for _, a := range args {
		if a == "--yes" || a == "-y" || a == "--dry-run" || a == "-n" {
			safe = true
		}
	}
	if !safe {
		t.Fatalf("runFix %q: without --yes or --dry-run it may prompt; use childFix", args)
	}
	var out, errw bytes.Buffer
	code := runApp(append([]string{"fix"}, args...), &out, &errw)
	return cliResult{stdout: out.String(), stderr: errw.String(), code: code}
}

// report mirrors the --json report of `aofkit fix`.
type report struct {
	Mode   string `json:"mode"`
	Path   string `json:"path"`
	DryRun bool   `json:"dry_run"`
	Plan   *struct {
		Layout string `json:"layout"`
		Files  []struct {
			Name       string `json:"name"`
			Role       string `json:"role"`
			Action     string `json:"action"`
			SizeBefore int64  `json:"size_before"`
			SizeAfter  int64  `json:"size_after"`
			Removed    []struct {
				From int64 `json:"from"`
				To   int64 `json:"to"`
			} `json:"removed"`
			Dropped []struct {
				Offset  int64    `json:"offset"`
				End     int64    `json:"end"`
				Command string   `json:"command"`
				Keys    []string `json:"keys"`
			} `json:"dropped"`
			DroppedRecords int64    `json:"dropped_records"`
			DamagedBytes   int64    `json:"damaged_bytes"`
			Keys           []string `json:"keys"`
			KeyCount       int64    `json:"key_count"`
			NewName        string   `json:"new_name"`
		} `json:"files"`
		Notes       []string `json:"notes"`
		Change      bool     `json:"change"`
		PointInTime bool     `json:"point_in_time"`
	} `json:"plan"`
	Result *struct {
		Output  string   `json:"output"`
		Written []string `json:"written"`
		Backups []string `json:"backups"`
		Deleted []string `json:"deleted"`
	} `json:"result"`
	Error string `json:"error"`
}

// runFixJSON runs `aofkit fix --json args...` in-process and decodes the report.
func runFixJSON(t testing.TB, args ...string) (cliResult, report) {
	t.Helper()
	r := runFix(t, append([]string{"--json"}, args...)...)
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("fix --json %q: stdout is not one JSON report: %v\n%s", args, err, r)
	}
	return r, rep
}

// childEnv makes the test binary run `aofkit` on its arguments instead of the tests (TestMain).
const childEnv = "AOFKIT_FIX_TEST_CHILD"

// crashEnv, in a child, makes the aof package's crash-point hook report every step on file
// descriptor 3 and, when it is a number N > 0, block forever at the N-th step (the parent then
// SIGKILLs the child).
const crashEnv = "AOFKIT_FIX_CRASH_AT"

// childCmd returns the command that runs `aofkit args...` as a child process (this test binary
// re-executed), in directory dir.
func childCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), childEnv+"=1")
	return cmd
}

// childFix runs `aofkit fix args...` as a child process in dir, with stdin from stdin (nil:
// /dev/null, not a terminal).
func childFix(t testing.TB, dir string, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	cmd := childCmd(dir, append([]string{"fix"}, args...)...)
	var out, errw bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errw
	err := cmd.Run()
	r := cliResult{stdout: out.String(), stderr: errw.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		r.code = ee.ExitCode()
	default:
		t.Fatalf("child fix %q: %v\n%s", args, err, r)
	}
	return r
}

// ---------------------------------------------------------------------------------------------
// files

// copyFixture copies ../testdata/real/<name> (a file, or a directory of files) to dst.
func copyFixture(t testing.TB, name, dst string) {
	t.Helper()
	copyPath(t, filepath.Join(realRoot, name), dst)
}

// copyPath copies a file or a flat directory of files.
func copyPath(t testing.TB, src, dst string) {
	t.Helper()
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() {
		writeFile(t, dst, readFile(t, src))
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
		if e.Type().IsRegular() {
			writeFile(t, filepath.Join(dst, e.Name()), readFile(t, filepath.Join(src, e.Name())))
		}
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// fileSet is the content of a flat directory: name -> bytes (regular files only).
type fileSet map[string][]byte

// readDir reads every regular file of dir.
func readDir(t testing.TB, dir string) fileSet {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fs := fileSet{}
	for _, e := range ents {
		if e.Type().IsRegular() {
			fs[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
		}
	}
	return fs
}

// diffSets describes how two file sets differ ("" when they are equal).
func diffSets(want, got fileSet) string {
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		w, wok := want[n]
		g, gok := got[n]
		switch {
		case !gok:
			fmt.Fprintf(&b, "  %s: missing\n", n)
		case !wok:
			fmt.Fprintf(&b, "  %s: unexpected (%d bytes)\n", n, len(g))
		case !bytes.Equal(w, g):
			fmt.Fprintf(&b, "  %s: %d bytes, want %d (first difference at %d)\n", n, len(g), len(w), firstDiff(w, g))
		}
	}
	return b.String()
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// mfEntry is one line of a manifest.
type mfEntry struct {
	Name string
	Seq  int64
	Type byte
}

// parseManifest reads the `file NAME seq N type T` lines Redis writes (names without spaces,
// which is all the fixtures and fix ever write).
func parseManifest(t testing.TB, b []byte) []mfEntry {
	t.Helper()
	var out []mfEntry
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 || f[0] != "file" || f[2] != "seq" || f[4] != "type" || len(f[5]) != 1 {
			t.Fatalf("manifest line %q: not `file NAME seq N type T`", line)
		}
		seq, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			t.Fatalf("manifest line %q: %v", line, err)
		}
		out = append(out, mfEntry{Name: f[1], Seq: seq, Type: f[5][0]})
	}
	return out
}

// manifestText returns entries in the manifest format Redis writes.
func manifestText(es []mfEntry) []byte {
	var b bytes.Buffer
	for _, e := range es {
		fmt.Fprintf(&b, "file %s seq %d type %c\n", e.Name, e.Seq, e.Type)
	}
	return b.Bytes()
}

// listed is what a multi-part directory loads: the type and bytes of every base and incr file
// of its manifest, in manifest order (names are left out: a repair may rename files).
type listed []struct {
	Type byte
	Data []byte
}

// readListed reads the manifest of dir and the files it lists (base and incr; history files
// are never loaded). A listed file that is missing reads as nil with type '?'.
func readListed(t testing.TB, dir string) listed {
	t.Helper()
	var out listed
	for _, e := range parseManifest(t, readFile(t, filepath.Join(dir, manifestName))) {
		if e.Type == 'h' {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name))
		typ := e.Type
		if err != nil {
			typ = '?'
		}
		out = append(out, struct {
			Type byte
			Data []byte
		}{typ, b})
	}
	return out
}

// dataOnly leaves out empty incr files: they hold no data (fix lists a new empty one when a
// cut leaves a set without any, so that a server never reuses a retired file's name).
func (l listed) dataOnly() listed {
	var out listed
	for _, e := range l {
		if e.Type == 'i' && len(e.Data) == 0 {
			continue
		}
		out = append(out, e)
	}
	return out
}

func (l listed) equal(o listed) bool {
	if len(l) != len(o) {
		return false
	}
	for i := range l {
		if l[i].Type != o[i].Type || !bytes.Equal(l[i].Data, o[i].Data) {
			return false
		}
	}
	return true
}

func (l listed) String() string {
	var parts []string
	for _, f := range l {
		parts = append(parts, fmt.Sprintf("%c:%d", f.Type, len(f.Data)))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ---------------------------------------------------------------------------------------------
// an independent RESP parser for well-formed files (the fixtures), to find record boundaries

// rec is one record or annotation line of a well-formed RESP file.
type rec struct {
	Off, End int64
	Args     [][]byte // nil for an annotation
	Arg0     string   // upper-cased argument 0
	// Bulks are the offsets of each argument's `$` line and payload.
	DollarAt, PayloadAt []int64
}

// parseRESP splits b[from:] (well-formed RESP with `#` lines) into records; it fails the test
// on anything else.
func parseRESP(t testing.TB, b []byte, from int64) []rec {
	t.Helper()
	var out []rec
	p := int(from)
	line := func() string {
		i := bytes.Index(b[p:], []byte("\r\n"))
		if i < 0 {
			t.Fatalf("parseRESP: no CRLF after offset %d", p)
		}
		s := string(b[p : p+i])
		p += i + 2
		return s
	}
	for p < len(b) {
		r := rec{Off: int64(p)}
		if b[p] == '#' {
			i := bytes.IndexByte(b[p:], '\n')
			if i < 0 {
				t.Fatalf("parseRESP: unterminated annotation at %d", p)
			}
			p += i + 1
			r.End = int64(p)
			out = append(out, r)
			continue
		}
		h := line()
		if h[0] != '*' {
			t.Fatalf("parseRESP: %q at offset %d", h, r.Off)
		}
		n, err := strconv.Atoi(h[1:])
		if err != nil || n < 1 {
			t.Fatalf("parseRESP: header %q at offset %d", h, r.Off)
		}
		for i := 0; i < n; i++ {
			r.DollarAt = append(r.DollarAt, int64(p))
			d := line()
			l, err := strconv.Atoi(d[1:])
			if d[0] != '$' || err != nil || l < 0 || p+l+2 > len(b) || string(b[p+l:p+l+2]) != "\r\n" {
				t.Fatalf("parseRESP: bulk %q at offset %d", d, r.DollarAt[i])
			}
			r.PayloadAt = append(r.PayloadAt, int64(p))
			r.Args = append(r.Args, b[p:p+l])
			p += l + 2
		}
		r.Arg0 = strings.ToUpper(string(r.Args[0]))
		r.End = int64(p)
		out = append(out, r)
	}
	return out
}

// cut returns b without [from, to).
func cut(b []byte, from, to int64) []byte {
	out := append([]byte{}, b[:from]...)
	return append(out, b[to:]...)
}

// insert returns b with s inserted at off.
func insert(b []byte, off int64, s string) []byte {
	out := append([]byte{}, b[:off]...)
	out = append(out, s...)
	return append(out, b[off:]...)
}

// replaceAt returns b with the bytes at off replaced by s (same length or not: old is the
// length of what is replaced).
func replaceAt(b []byte, off int64, old int, s string) []byte {
	out := append([]byte{}, b[:off]...)
	out = append(out, s...)
	return append(out, b[off+int64(old):]...)
}

// ---------------------------------------------------------------------------------------------
// the real redis-check-aof and redis-server

// checkAOF runs `redis-check-aof args...` with stdin as its input (--fix prompts: give "y\n")
// and returns its exit code and output. It does not need t: it runs from worker goroutines.
func checkAOF(bin string, stdin string, args ...string) (int, string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), nil
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode(), out.String(), nil
	}
	return -1, out.String(), err
}

// dataset is a loaded server's canonical dump.
type dataset struct {
	keys  []canon.Key
	funcs []canon.Function
}

// load loads path (a single file or an AOF directory) into a real redis-server 7.0 with the
// given aof-load-truncated setting and returns its dataset, or ok=false and the log when the
// server refuses it.
func load(t testing.TB, path string, loadTruncated bool) (ds dataset, ok bool, log string) {
	t.Helper()
	srv, log, err := redistest.LoadAOF(t, path, redistest.AOFOptions{LoadTruncated: redistest.Bool(loadTruncated)})
	if err != nil {
		if !errors.Is(err, redistest.ErrExited) {
			t.Fatalf("load %s: %v\n%s", path, err, log)
		}
		return dataset{}, false, log
	}
	defer srv.Stop(t)
	ds.keys, ds.funcs = srv.Dump(t)
	return ds, true, log
}

// mustLoad loads path with aof-load-truncated no and fails the test when the server refuses.
func mustLoad(t testing.TB, path string) dataset {
	t.Helper()
	ds, ok, log := load(t, path, false)
	if !ok {
		t.Fatalf("redis-server (aof-load-truncated no) refuses %s:\n%s", path, lastLines(log, 8))
	}
	return ds
}

// sameData reports the differences between two datasets ("" when equal).
func sameData(want, got dataset) string {
	d := canon.Diff(want.keys, got.keys, want.funcs, got.funcs, canon.DiffOptions{})
	if len(d) > 20 {
		d = append(d[:20], fmt.Sprintf("… %d more", len(d)-20))
	}
	return strings.Join(d, "\n")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// readLines returns the lines read from r until EOF, sent on a channel as they come.
func readLines(r io.Reader) <-chan string {
	ch := make(chan string, 64)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// readDirAll returns every name in dir, with whether it is a directory.
func readDirAll(t testing.TB, dir string) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range ents {
		out[e.Name()] = e.IsDir()
	}
	return out
}

func removeFile(path string) error { return os.Remove(path) }

// runCheckValid reports whether the check engine finds path valid.
func runCheckValid(t testing.TB, path string) bool {
	t.Helper()
	rep, err := check.Run(context.Background(), check.Options{Path: path})
	if err != nil {
		t.Fatalf("check %s: %v", path, err)
	}
	return rep.Valid
}
