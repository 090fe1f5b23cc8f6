package fix_test

// Done-when item 4: `fix --truncate-to-timestamp T`. On sets written by a real server (the
// fixtures, extended by a server run so that the last incr file holds a #TS line past its
// start), for T around every #TS value of the set: where `redis-check-aof
// --truncate-to-timestamp T` acts (exit 0), our result is byte-identical to its; where it
// refuses (the annotation is in a non-last file, or opens a file), ours cuts the right file at
// the right offset, the later files leave the manifest (moved aside), and the result loads to
// the dataset of the set cut by hand; a T before the base (RESP base: its first #TS; RDB base:
// its ctime) is refused with exit 1 and nothing changes.

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/redistest"
)

// stamp is one #TS annotation of a set: the index of its file among the listed files, its
// offset, its value.
type stamp struct {
	file int
	name string
	off  int64
	v    int64
}

// setStamps returns the #TS annotations of every listed file of dir, in load order.
func setStamps(t testing.TB, dir string) []stamp {
	t.Helper()
	var out []stamp
	for i, e := range nonHistory(parseManifest(t, readFile(t, filepath.Join(dir, manifestName)))) {
		b := readFile(t, filepath.Join(dir, e.Name))
		if bytes.HasPrefix(b, []byte("REDIS")) {
			continue // an RDB base holds no annotations
		}
		for _, r := range parseRESP(t, b, 0) {
			if r.Args != nil || !bytes.HasPrefix(b[r.Off:], []byte("#TS:")) {
				continue
			}
			v, err := strconv.ParseInt(strings.TrimRight(string(b[r.Off+4:r.End]), "\r\n"), 10, 64)
			if err != nil {
				t.Fatalf("%s: annotation at %d: %v", e.Name, r.Off, err)
			}
			out = append(out, stamp{file: i, name: e.Name, off: r.Off, v: v})
		}
	}
	return out
}

func nonHistory(es []mfEntry) []mfEntry {
	var out []mfEntry
	for _, e := range es {
		if e.Type != 'h' {
			out = append(out, e)
		}
	}
	return out
}

// rdbCtime reads the ctime aux field of an RDB file (encoded by Redis 7 as a 32-bit integer).
func rdbCtime(t testing.TB, b []byte) int64 {
	t.Helper()
	i := bytes.Index(b, []byte("\xfa\x05ctime"))
	if i < 0 || len(b) < i+12 || b[i+7] != 0xc2 {
		t.Fatalf("no 32-bit ctime aux field in the RDB base")
	}
	return int64(int32(binary.LittleEndian.Uint32(b[i+8 : i+12])))
}

// cutByHand returns a copy of dir cut as the state at a #TS annotation (file index i, offset
// off): file i ends at off (or leaves the manifest when off is 0 and it is an incr file), and
// every later file leaves the manifest.
func cutByHand(t testing.TB, dir string, i int, off int64) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), aofDir)
	copyPath(t, dir, out)
	es := nonHistory(parseManifest(t, readFile(t, filepath.Join(out, manifestName))))
	keep := es[:i+1]
	if off == 0 && es[i].Type == 'i' {
		keep = es[:i]
	} else {
		p := filepath.Join(out, es[i].Name)
		writeFile(t, p, readFile(t, p)[:off])
	}
	writeFile(t, filepath.Join(out, manifestName), manifestText(keep))
	return out
}

