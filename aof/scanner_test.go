package aof

// Tests of the scanner: one table row per malformed shape of record, each checked against what
// the two C readers do with it. "loader" is loadSingleAppendOnlyFile (src/aof.c @ 7.0.15),
// "checker" is processRESP and friends (src/redis-check-aof.c @ 7.0.15). Facts the rows rely on:
//
//   - loader: fgets(buf, 1024) per line; '#' skips the line; not '*' is `goto fmterr`;
//     buf[1] == '\0' is `goto readerr` (feof → uxeof, the truncation path; else "Unrecoverable
//     error"); argc = atoi(buf+1), i.e. (int)strtol, < 1 is fmterr. Per argument: fgets the `$`
//     line (NULL → readerr, not '$' → fmterr), len = strtol(buf+1) into an unsigned long (so a
//     negative length asks sdsnewlen for ~2^64 bytes), fread(len) short → readerr, then
//     fread(buf, 2) discards two bytes without looking at them.
//   - checker: readLong does fgets(buf, 128), buf[0] must be the prefix ("Expected prefix"),
//     strtol, then consumeNewline(eptr) wants "\r\n" ("Expected \r\n, got: %02x%02x") and
//     counts a line; a NULL fgets returns 0 without a message. readString rejects len < 0 or
//     > LONG_MAX-2 ("not in the suitable range"), freads len+2 ("Expected to read %ld bytes, got
//     %ld bytes") and wants the last two to be "\r\n" (counts a line). argc <= 0 reads nothing,
//     so `*0`, `*-1` and even `*\r\n` are valid empty records. epos (Fault.At) is the start of
//     the line for readLong errors, the start of the payload for readBytes/CRLF errors.
//   - a record start that is neither '*' nor '#' is "AOF <name> format error" for the checker
//     and fmterr for the loader.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/internal/mmapfile"
)

// scG is a well-formed record both readers accept: 27 bytes, 7 checker lines.
const scG = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"

// scWant is one expected record. Offsets are relative to the start of the data (base 0).
type scWant struct {
	kind          Kind
	off           int64
	n             int      // len(Raw)
	args          []string // KindCommand only; nil: Args must be nil
	loader        FaultKind
	loaderAt      int64 // compared when loader != FaultNone
	checker       FaultKind
	checkerAt     int64  // compared when checker != FaultNone
	checkerReason string // compared when not ""
	lines         int64  // CheckerLines
}

// scCmd is a record both readers accept.
func scCmd(off int64, n int, lines int64, args ...string) scWant {
	if args == nil {
		args = []string{}
	}
	return scWant{kind: KindCommand, off: off, n: n, args: args, lines: lines}
}

// scGood is scG at off.
func scGood(off int64) scWant { return scCmd(off, len(scG), 7, "SET", "k", "v") }

// scCk is a record the loader accepts and the checker rejects.
func scCk(off int64, n int, lines int64, ck FaultKind, ckAt int64, reason string, args ...string) scWant {
	w := scCmd(off, n, lines, args...)
	w.checker, w.checkerAt, w.checkerReason = ck, ckAt, reason
	return w
}

// scCkOnly is a record only the checker accepts (no Args).
func scCkOnly(off int64, n int, lines int64, ld FaultKind, ldAt int64) scWant {
	return scWant{kind: KindCommand, off: off, n: n, loader: ld, loaderAt: ldAt, lines: lines}
}

// scAnn is an annotation line.
func scAnn(off int64, n int) scWant { return scWant{kind: KindAnnotation, off: off, n: n} }

// scDmg is a damaged range.
func scDmg(off int64, n int, ld FaultKind, ldAt int64, ck FaultKind, ckAt int64, reason string, lines int64) scWant {
	return scWant{kind: KindDamage, off: off, n: n, loader: ld, loaderAt: ldAt, checker: ck, checkerAt: ckAt, checkerReason: reason, lines: lines}
}

// scRec is a copy of a Record that outlives the next call to Next.
type scRec struct {
	Kind         Kind
	Offset       int64
	Raw          []byte
	Index        int64
	Args         [][]byte
	ArgsNil      bool
	Loader       Fault
	Checker      Fault
	CheckerLines int64
}

