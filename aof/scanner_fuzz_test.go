package aof

// FuzzScanner checks the scanner's invariants on any input, and compares every record's
// verdicts with small reference models of the two C readers written independently of
// scanner.go: a model of a stdio stream (fgets, fread, the EOF flag) driven by the record loops
// of loadSingleAppendOnlyFile (src/aof.c @ 7.0.15) and of processRESP (src/redis-check-aof.c @
// 7.0.15).
//
// Run: go test -run '^$' -fuzz '^FuzzScanner$' -fuzztime 10m ./aof/
//
// Seeds (testdata/fuzz/FuzzScanner, Go corpus format; no README there, the fuzzer would read
// it as a corpus entry): real-* are byte ranges of the real-server fixtures in ../testdata/real
// named by file and offsets (real-single-resp-600-900 is single-resp.aof[600:900], "tail-300"
// its last 300 bytes, real-incr2/real-incr3/real-manifest whole files of multipart-resp,
// real-rdb-base-0-128 the first 128 bytes of multipart-rdb's RDB base); shape-* are the rows of
// scCases in scanner_test.go (plus a 1 KiB bulk and a 64-byte zero tail), which f.Add also
// adds so new rows are seeds at once.

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"testing"
	"unsafe"
)

// refStream models a C FILE over data: a position and the EOF indicator, which glibc sets only
// when a read finds no more bytes (fgets stopping at '\n' or at its size limit does not).
type refStream struct {
	d   []byte
	pos int
	eof bool
}

// fgets(buf, size, fp): the bytes stored before the terminating NUL, and false for NULL
// (nothing read because the stream is at its end).
func (f *refStream) fgets(size int) ([]byte, bool) {
	start := f.pos
	for f.pos-start < size-1 {
		if f.pos == len(f.d) {
			f.eof = true
			break
		}
		c := f.d[f.pos]
		f.pos++
		if c == '\n' {
			break
		}
	}
	if f.pos == start {
		return nil, false
	}
	return f.d[start:f.pos], true
}

// fread(ptr, n, 1, fp) == 1: whether n bytes were there (a short read consumes what is left
// and sets EOF).
func (f *refStream) fread(n uint64) ([]byte, bool) {
	if n > uint64(len(f.d)-f.pos) {
		f.pos = len(f.d)
		f.eof = true
		return nil, false
	}
	b := f.d[f.pos : f.pos+int(n)]
	f.pos += int(n)
	return b, true
}

// refStrtol is C strtol(s, &end, 10) on a buffer read by fgets (a NUL, like any non-digit,
// ends the number): the value saturated to the long range, and the index of end (0 when no
// digits were found).
func refStrtol(s []byte) (int64, int) {
	i := 0
	for i < len(s) && bytes.IndexByte([]byte(" \t\n\v\f\r"), s[i]) >= 0 {
		i++
	}
	j := i
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	k := j
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if k == j {
		return 0, 0
	}
	v, err := strconv.ParseInt(string(s[i:k]), 10, 64)
	if err != nil { // out of range: strtol saturates
		if s[i] == '-' {
			v = math.MinInt64
		} else {
			v = math.MaxInt64
		}
	}
	return v, k
}

// refLoader runs one iteration of the loader's record loop at p (d[p] == '*'): the end of the
// record and its arguments, or the fault.
func refLoader(d []byte, p int) (end int, args [][]byte, fault FaultKind) {
	f := &refStream{d: d, pos: p}
	buf, _ := f.fgets(1024)
	if len(buf) < 2 || buf[1] == 0 { // buf[1] == '\0' → readerr
		if f.eof {
			return 0, nil, FaultTruncated
		}
		return 0, nil, FaultFormat // "Unrecoverable error reading the append only file": it refuses to start
	}
	v, _ := refStrtol(buf[1:])
	argc := int32(v) // atoi
	if argc < 1 {
		return 0, nil, FaultFormat
	}
	for j := int32(0); j < argc; j++ {
		line, ok := f.fgets(1024)
		if !ok {
			return 0, nil, FaultTruncated // readerr at EOF
		}
		if line[0] != '$' {
			return 0, nil, FaultFormat
		}
		n, _ := refStrtol(line[1:])
		if n < 0 {
			return 0, nil, FaultCrash // (unsigned long)n ≈ 2^64: sdsnewlen fails
		}
		var arg []byte
		if n > 0 {
			if arg, ok = f.fread(uint64(n)); !ok {
				return 0, nil, FaultTruncated
			}
		} else {
			arg = d[f.pos:f.pos]
		}
		if _, ok := f.fread(2); !ok {
			return 0, nil, FaultTruncated
		}
		args = append(args, arg)
	}
	return f.pos, args, FaultNone
}

