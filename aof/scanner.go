package aof

import (
	"bytes"
	"fmt"
)

// Kind says what a scanned Record is.
type Kind uint8

const (
	// KindCommand is a RESP array record. Args holds the arguments when the server's loader
	// parses it (Loader.OK()); a record only redis-check-aof accepts (`*0`) has no Args.
	KindCommand Kind = iota + 1
	// KindAnnotation is a line starting with '#' at a record boundary (`#TS:<unix seconds>`).
	KindAnnotation
	// KindDamage is a byte range that neither the loader nor redis-check-aof can read as a
	// record: garbage, a zero-filled tail, a record cut short by the end of the file. It runs
	// from Offset to the next place where records parse again (or the end of the file).
	KindDamage
)

func (k Kind) String() string {
	switch k {
	case KindCommand:
		return "command"
	case KindAnnotation:
		return "annotation"
	case KindDamage:
		return "damage"
	}
	return "unknown"
}

// FaultKind classifies how one reader (the server's loader, or redis-check-aof) fails on a
// record.
type FaultKind uint8

const (
	// FaultNone: the reader accepts the record's framing.
	FaultNone FaultKind = iota
	// FaultFormat: a format error. The loader refuses to start ("Bad file format"); the checker
	// reports an error and stops.
	FaultFormat
	// FaultTruncated: the file ends inside the record. The loader treats it as a short read (it
	// truncates the file under aof-load-truncated yes); the checker reports an error.
	FaultTruncated
	// FaultCrash: the loader's behaviour is undefined (a negative bulk length makes it try to
	// allocate 2^64 bytes and abort). It does not load.
	FaultCrash
)

// Fault is one reader's verdict on a record's framing.
type Fault struct {
	Kind FaultKind
	// At is the file offset where the failing read started (redis-check-aof's `epos`: the start
	// of a header line, or of a bulk payload).
	At int64
	// Reason says what is wrong, in redis-check-aof's words where it has any.
	Reason string
}

// OK reports whether the reader accepts the framing.
func (f Fault) OK() bool { return f.Kind == FaultNone }

// Record is one item of an AOF's RESP stream. All byte slices alias the scanned data (the
// memory-mapped file): they are valid until the Source is closed, and Args is reused by the
// next call to Next.
type Record struct {
	Kind   Kind
	Offset int64  // file offset of the first byte
	Raw    []byte // the record's bytes, as in the file
	Index  int64  // 0-based position among the file's records (annotations and damage count)
	Args   [][]byte

	// Loader is how the server's AOF loader (Redis 7.x loadSingleAppendOnlyFile) reads the
	// framing; Checker is how redis-check-aof 7.x does (reference §2.3, §3.2, §3.9). Framing
	// only: command names, arity and MULTI/EXEC are judged by the caller.
	Loader, Checker Fault
	// CheckerLines is how many lines redis-check-aof's line counter advances on this record:
	// 1 + 2 per argument when it accepts, the lines consumed before the failure otherwise.
	CheckerLines int64
}

// End is the file offset just after the record.
func (r *Record) End() int64 { return r.Offset + int64(len(r.Raw)) }

// Name returns argument 0, or nil.
func (r *Record) Name() []byte {
	if len(r.Args) == 0 {
		return nil
	}
	return r.Args[0]
}

func (r *Record) String() string {
	return fmt.Sprintf("%s at %d (%d bytes)", r.Kind, r.Offset, len(r.Raw))
}

// Scanner reads records from RESP AOF bytes without copying. It frames records the way the
// server's loader does and, where it differs, the way redis-check-aof does, and it never stops
// at damage: a damaged range becomes a KindDamage record and scanning resumes where records
// parse again, so callers can report every problem. A scan allocates nothing per record in
// steady state.
//
// Cost: one pass over the bytes; records whose framing both readers accept take the fast path
// (no per-byte work beyond finding line ends), others are re-read by exact emulations of both
// readers.
type Scanner struct {
	data    []byte
	base    int64
	pos     int
	index   int64
	rec     Record
	out     *Record // where Next writes the record: &rec, or a caller's slot (Pipelined)
	args    [][]byte
	release func(off int64)
	// line counting is lazy: lineAt holds the 1-based line number at lineOff.
	lineOff  int
	lineAt   int64
	lastRel  int
	fastOnly bool
}

