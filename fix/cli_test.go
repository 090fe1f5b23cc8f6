package fix_test

// The command line of `aofkit fix`: --dry-run changes nothing and exits 1 when it would change
// something (0 when there is nothing to do); without a terminal and without --yes it exits 2
// with a hint and changes nothing; -o OUT leaves the input byte-identical (and refuses an OUT
// that exists); golden files of the text and --json reports of one multi-file repair
// (testdata/golden, rewrite with `go test ./fix -run TestFixGolden -update` and review).

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestFixGolden")

// input is a named way to make an input under root; it returns the path to give fix.
type input struct {
	name  string
	make  func(t *testing.T, root string) string
	multi bool
}

func inputs() []input {
	single := func(mut func(t *testing.T, b []byte) []byte) func(t *testing.T, root string) string {
		return func(t *testing.T, root string) string {
			p := filepath.Join(root, "appendonly.aof")
			writeFile(t, p, mut(t, readFile(t, filepath.Join(realRoot, fxSingle))))
			return p
		}
	}
	multi := func(fx, file string, mut func(t *testing.T, b []byte) []byte) func(t *testing.T, root string) string {
		return func(t *testing.T, root string) string {
			dir := filepath.Join(root, aofDir)
			copyFixture(t, fx, dir)
			if file != "" {
				p := filepath.Join(dir, file)
				writeFile(t, p, mut(t, readFile(t, p)))
			}
			return dir
		}
	}
	same := func(_ *testing.T, b []byte) []byte { return b }
	truncated := func(_ *testing.T, b []byte) []byte { return b[:len(b)-5] }
	garbage := func(t *testing.T, b []byte) []byte {
		out, _ := recordBoundaries(parseRESP(t, b, 0))
		return insert(b, out[len(out)/2], "garbage\r\n")
	}
	return []input{
		{"clean-single", single(same), false},
		{"clean-multi", multi(fxMPRDB, "", nil), true},
		{"truncated-single", single(truncated), false},
		{"truncated-last-incr", multi(fxMPResp, incr3, truncated), true},
		{"garbage-non-last-incr", multi(fxMPRDB, incr2, garbage), true},
	}
}