func (r scRec) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s@%d+%d lines=%d", r.Kind, r.Offset, len(r.Raw), r.CheckerLines)
	if !r.ArgsNil {
		b.WriteString(" args=[")
		for i, a := range r.Args {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(abbrev(strconv.Quote(string(a))))
		}
		b.WriteString("]")
	}
	if !r.Loader.OK() {
		fmt.Fprintf(&b, " loader=%d@%d(%s)", r.Loader.Kind, r.Loader.At, r.Loader.Reason)
	}
	if !r.Checker.OK() {
		fmt.Fprintf(&b, " checker=%d@%d(%s)", r.Checker.Kind, r.Checker.At, r.Checker.Reason)
	}
	return b.String()
}

func scCopy(r *Record) scRec {
	c := scRec{Kind: r.Kind, Offset: r.Offset, Raw: bytes.Clone(r.Raw), Index: r.Index, ArgsNil: r.Args == nil,
		Loader: r.Loader, Checker: r.Checker, CheckerLines: r.CheckerLines}
	for _, a := range r.Args {
		c.Args = append(c.Args, bytes.Clone(a))
	}
	return c
}

// scanAll scans data (at file offset base) and copies every record.
func scanAll(data []byte, base int64) []scRec {
	var out []scRec
	s := NewScanner(data, base, nil)
	for s.Next() {
		out = append(out, scCopy(s.Record()))
	}
	return out
}

// scMismatch says how got differs from w, or "".
func scMismatch(got scRec, w scWant) string {
	var d []string
	if got.Kind != w.kind {
		d = append(d, fmt.Sprintf("kind %s, want %s", got.Kind, w.kind))
	}
	if got.Offset != w.off {
		d = append(d, fmt.Sprintf("offset %d, want %d", got.Offset, w.off))
	}
	if len(got.Raw) != w.n {
		d = append(d, fmt.Sprintf("raw length %d, want %d", len(got.Raw), w.n))
	}
	if w.kind == KindCommand {
		switch {
		case w.args == nil && !got.ArgsNil:
			d = append(d, fmt.Sprintf("args %q, want nil", got.Args))
		case w.args != nil && got.ArgsNil:
			d = append(d, fmt.Sprintf("args nil, want %q", w.args))
		case w.args != nil:
			same := len(got.Args) == len(w.args)
			for i := 0; same && i < len(w.args); i++ {
				same = string(got.Args[i]) == w.args[i]
			}
			if !same {
				d = append(d, "args differ")
			}
		}
	} else if !got.ArgsNil {
		d = append(d, "args on a "+got.Kind.String()+" record")
	}
	if got.Loader.Kind != w.loader || (w.loader != FaultNone && got.Loader.At != w.loaderAt) {
		d = append(d, fmt.Sprintf("loader %d@%d (%s), want %d@%d", got.Loader.Kind, got.Loader.At, got.Loader.Reason, w.loader, w.loaderAt))
	}
	if got.Checker.Kind != w.checker || (w.checker != FaultNone && got.Checker.At != w.checkerAt) {
		d = append(d, fmt.Sprintf("checker %d@%d (%s), want %d@%d", got.Checker.Kind, got.Checker.At, got.Checker.Reason, w.checker, w.checkerAt))
	}
	if w.checkerReason != "" && got.Checker.Reason != w.checkerReason {
		d = append(d, fmt.Sprintf("checker reason %q, want %q", got.Checker.Reason, w.checkerReason))
	}
	if got.CheckerLines != w.lines {
		d = append(d, fmt.Sprintf("checker lines %d, want %d", got.CheckerLines, w.lines))
	}
	if w.loader == FaultNone && got.Loader.Reason != "" || w.checker == FaultNone && got.Checker.Reason != "" {
		d = append(d, "a reason on a reader that accepts")
	}
	return strings.Join(d, "; ")
}

type scCase struct {
	name string
	data string
	want []scWant
}

