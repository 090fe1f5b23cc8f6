// Multi-part AOF manifest (Redis >= 7.0, Valkey): parser, writer and name validation.
//
// Implements the grammar of aofLoadManifestFromFile and aofInfoFormat (src/aof.c @ 7.0.0 =
// 7.4.1 = valkey 8.0.1), with the tokenizer sdssplitargs and the quoting of
// sdsneedsrepr/sdscatrepr (src/sds.c @ 7.4.1) and glibc atoll for sequence numbers.

package aof

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FileType is the type of a manifest entry: the byte Redis writes after `type`.
type FileType byte

const (
	// FileTypeBase is the base file ('b'): an RDB or RESP snapshot, loaded first.
	FileTypeBase FileType = 'b'
	// FileTypeHistory is a retired file ('h'): listed, never loaded, deleted by the server.
	FileTypeHistory FileType = 'h'
	// FileTypeIncr is an incremental file ('i'): RESP commands, loaded in manifest order.
	FileTypeIncr FileType = 'i'
)

// String returns "base", "history", "incr", or a quoted byte for anything else.
func (t FileType) String() string {
	switch t {
	case FileTypeBase:
		return "base"
	case FileTypeHistory:
		return "history"
	case FileTypeIncr:
		return "incr"
	}
	return fmt.Sprintf("FileType(%q)", byte(t))
}

// ManifestMaxLine is Redis's MANIFEST_MAX_LINE: a manifest line, newline included, must fit in
// this many bytes.
const ManifestMaxLine = 1024

// ManifestSniffLen is how many leading bytes LooksLikeManifest examines at most.
const ManifestSniffLen = 64 << 10

// ManifestEntry is one `file <name> seq <n> type <t>` line of a manifest.
type ManifestEntry struct {
	Name   string   // file name as Redis would open it (unquoted; cut at a NUL like a C string)
	Seq    int64    // sequence number (atoll of the seq value)
	Type   FileType // first byte of the type value
	Line   int      // 1-based line number in the manifest (0 for entries built in code)
	Offset int64    // byte offset of the line in the manifest
}

// Manifest is a parsed multi-part AOF manifest.
type Manifest struct {
	Entries []ManifestEntry // in file order
}

// Base returns the base entry, or nil if the manifest has none. Cost O(entries).
func (m *Manifest) Base() *ManifestEntry {
	for i := range m.Entries {
		if m.Entries[i].Type == FileTypeBase {
			return &m.Entries[i]
		}
	}
	return nil
}

// Incrs returns the incr entries in manifest order, which for a manifest ParseManifest
// accepted is ascending seq order and the order the server loads them. It allocates a new
// slice; cost O(entries).
func (m *Manifest) Incrs() []ManifestEntry { return m.ofType(FileTypeIncr) }

// History returns the history entries in manifest order (Redis writes the most recently
// retired first). It allocates a new slice; cost O(entries).
func (m *Manifest) History() []ManifestEntry { return m.ofType(FileTypeHistory) }

