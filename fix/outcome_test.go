package fix_test

// Done-when item 6: damage in a non-last incr file, in an RDB section, and a missing file each
// get a clear report and the documented outcome (DESIGN.md, issue 4):
//   - non-last damage (default mode): that file is cut at the damage and gets the next sequence
//     number, the later incr files leave the manifest (moved aside), exit 0;
//   - RDB section damage: exit 1, the report says what the options are, nothing changes;
//   - a missing incr file: it and the later ones leave the manifest (with --salvage: only it);
//     a missing base: exit 1, nothing changes.
// Nothing is removed without a backup unless --no-backup: the moved-aside files, sidecars and
// backups exist and hold exactly the removed bytes; with --no-backup they do not exist.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backupFiles returns every file kept in backup directories next to the AOF directory dir
// (name -> bytes) and whether such a directory exists.
func backupFiles(t testing.TB, dir string) (fileSet, bool) {
	t.Helper()
	found := false
	fs := fileSet{}
	for n, isDir := range readDirAll(t, filepath.Dir(dir)) {
		if isDir && strings.HasPrefix(n, filepath.Base(dir)+".aofkit-backup-") {
			found = true
			for k, v := range readDir(t, filepath.Join(filepath.Dir(dir), n)) {
				fs[k] = v
			}
		}
	}
	return fs, found
}

func TestNonLastDamage(t *testing.T) {
	for _, fx := range []string{fxMPResp, fxMPRDB} {
		orig2 := readFile(t, filepath.Join(realRoot, fx, incr2))
		outside, _ := recordBoundaries(parseRESP(t, orig2, 0))
		at := outside[len(outside)/2]
		damaged := insert(orig2, at, "garbage\r\n")
		for _, noBackup := range []bool{false, true} {
			name := fx + "/backup"
			if noBackup {
				name = fx + "/no-backup"
			}
			t.Run(name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), aofDir)
				copyFixture(t, fx, dir)
				writeFile(t, filepath.Join(dir, incr2), damaged)
				input := readDir(t, dir)
				hand := cutByHand(t, dir, 1, at)

				dry := runFix(t, "--dry-run", dir)
				if dry.code != 1 {
					t.Errorf("--dry-run: exit %d, want 1\n%s", dry.code, dry)
				}
				if d := diffSets(input, readDir(t, dir)); d != "" {
					t.Fatalf("--dry-run changed the set:\n%s", d)
				}

				args := []string{"--yes"}
				if noBackup {
					args = append(args, "--no-backup")
				}
				r, rep := runFixJSON(t, append(args, dir)...)
				if r.code != 0 || rep.Result == nil {
					t.Fatalf("fix: %s", r)
				}
				es := parseManifest(t, readFile(t, filepath.Join(dir, manifestName)))
				if len(es) != 2 || es[1].Name != "appendonly.aof.4.incr.aof" || es[1].Seq != 4 {
					t.Errorf("manifest %+v: want the base and appendonly.aof.4.incr.aof seq 4", es)
				}
				if got, want := readListed(t, dir), readListed(t, hand); !got.equal(want) {
					t.Errorf("result lists %v, want %v", got, want)
				}
				// The plan says what happens to each file.
				actions := map[string]string{}
				for _, f := range rep.Plan.Files {
					actions[f.Name] = f.Action + " " + f.NewName
				}
				if actions[incr2] != "rewrite appendonly.aof.4.incr.aof" || actions[incr3] != "remove " {
					t.Errorf("plan actions %q", actions)
				}
				if !strings.Contains(strings.Join(rep.Plan.Notes, "\n"), "leave the manifest") {
					t.Errorf("notes do not say the later files leave the manifest: %q", rep.Plan.Notes)
				}
				mustLoad(t, dir)

				kept, found := backupFiles(t, dir)
				now := readDir(t, dir)
				for _, n := range []string{incr2, incr3} {
					if _, ok := now[n]; ok {
						t.Errorf("%s is still in the AOF directory", n)
					}
					if noBackup {
						if _, ok := kept[n]; ok {
							t.Errorf("--no-backup: %s was kept", n)
						}
						continue
					}
					if !bytes.Equal(kept[n], input[n]) {
						t.Errorf("%s is not kept unchanged in the backup directory", n)
					}
				}
				if noBackup {
					if found || len(rep.Result.Backups) != 0 || len(rep.Result.Deleted) != 2 {
						t.Errorf("--no-backup: backup dir %v, backups %q, deleted %q", found, rep.Result.Backups, rep.Result.Deleted)
					}
				} else if len(rep.Result.Backups) != 2 {
					t.Errorf("the report names backups %q, want the two moved-aside files", rep.Result.Backups)
				}
			})
		}
	}
}