// NewScanner scans data, which starts at file offset base. release, if not nil, is called now
// and then with an offset below which the caller may drop the bytes from memory (see
// mmapfile.File.Release).
func NewScanner(data []byte, base int64, release func(off int64)) *Scanner {
	s := &Scanner{data: data, base: base, release: release, lineAt: 1, args: make([][]byte, 0, 16)}
	s.out = &s.rec
	return s
}

// Offset is the file offset of the next byte to scan.
func (s *Scanner) Offset() int64 { return s.base + int64(s.pos) }

// Size is the file offset just past the scanned data.
func (s *Scanner) Size() int64 { return s.base + int64(len(s.data)) }

// Record returns the current record, valid until the next call to Next.
func (s *Scanner) Record() *Record { return s.out }

// LineAt returns the 1-based line number (counting '\n' bytes from the start of the scanned
// data, whose first line is 1) of file offset off. Cost: proportional to the distance from the
// previous call's offset; cheap when called with increasing offsets.
func (s *Scanner) LineAt(off int64) int64 {
	i := int(off - s.base)
	if i < 0 {
		i = 0
	}
	if i > len(s.data) {
		i = len(s.data)
	}
	if i >= s.lineOff {
		s.lineAt += int64(bytes.Count(s.data[s.lineOff:i], nl))
	} else {
		s.lineAt -= int64(bytes.Count(s.data[i:s.lineOff], nl))
	}
	s.lineOff = i
	return s.lineAt
}

var nl = []byte{'\n'}

// Next advances to the next record and reports whether there is one.
func (s *Scanner) Next() bool {
	if s.pos >= len(s.data) {
		return false
	}
	if s.release != nil && s.pos-s.lastRel >= releaseStep {
		// Count the lines of what is about to leave memory while it is still resident, so
		// LineAt never has to fault released pages back in.
		s.LineAt(s.base + int64(s.pos))
		s.release(s.base + int64(s.pos))
		s.lastRel = s.pos
	}
	start := s.pos
	r := s.out
	*r = Record{Offset: s.base + int64(start), Index: s.index}
	s.index++
	switch s.data[start] {
	case '#':
		end := fgets(s.data, start, annotationLineMax)
		r.Kind = KindAnnotation
		r.Raw = s.data[start:end]
		s.pos = end
		return true
	case '*':
		if end, ok := s.fast(start); ok {
			r.Kind = KindCommand
			r.Raw = s.data[start:end]
			r.Args = s.args
			r.CheckerLines = 1 + 2*int64(len(s.args))
			s.pos = end
			return true
		}
		return s.slow(start)
	}
	// Neither reader accepts a record starting with any other byte.
	return s.damage(start, Fault{Kind: FaultFormat, At: s.base + int64(start), Reason: "format error: a record must start with '*' or '#'"},
		Fault{Kind: FaultFormat, At: s.base + int64(start), Reason: "format error"}, 0)
}

// fast parses a record that both readers accept with the same framing: `*N\r\n` with
// 1 <= N < 2^31 in plain digits, then N times `$L\r\n` + L bytes + `\r\n`, every header line
// short enough for redis-check-aof's 128-byte buffer. It fills s.args.
func (s *Scanner) fast(p int) (int, bool) {
	d := s.data
	argc, p, ok := fastNum(d, p+1)
	if !ok || argc < 1 || argc > 1<<31-1 {
		return 0, false
	}
	args := s.args[:0]
	for ; argc > 0; argc-- {
		if p >= len(d) || d[p] != '$' {
			s.args = args
			return 0, false
		}
		var n int64
		n, p, ok = fastNum(d, p+1)
		if !ok || n > int64(len(d)-p)-2 {
			s.args = args
			return 0, false
		}
		end := p + int(n)
		if d[end] != '\r' || d[end+1] != '\n' {
			s.args = args
			return 0, false
		}
		args = append(args, d[p:end:end])
		p = end + 2
	}
	s.args = args
	return p, true
}

