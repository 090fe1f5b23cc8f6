package fix_test

// Done-when item 1: differential tests of `aofkit fix` (default mode) against the real
// `redis-check-aof --fix` (Debian 7.0.15) on damaged variants of the real-server AOFs of
// ../testdata/real: truncated at (by default a sample of, under AOFKIT_LONG=1 every) offset of
// single-resp.aof and of the last incr file of multipart-resp (RESP base) and multipart-rdb
// (RDB base); garbage between records; an open MULTI at the end; a zero-filled tail; a stray
// EXEC, a nested MULTI; records only the loader refuses (unknown command, `*0`). Also sampled
// cuts of two larger fixtures of ../testdata/fixtures: a Redis 6.2 single file with an RDB
// preamble (including cuts inside the RDB part, which both tools refuse) and a Redis 7.0 set.
//
// For every variant three copies are made: redis-check-aof --fix fixes copy A (answering "y"),
// `fix --yes` copy B in place, `fix --yes -o OUT` copy C into OUT. Wherever redis-check-aof
// fixes (exit 0) and its result loads in redis-server with aof-load-truncated no, B and OUT must
// be byte-identical to A, and C untouched. Where A's result does not load (redis-check-aof
// accepts what the loader refuses), our result must differ and load. Our result always passes
// our own check, and it loads in redis-server with aof-load-truncated no (sampled by default,
// every variant under AOFKIT_LONG=1, and always where A and B differ). Where redis-check-aof
// refuses (damage in a non-last file), our documented outcome is checked instead.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aofkit/aofkit/check"
	"github.com/aofkit/aofkit/internal/redistest"
)

// variant is a damaged copy of a fixture: file (a name in the fixture's directory, or the
// fixture itself for a single file) gets content data.
type variant struct {
	name    string
	fixture string
	file    string
	data    []byte
	// nonLast: the damage is in a file redis-check-aof will not fix.
	nonLast bool
}

func (v variant) multi() bool { return v.fixture != fxSingle && v.fixture != fxPreamble }

// Fixtures of other versions (../testdata/fixtures, named relative to realRoot): a single file
// with an RDB preamble (Redis 6.2) and a 7.0 set with a large incr file.
const (
	fxPreamble = "../fixtures/redis-6.2.16/appendonly.aof"
	fxBig70    = "../fixtures/redis-7.0.15/aof"
	big70Incr  = "appendonly.aof.2.incr.aof"
)

// largeVariants damages the RESP part of a large fixture file (from offset tail on): cuts at
// evenly spaced offsets (30 by default, 300 under AOFKIT_LONG=1) and at the end of the RDB part,
// a zero-filled tail, garbage; and cuts inside the RDB part, which nothing can repair.
func largeVariants(t testing.TB, fixture, file string, tail int64) []variant {
	src := filepath.Join(realRoot, fixture)
	if file != fixture {
		src = filepath.Join(src, file)
	}
	orig := readFile(t, src)
	n := int64(len(orig))
	var vs []variant
	add := func(name string, data []byte) {
		vs = append(vs, variant{name: fmt.Sprintf("%s/%s", fixture, name), fixture: fixture, file: file, data: data})
	}
	count := int64(30)
	if longMode() {
		count = 300
	}
	for i := int64(0); i < count; i++ {
		k := tail + (n-tail)*i/count + i%7
		add(fmt.Sprintf("truncated-at-%d", k), orig[:k])
	}
	add("zero-filled-tail", append(bytes.Clone(orig), make([]byte, 4096)...))
	add("garbage-at-end", append(bytes.Clone(orig), "garbage\r\n*1\r\n$4\r\nPING\r\n"...))
	if tail > 0 {
		add("truncated-in-rdb", orig[:tail/2])
		add("truncated-rdb-end", orig[:tail-1])
	}
	return vs
}

// stageVariant writes v under root and returns the path to give fix (the file, or the AOF
// directory) and the one to give redis-check-aof (the file, or the manifest).
func stageVariant(t testing.TB, v variant, root string) (fixPath, ckPath string) {
	t.Helper()
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if !v.multi() {
		p := filepath.Join(root, "appendonly.aof")
		writeFile(t, p, v.data)
		return p, p
	}
	dir := filepath.Join(root, aofDir)
	copyFixture(t, v.fixture, dir)
	writeFile(t, filepath.Join(dir, v.file), v.data)
	return dir, filepath.Join(dir, manifestName)
}

// resultSet is what a repaired variant holds: the file of a single AOF, or every file of the
// AOF directory.
func resultSet(t testing.TB, v variant, path string) fileSet {
	t.Helper()
	if !v.multi() {
		return fileSet{"appendonly.aof": readFile(t, path)}
	}
	return readDir(t, path)
}