// TestRDBSectionDamage flips a byte inside the RDB base: every mode refuses with exit 1 and a
// report that names the options; nothing changes and nothing is created.
func TestRDBSectionDamage(t *testing.T) {
	orig := readFile(t, filepath.Join(realRoot, fxMPRDB, baseRDB))
	for _, off := range []int{40, len(orig) / 2, len(orig) - 3} {
		for _, mode := range [][]string{nil, {"--salvage"}, {"--drop", "flushall"}, {"--truncate-to-timestamp", "4102444800"}} {
			dir := filepath.Join(t.TempDir(), aofDir)
			copyFixture(t, fxMPRDB, dir)
			b := bytes.Clone(orig)
			b[off] ^= 0x5a
			writeFile(t, filepath.Join(dir, baseRDB), b)
			input := readDir(t, dir)
			args := append(append([]string{}, mode...), "--yes", dir)
			r := runFix(t, args...)
			if r.code != 1 {
				t.Errorf("flip at %d, %q: exit %d, want 1\n%s", off, mode, r.code, r)
			}
			if len(mode) == 0 || mode[0] == "--salvage" {
				if !strings.Contains(r.stderr, "RDB section") || !strings.Contains(r.stderr, "restore this file from a backup") {
					t.Errorf("flip at %d, %q: the message does not name the damage and the options:\n%s", off, mode, r)
				}
			}
			if d := diffSets(input, readDir(t, dir)); d != "" {
				t.Errorf("flip at %d, %q: the set changed:\n%s", off, mode, d)
			}
			if _, found := backupFiles(t, dir); found {
				t.Errorf("flip at %d, %q: a backup directory was created", off, mode)
			}
			jr := runFix(t, append([]string{"--json"}, args...)...)
			if jr.code != 1 || !strings.Contains(jr.stdout, `"error": "`) {
				t.Errorf("flip at %d, %q --json: want exit 1 and a report with the error:\n%s", off, mode, jr)
			}
		}
	}
}

func TestMissingFile(t *testing.T) {
	cases := []struct {
		name    string
		missing string
		args    []string
		code    int
		listed  []string // what the manifest lists after (nil: unchanged)
		aside   []string // files moved aside
		message string
	}{
		// No incr file is left: a new empty one is listed (seq 4, above every used one).
		{"incr2", incr2, nil, 0, []string{baseRDB, "appendonly.aof.4.incr.aof"}, []string{incr3}, "missing"},
		{"incr3-last", incr3, nil, 0, []string{baseRDB, incr2}, nil, "missing"},
		{"incr2-salvage", incr2, []string{"--salvage"}, 0, []string{baseRDB, incr3}, nil, "missing"},
		{"base", baseRDB, nil, 1, nil, nil, "base file is missing"},
		{"base-salvage", baseRDB, []string{"--salvage"}, 1, nil, nil, "base file is missing"},
	}
	for _, c := range cases {
		for _, noBackup := range []bool{false, true} {
			name := c.name
			if noBackup {
				name += "/no-backup"
			}
			t.Run(name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), aofDir)
				copyFixture(t, fxMPRDB, dir)
				if err := removeFile(filepath.Join(dir, c.missing)); err != nil {
					t.Fatal(err)
				}
				input := readDir(t, dir)
				args := append(append([]string{}, c.args...), "--yes")
				if noBackup {
					args = append(args, "--no-backup")
				}
				r := runFix(t, append(args, dir)...)
				if r.code != c.code {
					t.Fatalf("exit %d, want %d\n%s", r.code, c.code, r)
				}
				text := r.stdout + r.stderr
				if !strings.Contains(text, c.message) || !strings.Contains(text, c.missing) {
					t.Errorf("the report does not name %s as %q:\n%s", c.missing, c.message, r)
				}
				if c.listed == nil {
					if d := diffSets(input, readDir(t, dir)); d != "" {
						t.Errorf("the set changed:\n%s", d)
					}
					return
				}
				var got []string
				for _, e := range parseManifest(t, readFile(t, filepath.Join(dir, manifestName))) {
					got = append(got, e.Name)
				}
				if strings.Join(got, " ") != strings.Join(c.listed, " ") {
					t.Errorf("manifest lists %q, want %q", got, c.listed)
				}
				mustLoad(t, dir)
				kept, _ := backupFiles(t, dir)
				for _, n := range c.aside {
					if exists(filepath.Join(dir, n)) {
						t.Errorf("%s is still in the AOF directory", n)
					}
					if noBackup {
						if _, ok := kept[n]; ok {
							t.Errorf("--no-backup kept %s", n)
						}
					} else if !bytes.Equal(kept[n], input[n]) {
						t.Errorf("%s is not kept unchanged in the backup directory", n)
					}
				}
			})
		}
	}
}