func scCases() []scCase {
	g := int64(len(scG))
	big := strings.Repeat("\x00\r\n\xff", 1<<18) // 1 MiB with CRLFs and NULs inside
	zeros := func(n int) string { return strings.Repeat("0", n) }
	return []scCase{
		{"empty input", "", nil},
		{"well-formed", scG + scG, []scWant{scGood(0), scGood(g)}},
		{
			// Payloads are read by length (fread), so CRLF inside is data; `$0` is an empty
			// argument followed by its CRLF.
			"binary payload with CRLF inside, empty bulk",
			"*2\r\n$4\r\na\r\nb\r\n$0\r\n\r\n" + scG,
			[]scWant{scCmd(0, 20, 5, "a\r\nb", ""), scGood(20)},
		},
		{"1 MiB bulk", "*1\r\n$1048576\r\n" + big + "\r\n" + scG,
			[]scWant{scCmd(0, 14+len(big)+2, 3, big), scGood(int64(14 + len(big) + 2))}},
		{
			// checker: readArgc gives 0, the loop reads nothing: a valid empty record (1 line).
			// loader: atoi("0") < 1 → fmterr.
			"*0", "*0\r\n" + scG,
			[]scWant{scCkOnly(0, 4, 1, FaultFormat, 0), scGood(4)},
		},
		{"*-1", "*-1\r\n" + scG, []scWant{scCkOnly(0, 5, 1, FaultFormat, 0), scGood(5)}},
		{
			// checker: strtol finds no digits, eptr = buf+1 = "\r\n", consumeNewline accepts:
			// argc 0, valid. loader: buf[1] is '\r' (not NUL), atoi → 0 → fmterr.
			"*CRLF", "*\r\n" + scG,
			[]scWant{scCkOnly(0, 3, 1, FaultFormat, 0), scGood(3)},
		},
		{
			// checker: "*" then NUL, strtol finds nothing, consumeNewline sees "\0?" → error.
			// loader: fgets reads "*" and hits EOF; buf[1] == '\0' → readerr, feof → uxeof.
			"* at EOF", scG + "*",
			[]scWant{scGood(0), scDmg(g, 1, FaultTruncated, g, FaultTruncated, g, "", 0)},
		},
		{
			// loader: buf[1] == '\0' → readerr; not at EOF → "Unrecoverable error reading the
			// append only file" (AOF_FAILED). checker: eptr = buf+1 → bytes 00 0d.
			"*NUL mid-file", "*\x00\r\n" + scG,
			[]scWant{scDmg(0, 4, FaultFormat, 0, FaultFormat, 0, `Expected \r\n, got: 000d`, 0), scGood(4)},
		},
		{
			// loader: fgets reads "*\0", runs into EOF (feof set), buf[1] == '\0' → readerr →
			// feof → uxeof: the truncation path, as for a lone '*' at EOF. Confirmed on
			// redis-server 7.0.15: "short read … Truncating the AOF … at offset 27", key loaded;
			// with "\r\n" after the NUL it says "Unrecoverable error reading the append only file".
			"*NUL at EOF", scG + "*\x00",
			[]scWant{scGood(0), scDmg(g, 2, FaultTruncated, g, FaultTruncated, g, `Expected \r\n, got: 0000`, 0)},
		},
		{
			// loader: atoi("1 \r\n") = 1. checker: strtol stops at ' ' → "Expected \r\n".
			"junk after argc", "*1 \r\n$3\r\nfoo\r\n" + scG,
			[]scWant{scCk(0, 14, 0, FaultFormat, 0, `Expected \r\n, got: 200d`, "foo"), scGood(14)},
		},
		{
			// loader: fgets stops at the LF, atoi = 1. checker: eptr = "\n", then the NUL.
			"bare LF after argc", "*1\n$3\r\nfoo\r\n" + scG,
			[]scWant{scCk(0, 12, 0, FaultFormat, 0, `Expected \r\n, got: 0a00`, "foo"), scGood(12)},
		},
		// strtol takes a sign and leading white space: both readers accept.
		{"$+4", "*1\r\n$+4\r\nabcd\r\n" + scG, []scWant{scCmd(0, 15, 3, "abcd"), scGood(15)}},
		{"$ 4", "*1\r\n$ 4\r\nabcd\r\n" + scG, []scWant{scCmd(0, 15, 3, "abcd"), scGood(15)}},
		{"leading zeros", "*01\r\n$003\r\nfoo\r\n" + scG, []scWant{scCmd(0, 16, 3, "foo"), scGood(16)}},
		{
			// loader: (unsigned long)-1 → sdsnewlen asserts / OOM: undefined. checker:
			// "not in the suitable range" at the `$` line, after counting 2 lines.
			"$-1", "*1\r\n$-1\r\n" + scG,
			[]scWant{scDmg(0, 9, FaultCrash, 4, FaultFormat, 4, "Expected to read string of -1 bytes, which is not in the suitable range", 2), scGood(9)},
		},
		{
			// loader: strtol("abc") = 0: reads nothing, discards "XY". checker: no digits,
			// eptr = "abc" → "Expected \r\n, got: 6162".
			"$abc", "*1\r\n$abc\r\nXY" + scG,
			[]scWant{scCk(0, 12, 1, FaultFormat, 4, `Expected \r\n, got: 6162`, ""), scGood(12)},
		},
		{
			// loader: strtol("3xx") = 3. checker: eptr = "xx".
			"junk after bulk length", "*1\r\n$3xx\r\nfoo\r\n" + scG,
			[]scWant{scCk(0, 15, 1, FaultFormat, 4, `Expected \r\n, got: 7878`, "foo"), scGood(15)},
		},
		{
			// loader: fread(buf, 2) discards "XY" unchecked. checker: consumeNewline on the last
			// two bytes of the len+2 read; epos is the payload start.
			"bulk not followed by CRLF", "*1\r\n$3\r\nfooXY" + scG,
			[]scWant{scCk(0, 13, 2, FaultFormat, 8, `Expected \r\n, got: 5859`, "foo"), scGood(13)},
		},
		{
			// loader: reads 5 bytes "foo\r\n", discards "*3"; the rest of the next record
			// ("\r\n$3…") starts with '\r' → fmterr. checker: last two bytes of 7 are "*3".
			"bulk length too long eats the next record", "*1\r\n$5\r\nfoo\r\n" + scG,
			[]scWant{
				scCk(0, 15, 2, FaultFormat, 8, `Expected \r\n, got: 2a33`, "foo\r\n"),
				// no line after it starts with '*': damage to the end
				scDmg(15, len(scG)-2, FaultFormat, 15, FaultFormat, 15, "format error", 0),
			},
		},
		{
			// checker: fgets(buf, 128) reads 127 bytes, strtol eats the zeros, eptr is the
			// buffer's NUL → "Expected \r\n". loader: 1024-byte buffer, atoi = 1.
			"argc line longer than 127 bytes", "*" + zeros(130) + "1\r\n$3\r\nfoo\r\n" + scG,
			[]scWant{scCk(0, 143, 0, FaultFormat, 0, "", "foo"), scGood(143)},
		},
		{
			"bulk length line longer than 127 bytes", "*1\r\n$" + zeros(130) + "3\r\nfoo\r\n" + scG,
			[]scWant{scCk(0, 143, 1, FaultFormat, 4, "", "foo"), scGood(143)},
		},
		{
			// loader: fgets(buf, 1024) reads "*" + 1022 zeros: atoi = 0 → fmterr. checker: 127
			// bytes, "Expected \r\n". Resync skips the rest of the record (its lines start
			// with '$' and 'f') up to scG.
			"argc line longer than 1023 bytes", "*" + zeros(1100) + "1\r\n$3\r\nfoo\r\n" + scG,
			[]scWant{scDmg(0, 1113, FaultFormat, 0, FaultFormat, 0, "", 0), scGood(1113)},
		},
		{
			// loader: the `$` line's first 1023 bytes are "$" + 1022 zeros: len 0, nothing read,
			// two zeros discarded; the record ends at 4+1023+2 and the next line starts with the
			// 76 zeros left → fmterr. checker: 127-byte buffer → "Expected \r\n" at the `$` line.
			"bulk length line longer than 1023 bytes", "*1\r\n$" + zeros(1100) + "3\r\nfoo\r\n" + scG,
			[]scWant{
				scCk(0, 1029, 1, FaultFormat, 4, "", ""),
				scDmg(1029, 84, FaultFormat, 1029, FaultFormat, 1029, "format error", 0),
				scGood(1113),
			},
		},
		{
			// loader: atoi is (int)strtol: 4294967297 → 1, one argument. checker: argc is a
			// long, so it goes on reading arguments and finds the next record's '*'.
			"argc over 2^32 wraps to 1 for the loader", "*4294967297\r\n$3\r\nfoo\r\n" + scG,
			[]scWant{scCk(0, 22, 3, FaultFormat, 22, "Expected prefix '$', got: '*'", "foo"), scGood(22)},
		},
		{
			// loader: (int)2147483648 is negative → fmterr. checker: as above.
			"argc 2^31 is negative for the loader", "*2147483648\r\n$3\r\nfoo\r\n" + scG,
			[]scWant{scDmg(0, 22, FaultFormat, 0, FaultFormat, 22, "Expected prefix '$', got: '*'", 3), scGood(22)},
		},
		{
			// loader: the second `$` line is "*3\r\n" → fmterr. checker: "Expected prefix".
			"fewer arguments than argc", "*2\r\n$3\r\nfoo\r\n" + scG,
			[]scWant{scDmg(0, 13, FaultFormat, 13, FaultFormat, 13, "Expected prefix '$', got: '*'", 3), scGood(13)},
		},
		{
			// loader: fread(999999999) runs into EOF → uxeof (it would truncate the file here
			// and drop the good records after it). checker: short fread. Scanning resumes at
			// the first line where two good records follow each other.
			"huge bulk length mid-file", scG + "*1\r\n$999999999\r\nfoo\r\n" + scG + scG,
			[]scWant{
				scGood(0),
				scDmg(g, 21, FaultTruncated, g+16, FaultTruncated, g+16, fmt.Sprintf("Expected to read 1000000001 bytes, got %d bytes", 5+2*len(scG)), 2),
				scGood(g + 21), scGood(2*g + 21),
			},
		},
		{
			"garbage line between records", scG + "garbage\r\n" + scG,
			[]scWant{scGood(0), scDmg(g, 9, FaultFormat, g, FaultFormat, g, "format error", 0), scGood(g + 9)},
		},
		{"blank line between records", scG + "\r\n" + scG,
			[]scWant{scGood(0), scDmg(g, 2, FaultFormat, g, FaultFormat, g, "format error", 0), scGood(g + 2)}},
		{
			// loader: buf[0] == '\0' → fmterr (never auto-truncated). checker: "format error".
			"zero-filled tail", scG + strings.Repeat("\x00", 4096),
			[]scWant{scGood(0), scDmg(g, 4096, FaultFormat, g, FaultFormat, g, "format error", 0)},
		},
		{
			// A lone good record between two damaged lines is not a resync point: resync wants
			// a good record followed by another, an annotation, or the end.
			"lone good record between garbage", "junk\r\n" + scG + "junk\r\n" + scG,
			[]scWant{scDmg(0, 6+len(scG)+6, FaultFormat, 0, FaultFormat, 0, "format error", 0), scGood(g + 12)},
		},
		{"resync at a #TS annotation", "junk\r\n#TS:1\r\n" + scG,
			[]scWant{scDmg(0, 6, FaultFormat, 0, FaultFormat, 0, "format error", 0), scAnn(6, 7), scGood(13)}},
		{"resync at a record followed by an annotation", "junk\r\n" + scG + "#x\r\n",
			[]scWant{scDmg(0, 6, FaultFormat, 0, FaultFormat, 0, "format error", 0), scGood(6), scAnn(6+g, 4)}},
		// Truncations. loader: EOF inside a record is readerr with feof → uxeof. checker: a
		// short line or fread is an error; a NULL fgets (EOF at a line boundary) stops silently.
		{"truncated after argc digits", scG + "*3",
			[]scWant{scGood(0), scDmg(g, 2, FaultTruncated, g+2, FaultTruncated, g, `Expected \r\n, got: 0000`, 0)}},
		{"truncated inside argc CRLF", scG + "*3\r",
			[]scWant{scGood(0), scDmg(g, 3, FaultTruncated, g+3, FaultTruncated, g, `Expected \r\n, got: 0d00`, 0)}},
		{"truncated inside $ line", scG + "*1\r\n$3",
			[]scWant{scGood(0), scDmg(g, 6, FaultTruncated, g+6, FaultTruncated, g+4, "", 1)}},
		{"truncated inside payload", scG + "*1\r\n$3\r\nfo",
			[]scWant{scGood(0), scDmg(g, 10, FaultTruncated, g+8, FaultTruncated, g+8, "Expected to read 5 bytes, got 2 bytes", 2)}},
		{"truncated before final CRLF", scG + "*1\r\n$3\r\nfoo",
			[]scWant{scGood(0), scDmg(g, 11, FaultTruncated, g+11, FaultTruncated, g+8, "Expected to read 5 bytes, got 3 bytes", 2)}},
		{"truncated inside final CRLF", scG + "*1\r\n$3\r\nfoo\r",
			[]scWant{scGood(0), scDmg(g, 12, FaultTruncated, g+11, FaultTruncated, g+8, "Expected to read 5 bytes, got 4 bytes", 2)}},
		{"record cut at a line boundary", scG + "*2\r\n$3\r\nfoo\r\n",
			[]scWant{scGood(0), scDmg(g, 13, FaultTruncated, g+13, FaultTruncated, g+13, "", 3)}},
		{
			// loader: atoi("0") = 0 → fmterr before any read. checker: no CRLF after "0".
			"*0 at EOF without CRLF", "*0",
			[]scWant{scDmg(0, 2, FaultFormat, 0, FaultTruncated, 0, "", 0)},
		},
		// Annotations: both readers fgets(buf, 1024) a line starting with '#' and skip it.
		{"#TS annotation", "#TS:123\r\n" + scG, []scWant{scAnn(0, 9), scGood(9)}},
		{"#TS at EOF without CRLF", scG + "#TS:123", []scWant{scGood(0), scAnn(g, 7)}},
		{"other annotation", "#whatever\n" + scG, []scWant{scAnn(0, 10), scGood(10)}},
		{
			// The first 1023 bytes are the annotation; the rest of the line is read as the next
			// record: 'x' → fmterr / "format error".
			"annotation longer than 1023 bytes", "#" + strings.Repeat("x", 1100) + "\r\n" + scG,
			[]scWant{scAnn(0, 1023), scDmg(1023, 80, FaultFormat, 1023, FaultFormat, 1023, "format error", 0), scGood(1103)},
		},
	}
}

