package fix_test

// Done-when item 2: `fix --salvage`. Garbage inserted between two records (outside a
// transaction) gives back the original file byte for byte, in every file of a set; a damaged
// length header or a broken CRLF inside one record loses that record only; damage inside a
// MULTI/EXEC drops that transaction only; results load in a real redis-server.

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// salvageOut runs `fix --salvage --yes -o OUT` on path and returns OUT (a file for a single
// AOF, a directory for a set). It fails the test unless the exit code is 0.
func salvageOut(t *testing.T, path string, single bool) (string, cliResult) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	if single {
		out += ".aof"
	}
	r := runFix(t, "--salvage", "--yes", "-o", out, path)
	if r.code != 0 {
		t.Fatalf("fix --salvage -o %s %s: %s", out, path, r)
	}
	return out, r
}

// garbages are byte strings that are not records: inserted between two records they must go,
// and nothing else.
var garbages = []struct{ name, s string }{
	{"text-line", "garbage\r\n"},
	{"zeros", strings.Repeat("\x00", 100)},
	{"lone-star", "*"},
	{"bare-crlf", "\r\n"},
	{"bulk-without-header", "$5\r\nhello\r\n"},
	{"truncated-record", "*3\r\n$3\r\nSET\r\n$1\r\nk"},
	{"record-missing-args", "*3\r\n$3\r\nSET\r\n"},
	{"unknown-command", "*2\r\n$7\r\nNOSUCHC\r\n$1\r\nk\r\n"},
	{"bad-arity", "*2\r\n$3\r\nSET\r\n$1\r\nk\r\n"},
	{"star-zero", "*0\r\n"},
	{"binary", "\xff\xfe*\x01\x02$\r"},
	{"hash-inside-a-line", "junk#TS:1\r\n"},
}

func TestSalvageGarbageBetweenRecords(t *testing.T) {
	orig := readFile(t, filepath.Join(realRoot, fxSingle))
	outside, _ := recordBoundaries(parseRESP(t, orig, 0))
	outside = append(outside, int64(len(orig))) // after the last record
	n := 0
	for _, g := range garbages {
		for i, off := range outside {
			if !longMode() && i%3 != n%3 && off != int64(len(orig)) {
				continue // by default a third of the boundaries, a different third per garbage
			}
			n++
			in := filepath.Join(t.TempDir(), "appendonly.aof")
			writeFile(t, in, insert(orig, off, g.s))
			out, r := salvageOut(t, in, true)
			if got := readFile(t, out); string(got) != string(orig) {
				t.Errorf("%s at %d: salvage did not give back the original (%d bytes, want %d; first difference at %d)\n%s",
					g.name, off, len(got), len(orig), firstDiff(orig, got), r.stdout)
			}
		}
	}
	t.Logf("%d single-file variants", n)
}

// TestSalvageGarbageEveryFile inserts garbage in the base (RESP), both incr files, or all of them
// at once: the repaired set lists the original content, and loads.
func TestSalvageGarbageEveryFile(t *testing.T) {
	for _, fx := range []string{fxMPResp, fxMPRDB} {
		origDir := filepath.Join(realRoot, fx)
		want := readListed(t, origDir)
		files := []string{incr2, incr3}
		if fx == fxMPResp {
			files = append(files, baseResp)
		}
		for _, set := range append(groups(files), files) {
			t.Run(fx+"/"+strings.Join(set, "+"), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), aofDir)
				copyFixture(t, fx, dir)
				for i, f := range set {
					b := readFile(t, filepath.Join(dir, f))
					outside, _ := recordBoundaries(parseRESP(t, b, 0))
					g := garbages[i%len(garbages)].s
					writeFile(t, filepath.Join(dir, f), insert(b, outside[len(outside)/2], g))
				}
				out, r := salvageOut(t, dir, false)
				if got := readListed(t, out); !got.equal(want) {
					t.Errorf("salvaged set lists %v, want the original %v\n%s", got, want, r.stdout)
				}
				if !strings.Contains(r.stdout, "not a point-in-time state") {
					t.Errorf("the report does not say the result is not a point-in-time state:\n%s", r.stdout)
				}
				mustLoad(t, out)
			})
		}
	}
}

// groups returns each file alone.
func groups(files []string) [][]string {
	var out [][]string
	for _, f := range files {
		out = append(out, []string{f})
	}
	return out
}

// recordDamages are ways to damage one record so that neither reader frames it as written.
func recordDamages(r rec) []struct {
	name string
	off  int64
	old  int
	s    string
} {
	type d = struct {
		name string
		off  int64
		old  int
		s    string
	}
	var out []d
	last := len(r.Args) - 1
	for _, a := range []int{0, last} {
		n := len(r.Args[a])
		hdr := "$" + strconv.Itoa(n)
		out = append(out, d{fmt.Sprintf("arg%d-length+2", a), r.DollarAt[a], len(hdr), "$" + strconv.Itoa(n+2)})
		if n > 0 {
			out = append(out, d{fmt.Sprintf("arg%d-length-1", a), r.DollarAt[a], len(hdr), "$" + strconv.Itoa(n-1)})
		}
		out = append(out, d{fmt.Sprintf("arg%d-crlf", a), r.PayloadAt[a] + int64(n), 2, "XY"})
	}
	argc := "*" + strconv.Itoa(len(r.Args))
	out = append(out, d{"argc+1", r.Off, len(argc), "*" + strconv.Itoa(len(r.Args)+1)})
	out = append(out, d{"header-crlf", r.Off + int64(len(argc)), 2, "\rX"})
	return out
}