// TestTailCutSidecar: cutting the tail of the last file keeps the tail in a sidecar (next to a
// single file; in the backup directory for a set) holding exactly the removed bytes; with
// --no-backup there is none.
func TestTailCutSidecar(t *testing.T) {
	for _, fx := range []string{fxSingle, fxMPResp} {
		for _, noBackup := range []bool{false, true} {
			name := fx
			if noBackup {
				name += "/no-backup"
			}
			t.Run(name, func(t *testing.T) {
				root := t.TempDir()
				var path, file string
				if fx == fxSingle {
					path = filepath.Join(root, "appendonly.aof")
					file = path
					copyFixture(t, fx, path)
				} else {
					path = filepath.Join(root, aofDir)
					file = filepath.Join(path, incr3)
					copyFixture(t, fx, path)
				}
				orig := readFile(t, file)
				recs := parseRESP(t, orig, 0)
				last := recs[len(recs)-1]
				damaged := orig[:last.End-3]
				writeFile(t, file, damaged)
				args := []string{"--yes"}
				if noBackup {
					args = append(args, "--no-backup")
				}
				r, rep := runFixJSON(t, append(args, path)...)
				if r.code != 0 || rep.Result == nil {
					t.Fatalf("fix: %s", r)
				}
				if got := readFile(t, file); !bytes.Equal(got, orig[:last.Off]) {
					t.Errorf("cut to %d bytes, want %d", len(got), last.Off)
				}
				if noBackup {
					if len(rep.Result.Backups) != 0 {
						t.Errorf("--no-backup: backups %q", rep.Result.Backups)
					}
					var extra []string
					for n := range readDirAll(t, root) {
						if n != filepath.Base(path) {
							extra = append(extra, n)
						}
					}
					if len(extra) != 0 {
						t.Errorf("--no-backup left %q", extra)
					}
					return
				}
				if len(rep.Result.Backups) != 1 {
					t.Fatalf("backups %q, want one sidecar", rep.Result.Backups)
				}
				if got := readFile(t, rep.Result.Backups[0]); !bytes.Equal(got, damaged[last.Off:]) {
					t.Errorf("sidecar %s holds %q, want the removed bytes %q", rep.Result.Backups[0], got, damaged[last.Off:])
				}
				if fx != fxSingle && filepath.Dir(rep.Result.Backups[0]) == path {
					t.Errorf("the sidecar %s is inside the AOF directory", rep.Result.Backups[0])
				}
			})
		}
	}
}

// TestBaseDamagedAtStart: damage from the first byte of a multi-part base (an RDB base's REDIS
// signature, garbage before a RESP base's first record) is not "repaired" by truncating the
// base to nothing and dropping every incr file: exit 1, nothing changes. (--salvage on the
// RESP base gives back the original.)
func TestBaseDamagedAtStart(t *testing.T) {
	cases := []struct {
		fixture, base string
		damage        func([]byte) []byte
	}{
		{fxMPRDB, baseRDB, func(b []byte) []byte { b = bytes.Clone(b); b[0] = 'X'; return b }},
		{fxMPRDB, baseRDB, func(b []byte) []byte { b = bytes.Clone(b); b[3] = 0; return b }},
		{fxMPResp, baseResp, func(b []byte) []byte { return insert(b, 0, "garbage\r\n") }},
	}
	for i, c := range cases {
		dir := filepath.Join(t.TempDir(), aofDir)
		copyFixture(t, c.fixture, dir)
		orig := readFile(t, filepath.Join(dir, c.base))
		writeFile(t, filepath.Join(dir, c.base), c.damage(orig))
		input := readDir(t, dir)
		r := runFix(t, "--yes", dir)
		if r.code != 1 || !strings.Contains(r.stderr, c.base) {
			t.Errorf("case %d: exit %d, want 1 naming %s\n%s", i, r.code, c.base, r)
		}
		if d := diffSets(input, readDir(t, dir)); d != "" {
			t.Errorf("case %d: the set changed:\n%s", i, d)
		}
		if c.base == baseResp {
			out := filepath.Join(t.TempDir(), "out")
			if r := runFix(t, "--salvage", "--yes", "-o", out, dir); r.code != 0 {
				t.Errorf("case %d: --salvage: %s", i, r)
			} else if got, want := readListed(t, out), readListed(t, filepath.Join(realRoot, c.fixture)); !got.equal(want) {
				t.Errorf("case %d: --salvage gives %v, want the original %v", i, got, want)
			}
		}
	}
}