// refChecker runs processRESP at p (d[p] == '*'): whether it accepts, the end of the record,
// epos at a failure, and how many lines it counted.
func refChecker(d []byte, p int) (end int, ok bool, epos int, lines int64) {
	f := &refStream{d: d, pos: p}
	readLong := func(prefix byte) (int64, bool) {
		epos = f.pos
		buf, ok := f.fgets(128)
		if !ok || buf[0] != prefix {
			return 0, false
		}
		v, e := refStrtol(buf[1:])
		eptr := 1 + e
		if eptr+1 < len(buf) && buf[eptr] == '\r' && buf[eptr+1] == '\n' {
			lines++
			return v, true
		}
		return 0, false
	}
	argc, ok := readLong('*')
	if !ok {
		return 0, false, epos, lines
	}
	for i := int64(0); i < argc; i++ {
		n, ok := readLong('$')
		if !ok {
			return 0, false, epos, lines
		}
		if n < 0 || n > math.MaxInt64-2 {
			return 0, false, epos, lines
		}
		epos = f.pos
		b, ok := f.fread(uint64(n) + 2)
		if !ok || b[n] != '\r' || b[n+1] != '\n' {
			return 0, false, epos, lines
		}
		lines++
	}
	return f.pos, true, 0, lines
}

// respEncode writes args as a canonical RESP array.
func respEncode(args [][]byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n", len(a))
		b.Write(a)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// respSpelled reports whether raw is args as RESP with the numbers spelled in any way strtol
// reads as the right value (leading zeros, '+', white space): the encoding modulo spelling.
func respSpelled(raw []byte, args [][]byte) bool {
	num := func(prefix byte) (int64, bool) {
		if len(raw) == 0 || raw[0] != prefix {
			return 0, false
		}
		i := bytes.Index(raw, []byte("\r\n"))
		if i < 0 {
			return 0, false
		}
		v, e := refStrtol(raw[1:i])
		if e != i-1 {
			return 0, false
		}
		raw = raw[i+2:]
		return v, true
	}
	if n, ok := num('*'); !ok || n != int64(len(args)) {
		return false
	}
	for _, a := range args {
		if n, ok := num('$'); !ok || n != int64(len(a)) || len(raw) < len(a)+2 {
			return false
		}
		if !bytes.Equal(raw[:len(a)], a) || raw[len(a)] != '\r' || raw[len(a)+1] != '\n' {
			return false
		}
		raw = raw[len(a)+2:]
	}
	return len(raw) == 0
}

// inside reports whether b's bytes lie within outer's.
func inside(b, outer []byte) bool {
	if len(b) == 0 {
		return true
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(outer)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p+uintptr(len(b)) <= lo+uintptr(len(outer))
}

// scanInvariants scans data at base and fails t on any broken invariant. It returns the
// records' offsets.
func scanInvariants(t *testing.T, data []byte, base int64) []int64 {
	t.Helper()
	var offs []int64
	s := NewScanner(data, base, nil)
	off := base
	prevDamage := false
	for idx := int64(0); s.Next(); idx++ {
		r := s.Record()
		p := int(r.Offset - base)
		if r.Offset != off || r.Index != idx {
			t.Fatalf("record %d at %d (index %d), want at %d", idx, r.Offset, r.Index, off)
		}
		if len(r.Raw) == 0 {
			t.Fatalf("empty record %d at %d", idx, r.Offset)
		}
		if r.End() > base+int64(len(data)) || unsafe.SliceData(r.Raw) != &data[p] {
			t.Fatalf("record %d: Raw does not alias data[%d:%d]", idx, p, r.End()-base)
		}
		if s.Offset() != r.End() {
			t.Fatalf("record %d: scanner offset %d, record end %d", idx, s.Offset(), r.End())
		}
		if got, want := s.LineAt(r.Offset), 1+int64(bytes.Count(data[:p], nl)); got != want {
			t.Fatalf("record %d: LineAt(%d) = %d, want %d", idx, r.Offset, got, want)
		}
		for i, a := range r.Args {
			if !inside(a, r.Raw) {
				t.Fatalf("record %d: argument %d does not alias Raw", idx, i)
			}
		}
		if prevDamage && r.Kind == KindCommand && !(r.Loader.OK() && r.Checker.OK()) {
			t.Fatalf("record %d after damage: resynced on a record a reader rejects (%+v %+v)", idx, r.Loader, r.Checker)
		}
		scCompareWithRef(t, data, base, idx, r)
		prevDamage = r.Kind == KindDamage
		offs = append(offs, r.Offset)
		off = r.End()
	}
	if off != base+int64(len(data)) {
		t.Fatalf("records end at %d, data at %d", off, base+int64(len(data)))
	}
	return offs
}

// scCompareWithRef checks one record against the reference readers.
func scCompareWithRef(t *testing.T, data []byte, base, idx int64, r *Record) {
	t.Helper()
	p := int(r.Offset - base)
	at := func(i int) int64 { return base + int64(i) }
	switch data[p] {
	case '#':
		f := &refStream{d: data, pos: p}
		line, _ := f.fgets(1024)
		if r.Kind != KindAnnotation || len(r.Raw) != len(line) || r.Args != nil {
			t.Fatalf("record %d at %d: %s, want an annotation of %d bytes", idx, r.Offset, r, len(line))
		}
		return
	case '*':
	default:
		if r.Kind != KindDamage || r.Loader.Kind != FaultFormat || r.Checker.OK() || r.CheckerLines != 0 || r.Args != nil {
			t.Fatalf("record %d at %d (byte %q): %s loader %+v checker %+v lines %d, want damage", idx, r.Offset, data[p], r, r.Loader, r.Checker, r.CheckerLines)
		}
		scCheckResync(t, data, base, idx, r)
		return
	}
	lEnd, lArgs, lFault := refLoader(data, p)
	cEnd, cOK, cEpos, cLines := refChecker(data, p)
	if r.Loader.Kind != lFault {
		t.Fatalf("record %d at %d: loader fault %d (%s), reference says %d", idx, r.Offset, r.Loader.Kind, r.Loader.Reason, lFault)
	}
	if r.Checker.OK() != cOK || (!cOK && r.Checker.At != at(cEpos)) || r.CheckerLines != cLines {
		t.Fatalf("record %d at %d: checker %+v lines %d, reference: ok %v epos %d lines %d", idx, r.Offset, r.Checker, r.CheckerLines, cOK, at(cEpos), cLines)
	}
	switch {
	case lFault == FaultNone:
		if r.Kind != KindCommand || r.End() != at(lEnd) || len(r.Args) != len(lArgs) {
			t.Fatalf("record %d at %d: %s with %d args, reference loader: end %d, %d args", idx, r.Offset, r, len(r.Args), at(lEnd), len(lArgs))
		}
		for i := range lArgs {
			if !bytes.Equal(r.Args[i], lArgs[i]) {
				t.Fatalf("record %d at %d: argument %d = %q, reference %q", idx, r.Offset, i, r.Args[i], lArgs[i])
			}
		}
		if cOK {
			if cEnd != lEnd {
				t.Fatalf("record %d at %d: both readers accept, with ends %d and %d", idx, r.Offset, lEnd, cEnd)
			}
			if r.CheckerLines != 1+2*int64(len(r.Args)) {
				t.Fatalf("record %d at %d: %d checker lines for %d arguments", idx, r.Offset, r.CheckerLines, len(r.Args))
			}
			if !bytes.Equal(respEncode(r.Args), r.Raw) && !respSpelled(r.Raw, r.Args) {
				t.Fatalf("record %d at %d: both readers accept %q, but it is not its arguments %q in RESP", idx, r.Offset, r.Raw, r.Args)
			}
		}
	case cOK:
		if r.Kind != KindCommand || r.End() != at(cEnd) || r.Args != nil {
			t.Fatalf("record %d at %d: %s, want a checker-only record ending at %d without Args", idx, r.Offset, r, at(cEnd))
		}
	default:
		if r.Kind != KindDamage || r.Args != nil {
			t.Fatalf("record %d at %d: %s, want damage", idx, r.Offset, r)
		}
		scCheckResync(t, data, base, idx, r)
	}
}

// scCheckResync: damage ends at the end of the data or at the start of a line that begins a
// record both readers accept, or a "#TS:" annotation.
func scCheckResync(t *testing.T, data []byte, base, idx int64, r *Record) {
	t.Helper()
	e := int(r.End() - base)
	if e == len(data) {
		return
	}
	if data[e-1] != '\n' {
		t.Fatalf("record %d: damage %d+%d ends inside a line", idx, r.Offset, len(r.Raw))
	}
	if bytes.HasPrefix(data[e:], []byte("#TS:")) {
		return
	}
	if data[e] != '*' {
		t.Fatalf("record %d: damage %d+%d ends before %q", idx, r.Offset, len(r.Raw), data[e])
	}
	if _, _, f := refLoader(data, e); f != FaultNone {
		t.Fatalf("record %d: damage %d+%d ends before a record the loader rejects", idx, r.Offset, len(r.Raw))
	}
	if _, ok, _, _ := refChecker(data, e); !ok {
		t.Fatalf("record %d: damage %d+%d ends before a record the checker rejects", idx, r.Offset, len(r.Raw))
	}
}

func FuzzScanner(f *testing.F) {
	for _, tc := range scCases() {
		if len(tc.data) <= 4096 {
			f.Add([]byte(tc.data))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const base = 1 << 40
		offs := scanInvariants(t, data, base)
		// Scanning is local: started at any record boundary, the scanner yields the same
		// records as the full scan from there on. Checked at the second boundary and after the
		// first damage.
		var starts []int64
		if len(offs) > 1 {
			starts = append(starts, offs[1])
		}
		full := scanAll(data, base)
		for i, r := range full {
			if r.Kind == KindDamage && i+1 < len(full) {
				starts = append(starts, full[i+1].Offset)
				break
			}
		}
		for _, st := range starts {
			tail := scanAll(data[st-base:], st)
			k := 0
			for k < len(full) && full[k].Offset < st {
				k++
			}
			if len(tail) != len(full)-k {
				t.Fatalf("scan from %d: %d records, full scan has %d from there", st, len(tail), len(full)-k)
			}
			for i := range tail {
				a, b := tail[i], full[k+i]
				a.Index, b.Index = 0, 0
				if a.String() != b.String() || !bytes.Equal(a.Raw, b.Raw) {
					t.Fatalf("scan from %d: record %s, full scan %s", st, a, b)
				}
			}
		}
	})
}