// TestSalvageDamagedRecord damages one record (outside a transaction) in every way of
// recordDamages: salvage loses that record only.
func TestSalvageDamagedRecord(t *testing.T) {
	cases := []struct {
		fixture, file string
	}{{fxSingle, ""}, {fxMPResp, incr2}, {fxMPRDB, incr3}}
	loaded, n := 0, 0
	for _, c := range cases {
		var orig []byte
		if c.file == "" {
			orig = readFile(t, filepath.Join(realRoot, c.fixture))
		} else {
			orig = readFile(t, filepath.Join(realRoot, c.fixture, c.file))
		}
		recs := parseRESP(t, orig, 0)
		inMulti := false
		for ri, r := range recs {
			switch r.Arg0 {
			case "MULTI":
				inMulti = true
			case "EXEC":
				inMulti = false
				continue
			}
			if r.Args == nil || inMulti {
				continue
			}
			if !longMode() && ri%3 != 0 && ri != len(recs)-1 {
				continue
			}
			want := cut(orig, r.Off, r.End)
			// When the broken CRLF ends the line before an annotation, that annotation's '#' is
			// no longer at the start of a line: it may go with the record.
			var wantAlso []byte
			if ri+1 < len(recs) && recs[ri+1].Args == nil {
				wantAlso = cut(orig, r.Off, recs[ri+1].End)
			}
			for di, dmg := range recordDamages(r) {
				n++
				name := fmt.Sprintf("%s%s/record-%d-%s/%s", c.fixture, "/"+c.file, ri, r.Arg0, dmg.name)
				data := replaceAt(orig, dmg.off, dmg.old, dmg.s)
				var in string
				if c.file == "" {
					in = filepath.Join(t.TempDir(), "appendonly.aof")
					writeFile(t, in, data)
				} else {
					in = filepath.Join(t.TempDir(), aofDir)
					copyFixture(t, c.fixture, in)
					writeFile(t, filepath.Join(in, c.file), data)
				}
				out, res := salvageOut(t, in, c.file == "")
				var got []byte
				if c.file == "" {
					got = readFile(t, out)
				} else {
					l := readListed(t, out)
					idx := map[string]int{incr2: 1, incr3: 2}[c.file]
					if len(l) != 3 {
						t.Errorf("%s: the salvaged set lists %v", name, l)
						continue
					}
					got = l[idx].Data
				}
				if string(got) != string(want) && !(wantAlso != nil && dmg.name == fmt.Sprintf("arg%d-crlf", len(r.Args)-1) && string(got) == string(wantAlso)) {
					t.Errorf("%s: salvage kept %d bytes, want the original minus record [%d, %d) (%d bytes); first difference at %d\n%s",
						name, len(got), r.Off, r.End, len(want), firstDiff(want, got), res.stdout)
					continue
				}
				if !strings.Contains(res.stdout, "1 record dropped") && !strings.Contains(res.stdout, "damaged bytes") {
					t.Errorf("%s: the report does not say what was dropped:\n%s", name, res.stdout)
				}
				if (longMode() || di == 0 && ri%9 == 0) && loaded < 40 {
					loaded++
					mustLoad(t, out)
				}
			}
		}
	}
	t.Logf("%d damaged records, %d results loaded in redis-server", n, loaded)
}

// transactions returns the [MULTI, EXEC] record indexes of recs.
func transactions(recs []rec) [][2]int {
	var out [][2]int
	open := -1
	for i, r := range recs {
		switch r.Arg0 {
		case "MULTI":
			open = i
		case "EXEC":
			if open >= 0 {
				out = append(out, [2]int{open, i})
			}
			open = -1
		}
	}
	return out
}