// truncationOffsets are the lengths a file of size n is cut to: every one under AOFKIT_LONG=1;
// by default every offset of its last two records (every kind of cut: in a header, a `$` line,
// a payload, between CR and LF, at a boundary), of the first 32 bytes of its last MULTI, and
// every 29th elsewhere.
func truncationOffsets(t testing.TB, b []byte) []int64 {
	recs := parseRESP(t, b, 0)
	n := int64(len(b))
	if longMode() {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i)
		}
		return out
	}
	tail := recs[len(recs)-2].Off
	multi := int64(-1)
	for _, r := range recs {
		if r.Arg0 == "MULTI" {
			multi = r.Off
		}
	}
	var out []int64
	for k := int64(0); k < n; k++ {
		switch {
		case k >= tail, multi >= 0 && k >= multi && k < multi+32, k%29 == 0:
			out = append(out, k)
		}
	}
	return out
}

// recordBoundaries returns the offsets between records (annotations count as records) that are
// outside any MULTI/EXEC, and those inside one.
func recordBoundaries(recs []rec) (outside, inside []int64) {
	inMulti := false
	for i, r := range recs {
		if i > 0 {
			if inMulti {
				inside = append(inside, r.Off)
			} else {
				outside = append(outside, r.Off)
			}
		}
		switch r.Arg0 {
		case "MULTI":
			inMulti = true
		case "EXEC":
			inMulti = false
		}
	}
	return outside, inside
}

// diffVariants builds the damaged variants of one file of a fixture.
func diffVariants(t testing.TB, fixture, file string, nonLast bool) []variant {
	var orig []byte
	if fixture == fxSingle {
		orig = readFile(t, filepath.Join(realRoot, fixture))
	} else {
		orig = readFile(t, filepath.Join(realRoot, fixture, file))
	}
	recs := parseRESP(t, orig, 0)
	var vs []variant
	add := func(name string, data []byte) {
		vs = append(vs, variant{name: fmt.Sprintf("%s/%s/%s", fixture, file, name), fixture: fixture, file: file, data: data, nonLast: nonLast})
	}
	if !nonLast {
		for _, k := range truncationOffsets(t, orig) {
			add(fmt.Sprintf("truncated-at-%d", k), orig[:k])
		}
	}
	outside, inside := recordBoundaries(recs)
	pick := func(offs []int64, n int) []int64 {
		if longMode() || len(offs) <= n {
			return offs
		}
		var out []int64
		for i := 0; i < n; i++ {
			out = append(out, offs[i*(len(offs)-1)/(n-1)])
		}
		return out
	}
	for _, off := range pick(outside, 4) {
		add(fmt.Sprintf("garbage-at-%d", off), insert(orig, off, "garbage\r\n"))
		add(fmt.Sprintf("zeros-at-%d", off), insert(orig, off, strings.Repeat("\x00", 64)))
	}
	for _, off := range pick(inside, 2) {
		add(fmt.Sprintf("garbage-in-multi-at-%d", off), insert(orig, off, "$garbage\r\n"))
	}
	if nonLast {
		return vs
	}
	add("zero-filled-tail", append(append([]byte{}, orig...), make([]byte, 4096)...))
	add("zeroed-last-bytes", append(append([]byte{}, orig[:len(orig)-20]...), make([]byte, 20)...))
	add("open-multi-at-end", append(append([]byte{}, orig...), "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"...))
	add("open-multi-then-truncated", append(append([]byte{}, orig...), "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1"...))
	mid := outside[len(outside)/2]
	add("stray-exec", insert(orig, mid, "*1\r\n$4\r\nEXEC\r\n"))
	add("nested-multi", insert(orig, mid, "*1\r\n$5\r\nMULTI\r\n*1\r\n$5\r\nMULTI\r\n*1\r\n$4\r\nEXEC\r\n"))
	add("unknown-command", insert(orig, mid, "*2\r\n$7\r\nNOSUCHC\r\n$1\r\nk\r\n"))
	add("star-zero", insert(orig, mid, "*0\r\n"))
	add("bad-crlf-after-bulk", replaceAt(orig, recs[len(recs)-1].PayloadAt[0]+int64(len(recs[len(recs)-1].Args[0])), 2, "XY"))
	return vs
}

// diffOutcome is the result of one variant.
type diffOutcome struct {
	v                  variant
	fixB, fixC         cliResult
	pathA, pathB, out  string
	ckA                string // redis-check-aof's path
	ckCode             int
	ckOut              string
	ckErr              error
	inputC             fileSet // C before the run
	setA, setB, setOut fileSet
}