// fastNum parses 1 to 18 plain decimal digits at p followed by "\r\n". It returns the value
// and the offset after the CRLF.
func fastNum(d []byte, p int) (int64, int, bool) {
	// One and two digits cover argument counts and most lengths.
	if p+3 < len(d) {
		c0, c1 := d[p]-'0', d[p+1]
		if c0 <= 9 {
			if c1 == '\r' && d[p+2] == '\n' {
				return int64(c0), p + 3, true
			}
			if c1-'0' <= 9 && d[p+2] == '\r' && d[p+3] == '\n' {
				return int64(c0)*10 + int64(c1-'0'), p + 4, true
			}
		}
	}
	if p >= len(d) {
		return 0, 0, false
	}
	rest := d[p:]
	if len(rest) > 20 {
		rest = rest[:20]
	}
	var v int64
	for i, c := range rest {
		if c >= '0' && c <= '9' {
			v = v*10 + int64(c-'0')
			continue
		}
		if c == '\r' && i > 0 && i < 19 && i+1 < len(rest) && rest[i+1] == '\n' {
			return v, p + i + 2, true
		}
		return 0, 0, false
	}
	return 0, 0, false
}

// slow re-reads a record at start with exact emulations of both readers and yields it.
func (s *Scanner) slow(start int) bool {
	r := s.out
	ld := s.loaderRecord(start)
	cd := checkerRecord(s.data, start, s.base)
	base := s.base
	switch {
	case ld.fault.Kind == FaultNone:
		r.Kind = KindCommand
		r.Raw = s.data[start:ld.end]
		r.Args = s.args
		r.Checker = cd.fault
		r.CheckerLines = cd.lines
		s.pos = ld.end
		return true
	case cd.fault.Kind == FaultNone:
		// Only redis-check-aof accepts it (`*0`, `*-1`): take its framing.
		r.Kind = KindCommand
		r.Raw = s.data[start:cd.end]
		r.Args = nil
		r.Loader = ld.fault
		r.CheckerLines = cd.lines
		s.pos = cd.end
		return true
	}
	_ = base
	return s.damage(start, ld.fault, cd.fault, cd.lines)
}

// damage yields a KindDamage record from start to the next offset where scanning can resume.
func (s *Scanner) damage(start int, loader, checker Fault, checkerLines int64) bool {
	r := s.out
	end := s.resync(start + 1)
	r.Kind = KindDamage
	r.Raw = s.data[start:end]
	r.Args = nil
	r.Loader = loader
	r.Checker = checker
	r.CheckerLines = checkerLines
	s.pos = end
	return true
}

// resync finds the first offset at or after from that starts a line and where a record both
// readers accept begins, followed by another such record, an annotation, or the end of the
// data. It returns len(data) when there is none.
func (s *Scanner) resync(from int) int {
	d := s.data
	saved := s.args
	defer func() { s.args = saved[:0] }()
	for p := from; p < len(d); {
		i := bytes.IndexByte(d[p:], '\n')
		if i < 0 {
			break
		}
		q := p + i + 1
		p = q
		if q >= len(d) {
			break
		}
		switch d[q] {
		case '*':
			end, ok := s.fast(q)
			if !ok {
				continue
			}
			if end == len(d) || d[end] == '#' {
				return q
			}
			if _, ok := s.fast(end); ok {
				return q
			}
		case '#':
			if q+4 <= len(d) && string(d[q:q+4]) == "#TS:" {
				return q
			}
		}
	}
	return len(d)
}