func TestScannerShapes(t *testing.T) {
	for _, tc := range scCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := scanAll([]byte(tc.data), 0)
			bad := len(got) != len(tc.want)
			var msg []string
			for i := 0; i < len(got) || i < len(tc.want); i++ {
				switch {
				case i >= len(got):
					msg = append(msg, fmt.Sprintf("  #%d missing, want %s@%d+%d", i, tc.want[i].kind, tc.want[i].off, tc.want[i].n))
				case i >= len(tc.want):
					msg = append(msg, fmt.Sprintf("  #%d unexpected %s", i, got[i]))
				default:
					if d := scMismatch(got[i], tc.want[i]); d != "" {
						bad = true
						msg = append(msg, fmt.Sprintf("  #%d %s: %s", i, got[i], d))
					}
				}
			}
			if bad {
				t.Errorf("%q:\n%s", abbrev(tc.data), strings.Join(msg, "\n"))
			}
			scCheckTiling(t, []byte(tc.data), 0, got)
		})
	}
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:60] + fmt.Sprintf("…(%d bytes)…", len(s)-76) + s[len(s)-16:]
	}
	return s
}

// scCheckTiling asserts records tile data exactly, in order, with consecutive indexes.
func scCheckTiling(t *testing.T, data []byte, base int64, recs []scRec) {
	t.Helper()
	off := base
	for i, r := range recs {
		if r.Offset != off || r.Index != int64(i) || len(r.Raw) == 0 || !bytes.Equal(r.Raw, data[off-base:off-base+int64(len(r.Raw))]) {
			t.Fatalf("record %d (%s) does not continue at offset %d", i, r, off)
		}
		off += int64(len(r.Raw))
	}
	if off != base+int64(len(data)) {
		t.Fatalf("records end at %d, data at %d", off, base+int64(len(data)))
	}
}