func TestTruncateToTimestamp(t *testing.T) {
	ckBin := redistest.RequireBinary(t, "redis-check-aof")
	for _, fx := range []string{fxMPResp, fxMPRDB} {
		t.Run(fx, func(t *testing.T) {
			src := makeFlushallSet(t, fx).dir
			stamps := setStamps(t, src)
			files := nonHistory(parseManifest(t, readFile(t, filepath.Join(src, manifestName))))
			lastIdx := len(files) - 1
			var baseTime int64
			if fx == fxMPRDB {
				baseTime = rdbCtime(t, readFile(t, filepath.Join(src, baseRDB)))
			} else {
				if stamps[0].file != 0 || stamps[0].off != 0 {
					t.Fatalf("the RESP base does not start with #TS: %+v", stamps[0])
				}
				baseTime = stamps[0].v
			}
			// The last file must have a #TS past its start, or redis-check-aof never cuts.
			if s := stamps[len(stamps)-1]; s.file != lastIdx || s.off == 0 {
				t.Fatalf("the server run did not leave a #TS line inside the last file: %+v", stamps)
			}
			ts := map[int64]bool{baseTime - 1: true, baseTime: true}
			for _, s := range stamps {
				ts[s.v-1], ts[s.v], ts[s.v+1] = true, true, true
			}
			var tlist []int64
			for v := range ts {
				tlist = append(tlist, v)
			}
			sort.Slice(tlist, func(i, j int) bool { return tlist[i] < tlist[j] })
			var acted, cutByIt, same, refusedByIt int
			for _, T := range tlist {
				name := strconv.FormatInt(T-baseTime, 10)
				if T < baseTime {
					name = "before-base"
				}
				t.Run(name, func(t *testing.T) {
					arg := strconv.FormatInt(T, 10)
					a := filepath.Join(t.TempDir(), aofDir)
					copyPath(t, src, a)
					ckCode, ckOut, err := checkAOF(ckBin, "", "--truncate-to-timestamp", arg, filepath.Join(a, manifestName))
					if err != nil {
						t.Fatal(err)
					}
					b := filepath.Join(t.TempDir(), aofDir)
					copyPath(t, src, b)
					r := runFix(t, "--truncate-to-timestamp", arg, "--yes", b)

					// Where the first #TS later than T is.
					first := -1
					for i, s := range stamps {
						if s.v > T {
							first = i
							break
						}
					}
					switch {
					case T < baseTime:
						if r.code != 1 || !strings.Contains(r.stderr, "before the base") {
							t.Errorf("T before the base: want exit 1 saying so: %s", r)
						}
						if d := diffSets(readDir(t, src), readDir(t, b)); d != "" {
							t.Errorf("a refused T changed the set:\n%s", d)
						}
						for _, n := range dirNames(t, filepath.Dir(b)) {
							if n != aofDir {
								t.Errorf("a refused T left %s next to the set", n)
							}
						}
						return
					case r.code != 0:
						t.Fatalf("fix: %s", r)
					}
					if ckCode == 0 {
						acted++
						if diffSets(readDir(t, src), readDir(t, a)) != "" {
							cutByIt++
							// The same T in RFC 3339 gives the same result.
							c := filepath.Join(t.TempDir(), aofDir)
							copyPath(t, src, c)
							if r := runFix(t, "--truncate-to-timestamp", time.Unix(T, 0).UTC().Format(time.RFC3339), "--yes", c); r.code != 0 {
								t.Errorf("RFC 3339 T: %s", r)
							} else if d := diffSets(readDir(t, a), readDir(t, c)); d != "" {
								t.Errorf("RFC 3339 T: result differs from redis-check-aof's:\n%s", d)
							}
						}
						if d := diffSets(readDir(t, a), readDir(t, b)); d != "" {
							t.Errorf("redis-check-aof --truncate-to-timestamp %d acted; ours differs:\n%s--- ours ---\n%s--- redis-check-aof ---\n%s", T, d, r.stdout, ckOut)
						} else {
							same++
						}
						if first >= 0 && stamps[first].file != lastIdx {
							t.Errorf("redis-check-aof cut with the first later #TS in a non-last file?\n%s", ckOut)
						}
						return
					}
					refusedByIt++
					if first < 0 {
						t.Fatalf("redis-check-aof refused although no #TS is later than T:\n%s", ckOut)
					}
					// Ours: the set cut by hand at that annotation.
					s := stamps[first]
					hand := cutByHand(t, src, s.file, s.off)
					if got, want := readListed(t, b).dataOnly(), readListed(t, hand).dataOnly(); !got.equal(want) {
						t.Errorf("cut at %s offset %d: result lists %v, want %v\n%s", s.name, s.off, got, want, r.stdout)
					}
					if s.file < lastIdx && !strings.Contains(r.stdout, "leave the manifest") {
						t.Errorf("the report does not say that later files leave the manifest:\n%s", r.stdout)
					}
					got, want := mustLoad(t, b), mustLoad(t, hand)
					if d := sameData(want, got); d != "" {
						t.Errorf("dataset differs from the set cut by hand:\n%s", d)
					}
					// Nothing is lost: every file that left the manifest, and the original
					// of a cut file, is in the backup directory.
					checkMovedAside(t, src, b)
				})
			}
			t.Logf("%d values of T: redis-check-aof acted on %d (cut %d; %d byte-identical to ours), refused %d", len(tlist), acted, cutByIt, same, refusedByIt)
			if cutByIt == 0 {
				t.Error("no value of T made redis-check-aof cut: the comparison proved nothing")
			}
		})
	}
}

// dirNames lists the names in dir.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for n := range readDirAll(t, dir) {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// checkMovedAside checks that every file of the original set src that is no longer in the
// repaired directory dir sits, unchanged, in a backup directory next to dir.
func checkMovedAside(t testing.TB, src, dir string) {
	t.Helper()
	orig := readDir(t, src)
	now := readDir(t, dir)
	aside := fileSet{}
	for n := range readDirAll(t, filepath.Dir(dir)) {
		if strings.HasPrefix(n, aofDir+".aofkit-backup-") {
			for k, v := range readDir(t, filepath.Join(filepath.Dir(dir), n)) {
				aside[k] = v
			}
		}
	}
	for n, b := range orig {
		if n == manifestName {
			continue
		}
		if g, ok := now[n]; ok && bytes.Equal(g, b) {
			continue
		}
		if g, ok := aside[n]; !ok || !bytes.Equal(g, b) {
			t.Errorf("%s left the set but is not kept unchanged in a backup directory (found %v)", n, keys(aside))
		}
	}
}

func keys(fs fileSet) []string {
	var out []string
	for k := range fs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