// Resume restarts scanning at file offset off (used by callers that decide the resync point
// themselves, like fix --salvage). Offsets outside the data end the scan.
func (s *Scanner) Resume(off int64) {
	p := off - s.base
	if p < 0 || p > int64(len(s.data)) {
		p = int64(len(s.data))
	}
	s.pos = int(p)
}

const (
	// annotationLineMax is the loader's and checker's fgets buffer for record lines
	// (AOF_ANNOTATION_LINE_MAX_LEN = 1024): at most 1023 bytes are read per line.
	annotationLineMax = 1024
	// checkerLineMax is redis-check-aof's buffer for header lines (`char buf[128]`).
	checkerLineMax = 128
)

// fgets returns the end of what C fgets(buf, size) reads at p: through the first '\n', or
// size-1 bytes, or to the end of the data.
func fgets(d []byte, p, size int) int {
	limit := p + size - 1
	if limit > len(d) {
		limit = len(d)
	}
	if i := bytes.IndexByte(d[p:limit], '\n'); i >= 0 {
		return p + i + 1
	}
	return limit
}

// cString returns b up to its first NUL byte, as C string functions see a buffer.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// strtol emulates C strtol(s, &end, 10) on a NUL-terminated buffer: leading isspace, an
// optional sign, digits, saturating at the int64 limits. It returns the value and the index
// where parsing stopped (0 when no digits were found).
func strtol(s []byte) (int64, int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digits := i
	var v uint64
	over := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if v > (1<<63)/10 || (v == (1<<63)/10 && uint64(s[i]-'0') > (1<<63)%10) {
			over = true
		}
		if !over {
			v = v*10 + uint64(s[i]-'0')
		}
		i++
	}
	if i == digits {
		return 0, 0
	}
	if neg {
		if over || v > 1<<63 {
			return -1 << 63, i
		}
		return -int64(v), i
	}
	if over || v > 1<<63-1 {
		return 1<<63 - 1, i
	}
	return int64(v), i
}

func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

type readerResult struct {
	end   int
	fault Fault
	lines int64
}

// loaderRecord emulates the record loop of loadSingleAppendOnlyFile (src/aof.c @ 7.0–7.4)
// on a record starting with '*' at p. On success s.args holds the arguments.
func (s *Scanner) loaderRecord(p int) readerResult {
	d := s.data
	at := func(i int) int64 { return s.base + int64(i) }
	lineEnd := fgets(d, p, annotationLineMax)
	buf := cString(d[p:lineEnd])
	if len(buf) == 1 {
		// buf[1] == '\0' sends the loader to its read-error path: a short read when fgets hit
		// the end of the file (feof), else "Unrecoverable error reading the append only file".
		feof := lineEnd == len(d) && d[lineEnd-1] != '\n' && lineEnd-p < annotationLineMax-1
		if feof {
			return readerResult{fault: Fault{FaultTruncated, at(p), "unexpected end of file after '*'"}}
		}
		return readerResult{fault: Fault{FaultFormat, at(p), "NUL byte after '*' (the loader stops with \"Unrecoverable error reading the append only file\")"}}
	}
	v, _ := strtol(buf[1:])
	argc := int32(v) // atoi: (int)strtol
	if argc < 1 {
		return readerResult{fault: Fault{FaultFormat, at(p), fmt.Sprintf("argument count %d is not positive", argc)}}
	}
	s.args = s.args[:0]
	q := lineEnd
	for j := int32(0); j < argc; j++ {
		if q >= len(d) {
			return readerResult{fault: Fault{FaultTruncated, at(q), fmt.Sprintf("unexpected end of file: %d of %d arguments read", j, argc)}}
		}
		le := fgets(d, q, annotationLineMax)
		lb := cString(d[q:le])
		if len(lb) == 0 || lb[0] != '$' {
			return readerResult{fault: Fault{FaultFormat, at(q), fmt.Sprintf("argument %d: expected '$'", j+1)}}
		}
		n, _ := strtol(lb[1:])
		if n < 0 {
			return readerResult{fault: Fault{FaultCrash, at(q), fmt.Sprintf("argument %d: negative length %d (the loader tries to allocate 2^64 bytes)", j+1, n)}}
		}
		q = le
		if n > int64(len(d)-q) {
			return readerResult{fault: Fault{FaultTruncated, at(q), fmt.Sprintf("unexpected end of file: argument %d claims %d bytes, %d remain", j+1, n, len(d)-q)}}
		}
		arg := d[q : q+int(n)]
		q += int(n)
		if len(d)-q < 2 {
			return readerResult{fault: Fault{FaultTruncated, at(q), fmt.Sprintf("unexpected end of file after argument %d", j+1)}}
		}
		q += 2 // the loader discards two bytes without looking at them
		s.args = append(s.args, arg)
	}
	return readerResult{end: q}
}

