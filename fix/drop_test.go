package fix_test

// Done-when item 3: `fix --drop flushall` undoes an accidental FLUSHALL. A real redis-server
// (aof-timestamp-enabled yes) is started on a copy of a real multi-part set, writes keys, runs
// FLUSHALL, writes more (and a MULTI/EXEC holding another FLUSHALL), and stops with SHUTDOWN
// NOSAVE. `fix --drop flushall` must give the set with those records cut out by hand (byte for
// byte: MULTI/EXEC and everything else stay), which loads in real Redis to the same dataset;
// the report names each dropped record (offset, command). `--since T` drops only the records
// dated at or after T, and is a usage error (exit 2, saying why) on a set without #TS.

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/aofkit/aofkit/internal/redistest"
)

// flushallSet is a multi-part set written by a real server, with FLUSHALL records in its last
// incr file.
type flushallSet struct {
	dir      string // the AOF directory (a copy stays untouched: callers copy it again)
	last     string // name of the last incr file
	recs     []rec  // its records
	flushes  []rec  // its FLUSHALL records
	stamps   []int64
	inputRaw fileSet
}

// makeFlushallSet starts a real server on a copy of fixture, writes, FLUSHALLs, writes more and
// stops it with SHUTDOWN NOSAVE.
func makeFlushallSet(t *testing.T, fixture string) *flushallSet {
	t.Helper()
	data := t.TempDir()
	copyFixture(t, fixture, filepath.Join(data, aofDir))
	preamble := "yes"
	if fixture == fxMPResp {
		preamble = "no"
	}
	args := append(redistest.AOFArgs(aofDir, "appendonly.aof", nil), "--aof-timestamp-enabled", "yes", "--aof-use-rdb-preamble", preamble)
	srv := redistest.Start(t, redistest.Options{Dir: data, Args: args})
	ctx := context.Background()
	c := srv.Client()
	for i := 0; i < 5; i++ {
		srv.Do(t, "SET", fmt.Sprintf("before:%d", i), "v")
	}
	srv.Do(t, "FLUSHALL")
	srv.Do(t, "SET", "after:1", "x")
	srv.Do(t, "RPUSH", "after:list", "a", "b")
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "tx:1", "one", 0)
		p.FlushAll(ctx)
		p.Set(ctx, "tx:2", "two", 0)
		return nil
	}); err != nil {
		t.Fatalf("MULTI with FLUSHALL: %v", err)
	}
	srv.Do(t, "SET", "after:2", "y")
	srv.Stop(t)

	s := &flushallSet{dir: filepath.Join(data, aofDir)}
	es := parseManifest(t, readFile(t, filepath.Join(s.dir, manifestName)))
	s.last = es[len(es)-1].Name
	s.recs = parseRESP(t, readFile(t, filepath.Join(s.dir, s.last)), 0)
	ts := int64(-1)
	for _, r := range s.recs {
		if r.Args == nil {
			if v, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(string(readFile(t, filepath.Join(s.dir, s.last))[r.Off:r.End]), "#TS:")), 10, 64); err == nil {
				ts = v
			}
			continue
		}
		if r.Arg0 == "FLUSHALL" {
			s.flushes = append(s.flushes, r)
			s.stamps = append(s.stamps, ts)
		}
	}
	if len(s.flushes) != 2 {
		t.Fatalf("%s: want 2 FLUSHALL records in %s, found %d", fixture, s.last, len(s.flushes))
	}
	for _, st := range s.stamps {
		if st < 0 {
			t.Fatalf("%s: a FLUSHALL record has no #TS before it (aof-timestamp-enabled yes)", fixture)
		}
	}
	s.inputRaw = readDir(t, s.dir)
	return s
}

// handCut returns a copy of the set (in a new directory) with the given records of the last
// file cut out by hand.
func (s *flushallSet) handCut(t *testing.T, drop []rec) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), aofDir)
	copyPath(t, s.dir, dir)
	b := readFile(t, filepath.Join(dir, s.last))
	for i := len(drop) - 1; i >= 0; i-- {
		b = cut(b, drop[i].Off, drop[i].End)
	}
	writeFile(t, filepath.Join(dir, s.last), b)
	return dir
}