// TestScannerBookkeeping checks Offset, Size, Index, End, Name and String with a non-zero base.
func TestScannerBookkeeping(t *testing.T) {
	data := []byte("#TS:1\r\n" + scG + "junk\r\n" + scG + "*1\r\n$4\r\nPING\r\n")
	const base = 1000
	s := NewScanner(data, base, nil)
	if s.Offset() != base || s.Size() != base+int64(len(data)) {
		t.Fatalf("Offset %d Size %d before the first record", s.Offset(), s.Size())
	}
	want := []struct {
		kind Kind
		off  int64
		name string
	}{
		{KindAnnotation, 1000, ""},
		{KindCommand, 1007, "SET"},
		{KindDamage, 1034, ""},
		{KindCommand, 1040, "SET"},
		{KindCommand, 1067, "PING"},
	}
	for i, w := range want {
		if !s.Next() {
			t.Fatalf("Next = false at record %d", i)
		}
		r := s.Record()
		if r.Kind != w.kind || r.Offset != w.off || r.Index != int64(i) || string(r.Name()) != w.name {
			t.Fatalf("record %d = %s index %d name %q, want %s at %d index %d name %q", i, r, r.Index, r.Name(), w.kind, w.off, i, w.name)
		}
		if s.Offset() != r.End() || !bytes.Equal(r.Raw, data[r.Offset-base:r.End()-base]) {
			t.Fatalf("record %d: scanner offset %d, record end %d", i, s.Offset(), r.End())
		}
		if str := r.String(); str != fmt.Sprintf("%s at %d (%d bytes)", w.kind, w.off, len(r.Raw)) {
			t.Fatalf("String() = %q", str)
		}
	}
	if s.Next() || s.Next() {
		t.Fatal("Next = true after the last record")
	}
	if s.Offset() != s.Size() {
		t.Fatalf("Offset %d at the end, Size %d", s.Offset(), s.Size())
	}
	if Kind(0).String() != "unknown" || KindDamage.String() != "damage" {
		t.Fatal("Kind.String")
	}
}