func (m *Manifest) ofType(t FileType) []ManifestEntry {
	var out []ManifestEntry
	for _, e := range m.Entries {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// RedisOrder returns a copy of m with its entries in the order Redis writes a manifest it
// has loaded (getAofManifestAsString): the base, then history entries, then incr entries,
// each group keeping its relative order. Entries with another type go last. Cost O(entries).
func (m *Manifest) RedisOrder() *Manifest {
	out := &Manifest{Entries: make([]ManifestEntry, 0, len(m.Entries))}
	for _, t := range []FileType{FileTypeBase, FileTypeHistory, FileTypeIncr} {
		for _, e := range m.Entries {
			if e.Type == t {
				out.Entries = append(out.Entries, e)
			}
		}
	}
	for _, e := range m.Entries {
		if e.Type != FileTypeBase && e.Type != FileTypeHistory && e.Type != FileTypeIncr {
			out.Entries = append(out.Entries, e)
		}
	}
	return out
}

// Reasons carried by ManifestError. The first seven are Redis's own texts (src/aof.c @ 7.4.1),
// printed by the server and redis-check-aof after `*** FATAL AOF MANIFEST FILE ERROR ***`;
// ManifestReasonUnsafeName is ours (see ValidFileName).
const (
	ManifestReasonInvalidFormat = "Invalid AOF manifest file format"
	ManifestReasonTooLongLine   = "The AOF manifest file contains too long line"
	ManifestReasonPath          = "File can't be a path, just a filename"
	ManifestReasonUnknownType   = "Unknown AOF file type"
	ManifestReasonDuplicateBase = "Found duplicate base file information"
	ManifestReasonNonMonotonic  = "Found a non-monotonic sequence number"
	ManifestReasonEmpty         = "Found an empty AOF manifest"
	ManifestReasonUnsafeName    = "AOF file name is not a plain name inside the AOF directory"
)

// ErrManifest is matched (errors.Is) by every *ManifestError.
var ErrManifest = errors.New("invalid AOF manifest")

// ManifestError says why a manifest is rejected, where, and with which of Redis's texts.
type ManifestError struct {
	// Line is the 1-based line Redis reports (it counts fgets reads of up to 1024 bytes, so
	// after a comment longer than that, the rest of the comment counts as the next line).
	// 0 for an empty manifest.
	Line int
	// Offset is the byte offset of that line in the manifest.
	Offset int64
	// Text is the trimmed line, as Redis prints it after `>>>` (empty for a blank line).
	// Redis prints no line number and no line for ManifestReasonTooLongLine and
	// ManifestReasonEmpty; Text is empty then, Line and Offset are still set for the former.
	Text string
	// Reason is one of the ManifestReason* texts.
	Reason string
	// Detail is our own explanation when Reason alone is vague (e.g. "unterminated quote",
	// "line contains a NUL byte"); may be empty.
	Detail string
}

// Error formats the error on one line; the line text is quoted so control bytes are safe to
// print.
func (e *ManifestError) Error() string {
	var b strings.Builder
	b.WriteString("AOF manifest")
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d (offset %d)", e.Line, e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.Text != "" {
		b.WriteString(": >>> ")
		b.WriteString(quoteManifestText(e.Text))
	}
	return b.String()
}

// Unwrap returns ErrManifest.
func (e *ManifestError) Unwrap() error { return ErrManifest }

// quoteManifestText quotes s like Redis's `'%s'` when it is printable ASCII, else with Go
// escapes.
func quoteManifestText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return "'" + s + "'"
}

// ParseManifest parses manifest bytes exactly as aofLoadManifestFromFile (src/aof.c @ 7.0.0 =
// 7.4.1 = valkey 8.0.1, shared by the server and redis-check-aof) does:
//
//   - the file is read in fgets chunks of at most 1024 bytes; each chunk is a line; a chunk
//     starting with '#' is skipped (so the remainder of a comment longer than 1023 bytes is
//     parsed as a line of its own, as Redis does);
//   - any other chunk must end with '\n' and hold no NUL byte, else ManifestReasonTooLongLine
//     (this includes a last line without a newline);
//   - the line is trimmed of " \t\r\n" and must not be blank, split with sdssplitargs, must
//     have an even count of at least 6 tokens; keys `file`, `seq`, `type` compare
//     ASCII-case-insensitively, other keys are ignored, a repeated key's last value wins;
//     every `file` value must not contain '/' or '\'; `seq` is atoll and must not be 0;
//     `type` is the value's first byte and must be b, h or i; a second b, or an i whose seq
//     is not above every earlier i seq (and above 0), is rejected;
//   - zero bytes is ManifestReasonEmpty; a manifest of only comments yields no entries.
//
// Token values are C strings in Redis: a `\x00` escape cuts a name (and a key) at the NUL,
// and so does this parser. ParseManifest applies Redis's name rule only; call ValidFileName
// (or Validate) before opening an entry's file.
//
// Errors are *ManifestError (errors.Is(err, ErrManifest)) for the first problem, like Redis.
// Cost O(len(data)); allocations are proportional to the entries and the longest line.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) == 0 {
		return nil, &ManifestError{Reason: ManifestReasonEmpty}
	}
	m := &Manifest{}
	var sp manifestSplitter
	var maxIncr int64
	haveBase := false
	line, start := 0, 0
	fail := func(reason, detail string, text []byte) (*Manifest, error) {
		return nil, &ManifestError{Line: line, Offset: int64(start), Text: string(text), Reason: reason, Detail: detail}
	}
	for off := 0; off < len(data); {
		start = off
		end := start + ManifestMaxLine
		if end > len(data) {
			end = len(data)
		}
		chunk := data[start:end]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			chunk = chunk[:i+1]
		}
		off += len(chunk)
		line++
		if chunk[0] == '#' {
			continue
		}
		// strchr(buf, '\n') stops at the first NUL.
		nl := bytes.IndexByte(chunk, '\n')
		if nul := bytes.IndexByte(chunk, 0); nul >= 0 {
			return fail(ManifestReasonTooLongLine, "line contains a NUL byte", nil)
		}
		if nl < 0 {
			if off == len(data) && len(chunk) < ManifestMaxLine {
				return fail(ManifestReasonTooLongLine, "last line has no newline", nil)
			}
			return fail(ManifestReasonTooLongLine, "line longer than 1023 bytes plus newline", nil)
		}
		text := trimManifestLine(chunk)
		if len(text) == 0 {
			return fail(ManifestReasonInvalidFormat, "blank line", text)
		}
		if detail := sp.split(text); detail != "" {
			return fail(ManifestReasonInvalidFormat, detail, text)
		}
		if n := len(sp.toks); n < 6 || n%2 != 0 {
			return fail(ManifestReasonInvalidFormat, fmt.Sprintf("%d tokens, need an even number of at least 6", n), text)
		}
		var (
			name    []byte
			hasName bool
			seq     int64
			typ     byte
		)
		for i := 0; i < len(sp.toks); i += 2 {
			key, val := cStringBytes(sp.tok(i)), sp.tok(i+1)
			switch {
			case asciiEqualFold(key, "file"):
				name, hasName = cStringBytes(val), true
				if bytes.IndexByte(name, '/') >= 0 || bytes.IndexByte(name, '\\') >= 0 {
					return fail(ManifestReasonPath, "", text)
				}
			case asciiEqualFold(key, "seq"):
				seq = manifestAtoll(val)
			case asciiEqualFold(key, "type"):
				typ = 0
				if len(val) > 0 {
					typ = val[0]
				}
			}
		}
		switch {
		case !hasName:
			return fail(ManifestReasonInvalidFormat, "no file name", text)
		case seq == 0:
			return fail(ManifestReasonInvalidFormat, "seq missing, 0 or not a number", text)
		case typ == 0:
			return fail(ManifestReasonInvalidFormat, "no type", text)
		}
		switch FileType(typ) {
		case FileTypeBase:
			if haveBase {
				return fail(ManifestReasonDuplicateBase, "", text)
			}
			haveBase = true
		case FileTypeHistory:
		case FileTypeIncr:
			if seq <= maxIncr {
				return fail(ManifestReasonNonMonotonic, "", text)
			}
			maxIncr = seq
		default:
			return fail(ManifestReasonUnknownType, "", text)
		}
		m.Entries = append(m.Entries, ManifestEntry{
			Name: string(name), Seq: seq, Type: FileType(typ), Line: line, Offset: int64(start),
		})
	}
	return m, nil
}