// TestHistoryEntriesKept: a manifest with a history entry (as Redis writes during a rewrite) keeps
// it, after the base, when fix replaces the manifest; the result loads.
func TestHistoryEntriesKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), aofDir)
	copyFixture(t, fxMPRDB, dir)
	es := parseManifest(t, readFile(t, filepath.Join(dir, manifestName)))
	hist := mfEntry{Name: "appendonly.aof.1.base.rdb", Seq: 1, Type: 'h'}
	es = append([]mfEntry{es[0], hist}, es[1:]...)
	writeFile(t, filepath.Join(dir, manifestName), manifestText(es))
	writeFile(t, filepath.Join(dir, hist.Name), readFile(t, filepath.Join(dir, baseRDB)))
	b := readFile(t, filepath.Join(dir, incr2))
	out, _ := recordBoundaries(parseRESP(t, b, 0))
	writeFile(t, filepath.Join(dir, incr2), insert(b, out[2], "garbage\r\n"))
	if r := runFix(t, "--yes", dir); r.code != 0 {
		t.Fatalf("fix: %s", r)
	}
	got := parseManifest(t, readFile(t, filepath.Join(dir, manifestName)))
	if len(got) != 3 || got[0].Type != 'b' || got[1] != hist || got[2].Type != 'i' {
		t.Errorf("manifest after fix: %+v, want base, the history entry, one incr", got)
	}
	mustLoad(t, dir)
}

// TestOtherAppendFilename: a set written with appendfilename "data.aof" (files
// data.aof.N.*, manifest data.aof.manifest) keeps that naming when fix renumbers.
func TestOtherAppendFilename(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "aofs")
	copyFixture(t, fxMPRDB, dir)
	rename := func(n string) string { return strings.Replace(n, "appendonly.aof", "data.aof", 1) }
	var es []mfEntry
	for _, e := range parseManifest(t, readFile(t, filepath.Join(dir, manifestName))) {
		if err := os.Rename(filepath.Join(dir, e.Name), filepath.Join(dir, rename(e.Name))); err != nil {
			t.Fatal(err)
		}
		e.Name = rename(e.Name)
		es = append(es, e)
	}
	if err := os.Remove(filepath.Join(dir, manifestName)); err != nil {
		t.Fatal(err)
	}
	mf := filepath.Join(dir, "data.aof.manifest")
	writeFile(t, mf, manifestText(es))
	p := filepath.Join(dir, rename(incr2))
	b := readFile(t, p)
	out, _ := recordBoundaries(parseRESP(t, b, 0))
	writeFile(t, p, insert(b, out[3], "garbage\r\n"))
	if r := runFix(t, "--yes", dir); r.code != 0 {
		t.Fatalf("fix: %s", r)
	}
	var names []string
	for _, e := range parseManifest(t, readFile(t, mf)) {
		names = append(names, e.Name)
	}
	if strings.Join(names, " ") != "data.aof.2.base.rdb data.aof.4.incr.aof" {
		t.Errorf("manifest lists %q, want data.aof.2.base.rdb data.aof.4.incr.aof", names)
	}
	if exists(filepath.Join(dir, manifestName)) {
		t.Errorf("fix wrote %s", manifestName)
	}
	if _, ok, log := load(t, mf, false); !ok {
		t.Errorf("the result does not load:\n%s", lastLines(log, 4))
	}
}