// TestScannerLineAt queries line numbers forwards, backwards, out of range and between calls
// to Next, against a count of '\n' bytes.
func TestScannerLineAt(t *testing.T) {
	data := []byte(scG + "#TS:1\r\n" + "*1\r\n$3\r\na\nb\r\n" + "junk\n" + scG)
	const base = 500
	ref := func(off int64) int64 {
		i := min(max(off-base, 0), int64(len(data)))
		return 1 + int64(bytes.Count(data[:i], []byte("\n")))
	}
	s := NewScanner(data, base, nil)
	offs := []int64{base, base + 3, base + 4, base + 30, base + 2, base, base - 10, base + int64(len(data)), base + int64(len(data)) + 99, base + 41, base + 40}
	for _, off := range offs {
		if got := s.LineAt(off); got != ref(off) {
			t.Fatalf("LineAt(%d) = %d, want %d", off, got, ref(off))
		}
	}
	for s.Next() {
		r := s.Record()
		for _, off := range []int64{r.Offset, r.End(), r.Offset + 1, base + 5} {
			if got := s.LineAt(off); got != ref(off) {
				t.Fatalf("after Next: LineAt(%d) = %d, want %d", off, got, ref(off))
			}
		}
	}
}

// TestScannerResume restarts the scan at chosen offsets.
func TestScannerResume(t *testing.T) {
	data := []byte(scG + scG + "*1\r\n$4\r\nPING\r\n")
	const base = 100
	g := int64(len(scG))
	s := NewScanner(data, base, nil)
	if !s.Next() || s.Record().Offset != base {
		t.Fatal("first record")
	}
	// Forward past the second record.
	s.Resume(base + 2*g)
	if !s.Next() || s.Record().Offset != base+2*g || string(s.Record().Name()) != "PING" {
		t.Fatalf("after Resume(%d): %s", base+2*g, s.Record())
	}
	// Backwards to the second record.
	s.Resume(base + g)
	if !s.Next() || s.Record().Offset != base+g || s.Record().Kind != KindCommand {
		t.Fatalf("after Resume(%d): %s", base+g, s.Record())
	}
	// Into the middle of a record: what is there is damage until the next good record.
	s.Resume(base + g + 1)
	if !s.Next() || s.Record().Kind != KindDamage || s.Record().Offset != base+g+1 || s.Record().End() != base+2*g {
		t.Fatalf("after Resume(%d): %s", base+g+1, s.Record())
	}
	// Outside the data: the scan ends.
	for _, off := range []int64{base - 1, base + int64(len(data)), base + int64(len(data)) + 1, -1} {
		s.Resume(off)
		if s.Next() {
			t.Fatalf("Resume(%d): Next = true (%s)", off, s.Record())
		}
		if s.Offset() != s.Size() {
			t.Fatalf("Resume(%d): Offset %d, Size %d", off, s.Offset(), s.Size())
		}
	}
}