func TestDropFlushall(t *testing.T) {
	for _, fx := range []string{fxMPRDB, fxMPResp} {
		t.Run(fx, func(t *testing.T) {
			s := makeFlushallSet(t, fx)
			// The input: the FLUSHALLs wiped everything written before them.
			in, ok, _ := load(t, s.dir, false)
			if !ok {
				t.Fatal("the set written by the server does not load")
			}

			hand := s.handCut(t, s.flushes)
			want := mustLoad(t, hand)

			dir := filepath.Join(t.TempDir(), aofDir)
			copyPath(t, s.dir, dir)
			r, rep := runFixJSON(t, "--drop", "flushall", "--yes", dir)
			if r.code != 0 || rep.Plan == nil || rep.Result == nil {
				t.Fatalf("fix --drop flushall: %s", r)
			}
			// Byte for byte what the hand cut gives (the files may have new names).
			if got, w := readListed(t, dir), readListed(t, hand); !got.equal(w) {
				t.Errorf("the repaired set lists %v, the hand-cut one %v", got, w)
			}
			got := mustLoad(t, dir)
			if d := sameData(want, got); d != "" {
				t.Errorf("dataset after fix --drop flushall differs from the hand-cut set's:\n%s", d)
			}
			if len(got.keys) <= len(in.keys) {
				t.Errorf("the undo restored nothing: %d keys after, %d before", len(got.keys), len(in.keys))
			}
			// The report names each dropped record.
			var dropped []string
			for _, f := range rep.Plan.Files {
				if f.Name != s.last {
					if f.Action != "keep" {
						t.Errorf("%s: action %s, want keep", f.Name, f.Action)
					}
					continue
				}
				for _, d := range f.Dropped {
					dropped = append(dropped, fmt.Sprintf("%d-%d %s", d.Offset, d.End, strings.ToUpper(d.Command)))
				}
				if f.DroppedRecords != 2 {
					t.Errorf("%s: dropped_records %d, want 2", f.Name, f.DroppedRecords)
				}
			}
			var want2 []string
			for _, f := range s.flushes {
				want2 = append(want2, fmt.Sprintf("%d-%d FLUSHALL", f.Off, f.End))
			}
			if strings.Join(dropped, ", ") != strings.Join(want2, ", ") {
				t.Errorf("report lists dropped records %q, want %q", dropped, want2)
			}
			if rep.Plan.PointInTime {
				t.Error("point_in_time is true for a --drop repair")
			}
			// The text report names them too.
			dir2 := filepath.Join(t.TempDir(), aofDir)
			copyPath(t, s.dir, dir2)
			tr := runFix(t, "--drop", "flushall", "--dry-run", dir2)
			for _, f := range s.flushes {
				line := fmt.Sprintf("offset %d-%d: FLUSHALL", f.Off, f.End)
				if !strings.Contains(strings.ToUpper(tr.stdout), strings.ToUpper(line)) {
					t.Errorf("text report does not name %q:\n%s", line, tr.stdout)
				}
			}
			if tr.code != 1 {
				t.Errorf("--dry-run with something to drop: exit %d, want 1", tr.code)
			}
		})
	}
}

// TestDropSince: --since T drops only the FLUSHALL records dated (by the #TS before them) at
// or after T.
func TestDropSince(t *testing.T) {
	s := makeFlushallSet(t, fxMPRDB)
	first, lastTS := s.stamps[0], s.stamps[len(s.stamps)-1]
	for _, since := range []int64{first - 1, first, first + 1, lastTS, lastTS + 1} {
		t.Run(strconv.FormatInt(since-first, 10), func(t *testing.T) {
			var want []rec
			for i, f := range s.flushes {
				if s.stamps[i] >= since {
					want = append(want, f)
				}
			}
			dir := filepath.Join(t.TempDir(), aofDir)
			copyPath(t, s.dir, dir)
			r, rep := runFixJSON(t, "--drop", "flushall", "--since", strconv.FormatInt(since, 10), "--yes", dir)
			if r.code != 0 {
				t.Fatalf("fix: %s", r)
			}
			var got []int64
			for _, f := range rep.Plan.Files {
				for _, d := range f.Dropped {
					got = append(got, d.Offset)
				}
			}
			var wantOffs []int64
			for _, f := range want {
				wantOffs = append(wantOffs, f.Off)
			}
			if fmt.Sprint(got) != fmt.Sprint(wantOffs) {
				t.Errorf("--since %d dropped records at %v, want %v (FLUSHALL stamps %v)", since, got, wantOffs, s.stamps)
			}
			if g, w := readListed(t, dir), readListed(t, s.handCut(t, want)); !g.equal(w) {
				t.Errorf("result lists %v, want %v", g, w)
			}
		})
	}
}

// TestDropSinceSplits: with a #TS line added by hand before the MULTI that holds the second
// FLUSHALL (the server wrote both in the same second), --since between the two stamps drops
// the second record only.
func TestDropSinceSplits(t *testing.T) {
	s := makeFlushallSet(t, fxMPRDB)
	last := filepath.Join(s.dir, s.last)
	b := readFile(t, last)
	var multi rec
	for _, r := range s.recs {
		if r.Arg0 == "MULTI" && r.Off < s.flushes[1].Off {
			multi = r
		}
	}
	later := s.stamps[0] + 5
	b = insert(b, multi.Off, fmt.Sprintf("#TS:%d\r\n", later))
	writeFile(t, last, b)
	recs := parseRESP(t, b, 0)
	var flushes []rec
	for _, r := range recs {
		if r.Arg0 == "FLUSHALL" {
			flushes = append(flushes, r)
		}
	}
	r, rep := runFixJSON(t, "--drop", "flushall", "--since", strconv.FormatInt(s.stamps[0]+1, 10), "--yes", s.dir)
	if r.code != 0 {
		t.Fatalf("fix: %s", r)
	}
	var got []int64
	for _, f := range rep.Plan.Files {
		for _, d := range f.Dropped {
			got = append(got, d.Offset)
		}
	}
	if len(got) != 1 || got[0] != flushes[1].Off {
		t.Errorf("dropped records at %v, want only the second FLUSHALL at %d", got, flushes[1].Off)
	}
	l := readListed(t, s.dir)
	if w := cut(b, flushes[1].Off, flushes[1].End); string(l[len(l)-1].Data) != string(w) {
		t.Errorf("the last file is not the input minus the second FLUSHALL")
	}
	mustLoad(t, s.dir)
}