// checkerRecord emulates processRESP of redis-check-aof 7.x (readArgc, readString, readLong,
// readBytes, consumeNewline) on a record starting with '*' at p. MULTI/EXEC nesting is left
// to the caller.
func checkerRecord(d []byte, p int, base int64) readerResult {
	at := func(i int) int64 { return base + int64(i) }
	var lines int64
	readLong := func(q int, prefix byte) (int64, int, *Fault) {
		le := fgets(d, q, checkerLineMax)
		if le == q {
			// fgets at EOF returns NULL: the checker stops without a message.
			return 0, q, &Fault{FaultTruncated, at(q), "unexpected end of file"}
		}
		raw := d[q:le]
		buf := cString(raw)
		if len(buf) == 0 || buf[0] != prefix {
			got := byte(0)
			if len(buf) > 0 {
				got = buf[0]
			}
			return 0, le, &Fault{FaultFormat, at(q), fmt.Sprintf("Expected prefix '%c', got: '%c'", prefix, got)}
		}
		v, n := strtol(buf[1:])
		e := 1 + n
		if n == 0 {
			e = 1
		}
		if e+1 < len(buf) && buf[e] == '\r' && buf[e+1] == '\n' {
			lines++
			return v, le, nil
		}
		kind := FaultFormat
		if le == len(d) && bytes.IndexByte(raw, '\n') < 0 && len(raw) < checkerLineMax-1 {
			kind = FaultTruncated
		}
		return 0, le, &Fault{kind, at(q), "Expected \\r\\n, got: " + hexPair(raw, e)}
	}
	argc, q, f := readLong(p, '*')
	if f != nil {
		return readerResult{fault: *f, lines: lines}
	}
	for i := int64(0); i < argc; i++ {
		var n int64
		start := q
		n, q, f = readLong(q, '$')
		if f != nil {
			return readerResult{fault: *f, lines: lines}
		}
		if n < 0 || n > 1<<63-1-2 {
			return readerResult{fault: Fault{FaultFormat, at(start), fmt.Sprintf("Expected to read string of %d bytes, which is not in the suitable range", n)}, lines: lines}
		}
		if n+2 > int64(len(d)-q) {
			return readerResult{fault: Fault{FaultTruncated, at(q), fmt.Sprintf("Expected to read %d bytes, got %d bytes", n+2, len(d)-q)}, lines: lines}
		}
		e := q + int(n)
		if d[e] != '\r' || d[e+1] != '\n' {
			return readerResult{fault: Fault{FaultFormat, at(q), fmt.Sprintf("Expected \\r\\n, got: %02x%02x", d[e], d[e+1])}, lines: lines}
		}
		lines++
		q = e + 2
	}
	return readerResult{end: q, lines: lines}
}

func hexPair(b []byte, i int) string {
	get := func(j int) byte {
		if j < len(b) {
			return b[j]
		}
		return 0
	}
	return fmt.Sprintf("%02x%02x", get(i), get(i+1))
}

// releaseStep is how many scanned bytes a Scanner lets pile up before it calls release: the
// resident part of a mapped input stays about this small.
const releaseStep = 1 << 20