// TestScannerRelease scans more than 16 MiB with a release callback that overwrites every
// released byte: records after it must still be right (the scanner never reads below a
// released offset again) and LineAt of the end must still be right (lines were counted before
// the bytes were released).
func TestScannerRelease(t *testing.T) {
	n := (17 << 20) / len(scG)
	data := bytes.Repeat([]byte(scG), n)
	var rels []int64
	next := int64(0) // end of the last record yielded
	s := NewScanner(data, 0, func(off int64) {
		if off > next {
			t.Errorf("release(%d) beyond the next record at %d", off, next)
		}
		if len(rels) > 0 && off-rels[len(rels)-1] < releaseStep {
			t.Errorf("release(%d) only %d bytes after the previous one", off, off-rels[len(rels)-1])
		}
		rels = append(rels, off)
		for i := range data[:off] {
			data[i] = 0xff
		}
	})
	count := 0
	for s.Next() {
		r := s.Record()
		if r.Offset != next || r.Kind != KindCommand || len(r.Args) != 3 || string(r.Args[0]) != "SET" || string(r.Args[2]) != "v" {
			t.Fatalf("record %d at %d: %s", count, next, r)
		}
		next = r.End()
		count++
	}
	if count != n {
		t.Fatalf("%d records, want %d", count, n)
	}
	if want := len(data) / (releaseStep + len(scG)); len(rels) != want {
		t.Fatalf("release called %d times (%v), want %d for %d bytes", len(rels), rels, want, len(data))
	}
	if got, want := s.LineAt(s.Size()), int64(7*n+1); got != want {
		t.Fatalf("LineAt(end) = %d, want %d", got, want)
	}
}