// TestDropSinceWithoutTimestamps: --since on a set without #TS annotations is exit 2 with a
// message that says why; nothing is changed.
func TestDropSinceWithoutTimestamps(t *testing.T) {
	for _, c := range []struct{ name, src string }{
		{"single", filepath.Join(realRoot, fxSingle)},
		{"multipart-7.0.15", "../testdata/fixtures/redis-7.0.15/aof"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), filepath.Base(c.src))
			copyPath(t, c.src, dst)
			before := snapshot(t, dst)
			for _, json := range []bool{false, true} {
				args := []string{"--drop", "flushall", "--since", "1700000000", "--yes", dst}
				if json {
					args = append([]string{"--json"}, args...)
				}
				r := runFix(t, args...)
				if r.code != 2 {
					t.Errorf("json=%v: exit %d, want 2\n%s", json, r.code, r)
				}
				if !strings.Contains(r.stderr, "#TS") || !strings.Contains(r.stderr, "aof-timestamp-enabled") {
					t.Errorf("json=%v: the message does not say why (no #TS annotations, aof-timestamp-enabled):\n%s", json, r)
				}
				if json && !strings.Contains(r.stdout, `"error"`) {
					t.Errorf("--json printed no report with the error:\n%s", r)
				}
			}
			if d := diffSets(before, snapshot(t, dst)); d != "" {
				t.Errorf("the input changed:\n%s", d)
			}
		})
	}
}

// snapshot reads a single file or a flat directory.
func snapshot(t testing.TB, path string) fileSet {
	t.Helper()
	if isDir(path) {
		return readDir(t, path)
	}
	return fileSet{filepath.Base(path): readFile(t, path)}
}

// TestDropAcrossFiles: --drop set removes every SET record of every RESP part of a set (the
// RESP base and both incr files), in place; what the new manifest lists is the input with those
// records cut out by hand, and it loads to the hand-cut set's dataset.
func TestDropAcrossFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), aofDir)
	copyFixture(t, fxMPResp, dir)
	hand := filepath.Join(t.TempDir(), aofDir)
	copyFixture(t, fxMPResp, hand)
	n := 0
	for _, f := range []string{baseResp, incr2, incr3} {
		b := readFile(t, filepath.Join(hand, f))
		recs := parseRESP(t, b, 0)
		for i := len(recs) - 1; i >= 0; i-- {
			if recs[i].Arg0 == "SET" {
				b = cut(b, recs[i].Off, recs[i].End)
				n++
			}
		}
		writeFile(t, filepath.Join(hand, f), b)
	}
	r, rep := runFixJSON(t, "--drop", "SET", "--yes", dir)
	if r.code != 0 {
		t.Fatalf("fix: %s", r)
	}
	var dropped int64
	for _, f := range rep.Plan.Files {
		dropped += f.DroppedRecords
	}
	if dropped != int64(n) {
		t.Errorf("dropped_records %d in all, want %d", dropped, n)
	}
	if got, want := readListed(t, dir), readListed(t, hand); !got.equal(want) {
		t.Errorf("result lists %v, want %v", got, want)
	}
	if d := sameData(mustLoad(t, hand), mustLoad(t, dir)); d != "" {
		t.Errorf("dataset differs from the hand-cut set's:\n%s", d)
	}
	checkMovedAside(t, filepath.Join(realRoot, fxMPResp), dir)
}

// TestDropTransactionFraming: dropping MULTI or EXEC records would leave transactions open or
// stray (the loader then reverts or ignores them, and redis-check-aof rejects the file): fix
// must refuse (usage error, exit 2) or produce a result that check accepts and that loads
// with aof-load-truncated no — never exit 0 with a set the server refuses.
func TestDropTransactionFraming(t *testing.T) {
	for _, name := range []string{"exec", "multi", "multi,exec"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "appendonly.aof")
			copyFixture(t, fxSingle, p)
			r := runFix(t, "--drop", name, "--yes", p)
			switch r.code {
			case 2:
				return
			case 0:
				if _, ok, log := load(t, p, false); !ok {
					t.Errorf("fix --drop %s exited 0, and the result does not load:\n%s", name, lastLines(log, 4))
				}
				if c := runCheckValid(t, p); !c {
					t.Errorf("fix --drop %s exited 0, and check rejects the result", name)
				}
			default:
				t.Errorf("exit %d: %s", r.code, r)
			}
		})
	}
}