// trimManifestLine is sdstrim(line, " \t\r\n").
func trimManifestLine(b []byte) []byte {
	isTrim := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for len(b) > 0 && isTrim(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isTrim(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// cStringBytes returns b up to its first NUL, as C string functions see it.
func cStringBytes(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// asciiEqualFold is strcasecmp(b, s) == 0 in the C locale (ASCII folding only: unlike
// strings.EqualFold, "ſeq" is not "seq").
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// manifestIsSpace is isspace() in the C locale.
func manifestIsSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// manifestAtoll is glibc atoll (strtoll base 10): leading isspace, optional sign, digits up to
// the first non-digit, saturating at the int64 limits; 0 when there are no digits.
func manifestAtoll(b []byte) int64 {
	i := 0
	for i < len(b) && manifestIsSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	const limit = uint64(1) << 63 // magnitude of MinInt64
	var v uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if v > limit/10 { // saturated (v*10 would exceed limit); keep consuming digits
			v = limit + 1
			continue
		}
		v = v*10 + uint64(b[i]-'0')
	}
	if neg {
		if v >= limit {
			return -1 << 63
		}
		return -int64(v)
	}
	if v >= limit {
		return 1<<63 - 1
	}
	return int64(v)
}

// SplitArgs splits line the way Redis's sdssplitargs does (src/sds.c @ 7.4.1): tokens
// separated by blanks; "double quotes" with \n \r \t \b \a \xHH and \<any> escapes; 'single
// quotes' with \' only; a closing quote must be followed by a blank or the end; quotes may open
// inside a token. line must not hold NUL bytes (C strings end there: cut first). On failure
// args is nil and reason says why sdssplitargs returns NULL. The tokens are fresh slices.
// Cost: O(len(line)). Manifests and FUNCTION LOAD headers both use it.
func SplitArgs(line []byte) (args [][]byte, reason string) {
	var sp manifestSplitter
	if reason := sp.split(line); reason != "" {
		return nil, reason
	}
	args = make([][]byte, len(sp.toks))
	for i := range sp.toks {
		args[i] = sp.tok(i)[:len(sp.tok(i)):len(sp.tok(i))]
	}
	return args, ""
}

// manifestSplitter is sdssplitargs (src/sds.c @ 7.4.1) over a line without NUL bytes; the
// tokens share one buffer that is reused from line to line.
type manifestSplitter struct {
	buf  []byte
	toks [][2]int // [start, end) in buf
}

func (s *manifestSplitter) tok(i int) []byte { return s.buf[s.toks[i][0]:s.toks[i][1]] }

// split tokenizes line; it returns "" on success or why sdssplitargs returns NULL.
func (s *manifestSplitter) split(line []byte) string {
	s.buf, s.toks = s.buf[:0], s.toks[:0]
	at := func(i int) byte { // *(p+i) with the C terminator at len(line)
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	p := 0
	for {
		for p < len(line) && manifestIsSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return ""
		}
		start := len(s.buf)
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHexDigit(at(p+2)) && isHexDigit(at(p+3)):
					s.buf = append(s.buf, hexVal(at(p+2))<<4|hexVal(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					e := line[p]
					switch e {
					case 'n':
						e = '\n'
					case 'r':
						e = '\r'
					case 't':
						e = '\t'
					case 'b':
						e = '\b'
					case 'a':
						e = '\a'
					}
					s.buf = append(s.buf, e)
				case c == '"':
					if n := at(p + 1); n != 0 && !manifestIsSpace(n) {
						return "closing quote not followed by a space"
					}
					done = true
				case c == 0:
					return "unterminated quote"
				default:
					s.buf = append(s.buf, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					s.buf = append(s.buf, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !manifestIsSpace(n) {
						return "closing quote not followed by a space"
					}
					done = true
				case c == 0:
					return "unterminated quote"
				default:
					s.buf = append(s.buf, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					s.buf = append(s.buf, c)
				}
			}
			if p < len(line) {
				p++
			}
		}
		s.toks = append(s.toks, [2]int{start, len(s.buf)})
	}
}

func isHexDigit(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// LooksLikeManifest reports whether data (a file's first bytes) is a manifest for our
// detection: after whitespace and '#' comment lines, the first token is `file` in any case
// and is followed by whitespace (or the end of prefix). This is deliberately wider than
// redis-check-aof's test (exact `file` at the start of a line, §2.2 of the reference): a
// manifest starting `FILE` or ` file` is still a manifest to us, while a RESP file (first
// byte '*') or an RDB file ("REDIS", "VALKEY") never is, whatever its later lines hold.
// Only the first ManifestSniffLen bytes are examined; if comments fill them it says false.
// Cost O(min(len(prefix), ManifestSniffLen)), no allocation.
func LooksLikeManifest(prefix []byte) bool {
	if len(prefix) > ManifestSniffLen {
		prefix = prefix[:ManifestSniffLen]
	}
	p := 0
	for {
		for p < len(prefix) && manifestIsSpace(prefix[p]) {
			p++
		}
		if p >= len(prefix) {
			return false
		}
		if prefix[p] != '#' {
			break
		}
		i := bytes.IndexByte(prefix[p:], '\n')
		if i < 0 {
			return false
		}
		p += i + 1
	}
	rest := prefix[p:]
	if len(rest) < 4 || !asciiEqualFold(rest[:4], "file") {
		return false
	}
	return len(rest) == 4 || manifestIsSpace(rest[4])
}

// manifestNeedsRepr is sdsneedsrepr (C locale): true if name has a byte sdscatrepr escapes,
// or a space. We also quote two names Redis would write bare and then fail to read back: the
// empty name (the line would have 5 tokens) and a name with a single quote (sdssplitargs
// opens a quote in mid-token: `a'b` is an unterminated quote, `a'b'` reads as "ab").
func manifestNeedsRepr(name string) bool {
	if name == "" {
		return true
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '\\' || c == '"' || c < 0x20 || c >= 0x7f || c == ' ' || c == '\'' {
			return true
		}
	}
	return false
}

// appendManifestRepr is sdscatrepr: a double-quoted string with \\ \" \n \r \t \a \b
// escapes, other bytes outside 0x20..0x7e as \xHH (lower-case hex).
func appendManifestRepr(dst []byte, name string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if c >= 0x20 && c < 0x7f {
				dst = append(dst, c)
			} else {
				dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
			}
		}
	}
	return append(dst, '"')
}

// AppendManifestEntry appends one entry in Redis's written form (aofInfoFormat):
// `file <name> seq <n> type <t>\n`, the name quoted as sdscatrepr does when sdsneedsrepr says
// so, and also when it is empty or holds a single quote: Redis writes those bare and then
// cannot read its own manifest back. It does not validate; see Validate. Cost O(len(name)).
func AppendManifestEntry(dst []byte, e ManifestEntry) []byte {
	dst = append(dst, "file "...)
	if manifestNeedsRepr(e.Name) {
		dst = appendManifestRepr(dst, e.Name)
	} else {
		dst = append(dst, e.Name...)
	}
	dst = append(dst, " seq "...)
	dst = strconv.AppendInt(dst, e.Seq, 10)
	dst = append(dst, " type "...)
	return append(dst, byte(e.Type), '\n')
}

// AppendManifest appends m's entries, in m.Entries order, in Redis's written form (see
// AppendManifestEntry; use RedisOrder first for the order Redis writes). It does not
// validate: for a manifest that passes m.Validate(), ParseManifest of the result yields the
// same names, seqs and types. Cost O(size of the output).
func AppendManifest(dst []byte, m *Manifest) []byte {
	for _, e := range m.Entries {
		dst = AppendManifestEntry(dst, e)
	}
	return dst
}

// ErrUnsafeFileName is matched (errors.Is) by every error of ValidFileName.
var ErrUnsafeFileName = errors.New("unsafe AOF file name")

// FileNameError is ValidFileName's error: which name and why.
type FileNameError struct {
	Name   string
	Reason string
}

// Error says which name and why, the name quoted with Go escapes.
func (e *FileNameError) Error() string {
	return fmt.Sprintf("AOF file name %s: %s", strconv.Quote(e.Name), e.Reason)
}

// Unwrap returns ErrUnsafeFileName.
func (e *FileNameError) Unwrap() error { return ErrUnsafeFileName }

// ValidFileName checks that a manifest entry's name names a file inside the AOF directory:
// Redis's rule (no '/' or '\', pathIsBaseName in src/util.c @ 7.4.1) plus ours (not empty,
// not "." or "..", no NUL byte). Errors are *FileNameError (errors.Is(err,
// ErrUnsafeFileName)). Cost O(len(name)), no allocation on success.
func ValidFileName(name string) error {
	var why string
	switch {
	case name == "":
		why = "empty"
	case strings.ContainsAny(name, "/\\"):
		why = ManifestReasonPath
	case name == "." || name == "..":
		why = "names a directory"
	case strings.IndexByte(name, 0) >= 0:
		why = "contains a NUL byte"
	default:
		return nil
	}
	return &FileNameError{Name: name, Reason: why}
}

// Validate checks that m can be written with AppendManifest, read back by Redis to the same
// entries, and opened safely: every name passes ValidFileName, every written line fits in
// ManifestMaxLine bytes, no seq is 0, every type is b, h or i, there is at most one base,
// and incr seqs are strictly increasing from above 0. Errors are *ManifestError for the
// first bad entry (Line and Offset are the entry's own, Text is the line as written);
// ManifestReasonUnsafeName wraps ValidFileName's reason in Detail. Cost O(size of the
// written manifest); it allocates only on error.
func (m *Manifest) Validate() error {
	var maxIncr int64
	haveBase := false
	var scratch [ManifestMaxLine + 1]byte
	for _, e := range m.Entries {
		fail := func(reason, detail string) error {
			text := string(trimManifestLine(AppendManifestEntry(nil, e)))
			return &ManifestError{Line: e.Line, Offset: e.Offset, Text: text, Reason: reason, Detail: detail}
		}
		if err := ValidFileName(e.Name); err != nil {
			return fail(ManifestReasonUnsafeName, err.(*FileNameError).Reason)
		}
		if n := len(AppendManifestEntry(scratch[:0], e)); n > ManifestMaxLine {
			return fail(ManifestReasonTooLongLine, fmt.Sprintf("written line is %d bytes", n))
		}
		if e.Seq == 0 {
			return fail(ManifestReasonInvalidFormat, "seq is 0")
		}
		switch e.Type {
		case FileTypeBase:
			if haveBase {
				return fail(ManifestReasonDuplicateBase, "")
			}
			haveBase = true
		case FileTypeHistory:
		case FileTypeIncr:
			if e.Seq <= maxIncr {
				return fail(ManifestReasonNonMonotonic, "")
			}
			maxIncr = e.Seq
		default:
			return fail(ManifestReasonUnknownType, "")
		}
	}
	return nil
}