// scVaried is well-formed AOF content with records of 1 to 40 arguments and annotations.
func scVaried() []byte {
	var b bytes.Buffer
	for i := 0; i < 200; i++ {
		if i%17 == 0 {
			fmt.Fprintf(&b, "#TS:%d\r\n", 1700000000+i)
		}
		argc := 1 + i%40
		fmt.Fprintf(&b, "*%d\r\n", argc)
		for j := 0; j < argc; j++ {
			v := strings.Repeat("x", (i*j)%50)
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(v), v)
		}
	}
	return b.Bytes()
}

// TestScannerNoAllocs: after a warm-up scan, scanning well-formed data again allocates nothing.
func TestScannerNoAllocs(t *testing.T) {
	data := scVaried()
	s := NewScanner(data, 0, nil)
	records := 0
	for s.Next() {
		records++
	}
	allocs := testing.AllocsPerRun(5, func() {
		s.Resume(0)
		for s.Next() {
			if s.Record().Kind != KindCommand && s.Record().Kind != KindAnnotation {
				panic("damage in well-formed data")
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per scan of %d records, want 0", allocs, records)
	}
}

// TestScannerTruncatedWhileMapped: a file truncated by another process while mapped makes the
// scan fault; under mmapfile.Guard that is mmapfile.ErrFault, not a crash.
func TestScannerTruncatedWhileMapped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "appendonly.aof")
	if err := os.WriteFile(p, bytes.Repeat([]byte(scG), (1<<20)/len(scG)), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := mmapfile.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.Mapped() {
		t.Skip("no mmap on this system")
	}
	if err := os.Truncate(p, 100); err != nil {
		t.Fatal(err)
	}
	records := 0
	err = mmapfile.Guard(func() error {
		s := NewScanner(m.Bytes(), 0, m.Release)
		for s.Next() {
			records++
		}
		return nil
	})
	if !errors.Is(err, mmapfile.ErrFault) {
		t.Fatalf("scan of a truncated mapping: %v after %d records, want mmapfile.ErrFault", err, records)
	}
}