func TestDifferentialCheckAOFFix(t *testing.T) {
	ckBin := redistest.RequireBinary(t, "redis-check-aof")
	redistest.RequireBinary(t, "redis-server")
	var vs []variant
	vs = append(vs, diffVariants(t, fxSingle, fxSingle, false)...)
	vs = append(vs, diffVariants(t, fxMPResp, incr3, false)...)
	vs = append(vs, diffVariants(t, fxMPRDB, incr3, false)...)
	vs = append(vs, diffVariants(t, fxMPResp, incr2, true)...)
	vs = append(vs, diffVariants(t, fxMPRDB, incr2, true)...)
	vs = append(vs, largeVariants(t, fxPreamble, fxPreamble, rdbEnd(t, filepath.Join(realRoot, fxPreamble)))...)
	vs = append(vs, largeVariants(t, fxBig70, big70Incr, 0)...)
	root := t.TempDir()
	outs := make([]*diffOutcome, len(vs))

	// Our fix, in-process, on copies B (in place) and C (-o OUT).
	for i, v := range vs {
		o := &diffOutcome{v: v}
		outs[i] = o
		vr := filepath.Join(root, fmt.Sprint(i))
		o.pathA, o.ckA = stageVariant(t, v, filepath.Join(vr, "a"))
		o.pathB, _ = stageVariant(t, v, filepath.Join(vr, "b"))
		pathC, _ := stageVariant(t, v, filepath.Join(vr, "c"))
		o.inputC = resultSet(t, v, pathC)
		o.out = filepath.Join(vr, "out")
		if !v.multi() {
			o.out = filepath.Join(vr, "out.aof")
		}
		o.fixB = runFix(t, "--yes", o.pathB)
		o.fixC = runFix(t, "--yes", "-o", o.out, pathC)
		if got := resultSet(t, v, pathC); diffSets(o.inputC, got) != "" {
			t.Errorf("%s: fix -o changed its input:\n%s", v.name, diffSets(o.inputC, got))
		}
	}

	// redis-check-aof --fix on copies A, two at a time.
	var wg sync.WaitGroup
	next := make(chan *diffOutcome)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range next {
				o.ckCode, o.ckOut, o.ckErr = checkAOF(ckBin, "y\n", "--fix", o.ckA)
			}
		}()
	}
	for _, o := range outs {
		next <- o
	}
	close(next)
	wg.Wait()

	var identical, noop, ckNotLoading, refused, rdbRefused, loads int
	sample := 0
	var notLoading []string
	for i, o := range outs {
		v := o.v
		if o.ckErr != nil {
			t.Fatalf("%s: redis-check-aof: %v\n%s", v.name, o.ckErr, o.ckOut)
		}
		rdbCut := strings.Contains(v.name, "truncated-in-rdb") || strings.Contains(v.name, "truncated-rdb-end")
		if o.fixB.code != 0 && !rdbCut {
			t.Errorf("%s: fix --yes: %s", v.name, o.fixB)
			continue
		}
		if o.fixC.code != 0 && !rdbCut {
			t.Errorf("%s: fix --yes -o: %s", v.name, o.fixC)
			continue
		}
		o.setA, o.setB = resultSet(t, v, o.pathA), resultSet(t, v, o.pathB)
		if strings.Contains(o.fixB.stdout, "Nothing to change.") {
			noop++
		}
		// Our result passes our own check.
		if !rdbCut && !runCheckValid(t, o.pathB) {
			t.Errorf("%s: the result of fix is not valid for check", v.name)
		}
		mustLoadB := longMode() || i%(len(outs)/20+1) == 0
		switch {
		case v.nonLast:
			if o.ckCode != 1 || !strings.Contains(o.ckOut, "because it is not the last file") {
				t.Errorf("%s: redis-check-aof was expected to refuse a non-last file, exit %d:\n%s", v.name, o.ckCode, o.ckOut)
			}
			refused++
			checkNonLastOutcome(t, o)
			mustLoadB = mustLoadB || i%4 == 0
		case strings.Contains(v.name, "truncated-in-rdb") || strings.Contains(v.name, "truncated-rdb-end"):
			// Nobody can cut an RDB section: both refuse, nothing changes.
			if o.ckCode != 1 || !strings.Contains(o.ckOut, "RDB preamble of AOF file is not sane") && !strings.Contains(o.ckOut, "rdb file reading failure") {
				t.Errorf("%s: redis-check-aof was expected to refuse the RDB part, exit %d:\n%s", v.name, o.ckCode, o.ckOut)
			}
			if o.fixB.code != 1 || !strings.Contains(o.fixB.stderr, "RDB section") {
				t.Errorf("%s: fix: want exit 1 naming the RDB section: %s", v.name, o.fixB)
			}
			if d := diffSets(fileSet{"appendonly.aof": v.data}, o.setB); d != "" {
				t.Errorf("%s: fix changed the file:\n%s", v.name, d)
			}
			rdbRefused++
			continue
		case o.ckCode != 0:
			t.Errorf("%s: redis-check-aof --fix refused a last-file repair (exit %d):\n%s", v.name, o.ckCode, o.ckOut)
			continue
		default:
			d := diffSets(o.setA, o.setB)
			if d == "" {
				identical++
			} else {
				// Only acceptable when redis-check-aof's result does not load.
				if _, ok, _ := load(t, o.pathA, false); ok {
					t.Errorf("%s: redis-check-aof --fix's result loads, and ours differs:\n%s--- fix ---\n%s--- redis-check-aof ---\n%s", v.name, d, o.fixB.stdout, o.ckOut)
					continue
				}
				ckNotLoading++
				notLoading = append(notLoading, v.name)
				mustLoadB = true
			}
		}
		if o.setOut = readOut(t, v, o.out); o.setOut != nil {
			if d := diffSets(o.setB, o.setOut); d != "" {
				t.Errorf("%s: fix -o OUT differs from fix in place:\n%s", v.name, d)
			}
		} else if !strings.Contains(o.fixC.stdout, "Nothing to change.") {
			t.Errorf("%s: fix -o %s wrote nothing:\n%s", v.name, o.out, o.fixC)
		}
		if mustLoadB {
			sample++
			if _, ok, log := load(t, o.pathB, false); !ok {
				t.Errorf("%s: redis-server (aof-load-truncated no) refuses the result of fix:\n%s\n--- fix ---\n%s", v.name, lastLines(log, 6), o.fixB.stdout)
			} else {
				loads++
			}
		}
	}
	t.Logf("%d variants: %d byte-identical to redis-check-aof --fix (%d with nothing to change), %d where its result does not load (ours does), %d non-last and %d RDB cuts refused by both; %d of our results loaded in redis-server (aof-load-truncated no) of %d tried",
		len(outs), identical, noop, ckNotLoading, refused, rdbRefused, loads, sample)
	t.Logf("redis-check-aof --fix's result does not load: %s", strings.Join(notLoading, ", "))
}