// tree reads every file under root (recursively), keyed by relative path.
func tree(t testing.TB, root string) fileSet {
	t.Helper()
	fs := fileSet{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fs[rel] = readFile(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestDryRun(t *testing.T) {
	modes := [][]string{nil, {"--salvage"}, {"--drop", "flushall"}, {"--truncate-to-timestamp", "1"}}
	for _, in := range inputs() {
		for _, mode := range modes {
			t.Run(in.name+"/"+strings.Join(mode, "="), func(t *testing.T) {
				root := t.TempDir()
				path := in.make(t, root)
				before := tree(t, root)
				r := runFix(t, append(append([]string{}, mode...), "--dry-run", path)...)
				if d := diffSets(before, tree(t, root)); d != "" {
					t.Errorf("--dry-run changed files:\n%s", d)
				}
				switch {
				case r.code == 1 && strings.Contains(r.stdout, "aofkit fix (") && strings.Contains(r.stdout, " bytes ("):
				case r.code == 0 && strings.Contains(r.stdout, "Nothing to change."):
				case r.code == 1 && r.stderr != "" && r.stdout == "": // refused (e.g. damaged input for --drop)
				default:
					t.Errorf("--dry-run: want exit 1 with what would change, or 0 with nothing to change:\n%s", r)
				}
				if strings.HasPrefix(in.name, "clean") && len(mode) == 0 && r.code != 0 {
					t.Errorf("clean input: exit %d, want 0", r.code)
				}
				if !strings.HasPrefix(in.name, "clean") && (len(mode) == 0 || mode[0] == "--salvage") && r.code != 1 {
					t.Errorf("damaged input: exit %d, want 1", r.code)
				}
				// --json says the same.
				jr := runFix(t, append(append([]string{"--json"}, mode...), "--dry-run", path)...)
				if jr.code != r.code {
					t.Errorf("--json exit %d, text exit %d", jr.code, r.code)
				}
				var rep report
				if err := json.Unmarshal([]byte(jr.stdout), &rep); err != nil {
					t.Errorf("--json: %v\n%s", err, jr)
				} else if rep.Result != nil || (rep.Plan != nil && !rep.DryRun) {
					t.Errorf("--json --dry-run reports a result or dry_run=false:\n%s", jr.stdout)
				}
			})
		}
	}
}

// TestNeedsYesWithoutTerminal runs fix as a child process whose stdin is not a terminal
// (/dev/null, or a pipe that says "y"): it must exit 2 with a hint and change nothing; with
// nothing to change it exits 0.
func TestNeedsYesWithoutTerminal(t *testing.T) {
	for _, in := range inputs() {
		for _, stdin := range []string{"", "y\n"} {
			t.Run(in.name+"/stdin="+strings.TrimSpace(stdin), func(t *testing.T) {
				root := t.TempDir()
				path := in.make(t, root)
				before := tree(t, root)
				var r cliResult
				if stdin == "" {
					r = childFix(t, root, nil, path)
				} else {
					r = childFix(t, root, strings.NewReader(stdin), path)
				}
				if d := diffSets(before, tree(t, root)); d != "" {
					t.Errorf("fix without --yes changed files:\n%s", d)
				}
				if strings.HasPrefix(in.name, "clean") {
					if r.code != 0 {
						t.Errorf("nothing to change: exit %d, want 0\n%s", r.code, r)
					}
					return
				}
				if r.code != 2 || !strings.Contains(r.stderr, "--yes") || !strings.Contains(r.stderr, "terminal") {
					t.Errorf("want exit 2 with a hint about --yes:\n%s", r)
				}
			})
		}
	}
}

// TestOutputLeavesInput: -o OUT, in every mode, leaves the input byte-identical and adds nothing
// next to it; the repaired copy is at OUT; an OUT that exists (a file, a non-empty directory)
// is refused with exit 2.
func TestOutputLeavesInput(t *testing.T) {
	modes := [][]string{nil, {"--salvage"}, {"--drop", "set"}, {"--truncate-to-timestamp", "1"}}
	for _, in := range inputs() {
		for _, mode := range modes {
			t.Run(in.name+"/"+strings.Join(mode, "="), func(t *testing.T) {
				root := filepath.Join(t.TempDir(), "in")
				if err := os.Mkdir(root, 0o755); err != nil {
					t.Fatal(err)
				}
				path := in.make(t, root)
				before := tree(t, root)
				out := filepath.Join(t.TempDir(), "out")
				r := runFix(t, append(append([]string{}, mode...), "--yes", "-o", out, path)...)
				if d := diffSets(before, tree(t, root)); d != "" {
					t.Errorf("-o changed the input side:\n%s", d)
				}
				if r.code == 1 && len(mode) > 0 && (mode[0] == "--drop" || mode[0] == "--truncate-to-timestamp") {
					return // refused on a damaged input (or a T before the base): fine, nothing written
				}
				if r.code != 0 {
					t.Fatalf("fix -o: %s", r)
				}
				if !exists(out) {
					t.Errorf("exit 0 but nothing at %s:\n%s", out, r)
				}
				// A second run into the same OUT is refused.
				if r2 := runFix(t, append(append([]string{}, mode...), "--yes", "-o", out, path)...); exists(out) && r2.code != 2 {
					t.Errorf("-o into an existing %s: exit %d, want 2\n%s", out, r2.code, r2)
				}
			})
		}
	}
}

// TestOutputWhenNothingToChange: -o OUT on a valid input still writes the (unchanged) copy to
// OUT, so that a script can use OUT after exit 0.
func TestOutputWhenNothingToChange(t *testing.T) {
	for _, in := range inputs()[:2] {
		t.Run(in.name, func(t *testing.T) {
			path := in.make(t, t.TempDir())
			out := filepath.Join(t.TempDir(), "out")
			r := runFix(t, "--yes", "-o", out, path)
			if r.code != 0 {
				t.Fatalf("fix -o: %s", r)
			}
			if !in.multi {
				if got := readFile(t, out); string(got) != string(readFile(t, path)) {
					t.Errorf("OUT holds %d bytes, want the input (%d)", len(got), len(readFile(t, path)))
				}
				return
			}
			if !exists(out) {
				t.Fatalf("nothing at %s:\n%s", out, r)
			}
			if got, want := readListed(t, out), readListed(t, path); !got.equal(want) {
				t.Errorf("OUT lists %v, want the input %v", got, want)
			}
			mustLoad(t, out)
		})
	}
}

var stampRE = regexp.MustCompile(`\d{8}T\d{6}Z`)

// TestFixGolden: the text and --json reports of a repair that cuts a non-last incr file in
// place (renumbering, a file leaving the manifest, files moved aside). The command runs as a
// child process in a temporary directory with a relative path, so paths are stable; backup
// time stamps are replaced by <STAMP>.
func TestFixGolden(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			root := t.TempDir()
			inputs()[4].make(t, root)
			args := []string{"--yes", aofDir}
			if format == "json" {
				args = append([]string{"--json"}, args...)
			}
			r := childFix(t, root, nil, args...)
			if r.code != 0 {
				t.Fatalf("fix: %s", r)
			}
			if r.stderr != "" {
				t.Errorf("stderr: %q", r.stderr)
			}
			got := stampRE.ReplaceAllString(r.stdout, "<STAMP>")
			golden := filepath.Join("testdata", "golden", "nonlast-cut."+format+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				writeFile(t, golden, []byte(got))
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n--- got ---\n%s--- want ---\n%s", golden, got, want)
			}
		})
	}
}

// TestHelpDocumentsExitCodes: --help lists the exit codes.
func TestHelpDocumentsExitCodes(t *testing.T) {
	var out, errw strings.Builder
	runApp([]string{"fix", "--help"}, &out, &errw)
	for _, s := range []string{"Exit codes:", "--dry-run", "--no-backup", "--yes", "-o"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("fix --help does not mention %q", s)
		}
	}
}