// TestSalvageDamageInsideMulti damages each record of each transaction: the transaction goes
// whole, nothing else does. Damage to the MULTI record itself may instead keep the queued
// commands (they are intact; only MULTI and the then stray EXEC go).
func TestSalvageDamageInsideMulti(t *testing.T) {
	cases := []struct{ fixture, file string }{{fxSingle, ""}, {fxMPResp, incr2}, {fxMPRDB, incr3}}
	for _, c := range cases {
		var orig []byte
		if c.file == "" {
			orig = readFile(t, filepath.Join(realRoot, c.fixture))
		} else {
			orig = readFile(t, filepath.Join(realRoot, c.fixture, c.file))
		}
		recs := parseRESP(t, orig, 0)
		for _, tx := range transactions(recs) {
			multi, exec := recs[tx[0]], recs[tx[1]]
			wantWhole := cut(orig, multi.Off, exec.End)
			for ri := tx[0]; ri <= tx[1]; ri++ {
				r := recs[ri]
				for _, dmg := range recordDamages(r)[:2] {
					name := fmt.Sprintf("%s/%s/tx-at-%d/record-%d-%s/%s", c.fixture, c.file, multi.Off, ri, r.Arg0, dmg.name)
					t.Run(name, func(t *testing.T) {
						data := replaceAt(orig, dmg.off, dmg.old, dmg.s)
						var in string
						if c.file == "" {
							in = filepath.Join(t.TempDir(), "appendonly.aof")
							writeFile(t, in, data)
						} else {
							in = filepath.Join(t.TempDir(), aofDir)
							copyFixture(t, c.fixture, in)
							writeFile(t, filepath.Join(in, c.file), data)
						}
						out, res := salvageOut(t, in, c.file == "")
						var got []byte
						if c.file == "" {
							got = readFile(t, out)
						} else {
							got = readListed(t, out)[map[string]int{incr2: 1, incr3: 2}[c.file]].Data
						}
						ok := string(got) == string(wantWhole)
						if r.Arg0 == "MULTI" && !ok {
							// the queued commands are intact: keeping them without MULTI/EXEC is acceptable
							ok = string(got) == string(cut(cut(orig, exec.Off, exec.End), multi.Off, multi.End))
						}
						if !ok {
							t.Errorf("salvage kept %d bytes, want the original minus the transaction [%d, %d) (%d bytes); first difference at %d\n%s",
								len(got), multi.Off, exec.End, len(wantWhole), firstDiff(wantWhole, got), res.stdout)
						}
						if ri == tx[0]+1 && dmg.name == "arg0-length+2" {
							mustLoad(t, out)
						}
					})
				}
			}
		}
	}
}

// TestSalvageInPlaceKeepsBackup: in place, salvage of a single file keeps the whole original as
// a backup named in the report; with --no-backup it does not.
func TestSalvageInPlaceKeepsBackup(t *testing.T) {
	orig := readFile(t, filepath.Join(realRoot, fxSingle))
	outside, _ := recordBoundaries(parseRESP(t, orig, 0))
	damaged := insert(orig, outside[3], "garbage\r\n")
	for _, noBackup := range []bool{false, true} {
		t.Run(fmt.Sprintf("no-backup=%v", noBackup), func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "appendonly.aof")
			writeFile(t, in, damaged)
			args := []string{"--salvage", "--yes"}
			if noBackup {
				args = append(args, "--no-backup")
			}
			r, rep := runFixJSON(t, append(args, in)...)
			if r.code != 0 || rep.Result == nil {
				t.Fatalf("fix: %s", r)
			}
			if got := readFile(t, in); string(got) != string(orig) {
				t.Errorf("salvaged in place: %d bytes, want the original %d", len(got), len(orig))
			}
			others := readDir(t, dir)
			delete(others, "appendonly.aof")
			if noBackup {
				if len(others) != 0 || len(rep.Result.Backups) != 0 {
					t.Errorf("--no-backup left %d files and reported backups %q", len(others), rep.Result.Backups)
				}
				return
			}
			if len(rep.Result.Backups) != 1 {
				t.Fatalf("backups %q, want one", rep.Result.Backups)
			}
			if got := readFile(t, rep.Result.Backups[0]); string(got) != string(damaged) {
				t.Errorf("backup %s holds %d bytes, want the damaged input (%d)", rep.Result.Backups[0], len(got), len(damaged))
			}
		})
	}
}

// TestSalvageResultIsValid runs --salvage on every damaged variant of the differential test
// (truncations, garbage, zeros, open MULTI, stray EXEC, nested MULTI, unknown command, `*0`,
// damage in a non-last file; by default every third variant): the result always passes check
// and (sampled) loads in redis-server with aof-load-truncated no.
func TestSalvageResultIsValid(t *testing.T) {
	var vs []variant
	vs = append(vs, diffVariants(t, fxSingle, fxSingle, false)...)
	vs = append(vs, diffVariants(t, fxMPResp, incr3, false)...)
	vs = append(vs, diffVariants(t, fxMPRDB, incr2, true)...)
	loads, n := 0, 0
	for i, v := range vs {
		if !longMode() && i%3 != 0 {
			continue
		}
		n++
		root := filepath.Join(t.TempDir(), "in")
		in, _ := stageVariant(t, v, root)
		out := filepath.Join(t.TempDir(), "out")
		if !v.multi() {
			out += ".aof"
		}
		r := runFix(t, "--salvage", "--yes", "-o", out, in)
		if r.code != 0 {
			t.Errorf("%s: %s", v.name, r)
			continue
		}
		if !exists(out) {
			t.Errorf("%s: nothing written", v.name)
			continue
		}
		if !runCheckValid(t, out) {
			t.Errorf("%s: check rejects the salvaged result\n%s", v.name, r.stdout)
		}
		if longMode() || i%30 == 0 {
			loads++
			if _, ok, log := load(t, out, false); !ok {
				t.Errorf("%s: the salvaged result does not load:\n%s", v.name, lastLines(log, 4))
			}
		}
	}
	t.Logf("%d variants salvaged, %d loaded", n, loads)
}