// rdbEnd is where the RESP tail of a file with an RDB preamble starts (found by check).
func rdbEnd(t testing.TB, path string) int64 {
	t.Helper()
	rep, err := check.Run(context.Background(), check.Options{Path: path})
	if err != nil || len(rep.Files) != 1 || rep.Files[0].RDBEnd == 0 {
		t.Fatalf("%s: no RDB preamble found (err %v)", path, err)
	}
	return rep.Files[0].RDBEnd
}

// readOut reads what fix -o wrote: nil when OUT does not exist.
func readOut(t testing.TB, v variant, out string) fileSet {
	t.Helper()
	if !exists(out) {
		return nil
	}
	if !v.multi() {
		return fileSet{"appendonly.aof": readFile(t, out)}
	}
	return readDir(t, out)
}

// checkNonLastOutcome checks the documented outcome of damage in a non-last incr file (the
// default mode): that file is cut at the damage and renamed under the next sequence number,
// the later incr files leave the manifest (moved aside), the base is untouched.
func checkNonLastOutcome(t *testing.T, o *diffOutcome) {
	t.Helper()
	v := o.v
	orig := readDir(t, filepath.Join(realRoot, v.fixture))
	es := parseManifest(t, o.setB[manifestName])
	if len(es) != 2 || es[0].Type != 'b' || es[1].Type != 'i' {
		t.Errorf("%s: manifest after fix is %+v, want the base and one incr file", v.name, es)
		return
	}
	base := baseResp
	if v.fixture == fxMPRDB {
		base = baseRDB
	}
	if es[0].Name != base || !bytesEqual(o.setB[base], orig[base]) {
		t.Errorf("%s: the base changed: %+v", v.name, es[0])
	}
	if es[1].Name != "appendonly.aof.4.incr.aof" || es[1].Seq != 4 {
		t.Errorf("%s: the cut incr file is %+v, want appendonly.aof.4.incr.aof seq 4", v.name, es[1])
	}
	cutData := o.setB[es[1].Name]
	if !bytesEqual(cutData, v.data[:len(cutData)]) || len(cutData) >= len(v.data) {
		t.Errorf("%s: the new incr file (%d bytes) is not a proper prefix of the damaged one (%d bytes)", v.name, len(cutData), len(v.data))
	}
	for _, n := range []string{incr2, incr3} {
		if _, ok := o.setB[n]; ok {
			t.Errorf("%s: %s is still in the AOF directory", v.name, n)
		}
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
