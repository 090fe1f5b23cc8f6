package aof

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// manifestLineOfLen returns a valid base line of exactly n bytes, newline included.
func manifestLineOfLen(n int) string {
	const frame = "file  seq 1 type b\n"
	return "file " + strings.Repeat("n", n-len(frame)) + " seq 1 type b\n"
}

type manifestCase struct {
	name string
	in   string
	// success
	want []ManifestEntry // Name, Seq, Type, Line, Offset
	// failure
	reason string
	line   int
	offset int64
	detail string // substring of Detail
	text   string // expected Text (only checked when reason != "" and text != "")
}

func me(name string, seq int64, t FileType, line int, off int64) ManifestEntry {
	return ManifestEntry{Name: name, Seq: seq, Type: t, Line: line, Offset: off}
}

// manifestCases is the rule table of reference §1.4; every case is also a fuzz seed and is
// replayed against redis-check-aof / redis-server by TestManifestAgainstRedis.
var manifestCases = []manifestCase{
	// --- accepted ---
	{name: "fixture-7.x", in: "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		want: []ManifestEntry{me("appendonly.aof.2.base.rdb", 2, 'b', 1, 0), me("appendonly.aof.2.incr.aof", 2, 'i', 2, 44)}},
	{name: "crlf", in: "file a seq 1 type b\r\nfile b seq 1 type i\r\n",
		want: []ManifestEntry{me("a", 1, 'b', 1, 0), me("b", 1, 'i', 2, 21)}},
	{name: "comments-count-lines", in: "# made by hand\nfile a seq 1 type b\n#\nfile b seq 3 type i\n",
		want: []ManifestEntry{me("a", 1, 'b', 2, 15), me("b", 3, 'i', 4, 37)}},
	{name: "comments-only", in: "# nothing here\n#\n", want: []ManifestEntry{}},
	{name: "comment-last-without-newline", in: "file a seq 1 type b\n# end", want: []ManifestEntry{me("a", 1, 'b', 1, 0)}},
	{name: "keys-case-insensitive", in: "FILE a SeQ 1 TYPE b\n", want: []ManifestEntry{me("a", 1, 'b', 1, 0)}},
	{name: "unknown-keys-ignored", in: "file a seq 1 type b size 100 startoffset 7\n", want: []ManifestEntry{me("a", 1, 'b', 1, 0)}},
	{name: "repeated-key-last-wins", in: "file a seq 1 type h file c seq 2 type b\n", want: []ManifestEntry{me("c", 2, 'b', 1, 0)}},
	{name: "key-order-free", in: "type i seq 3 file x\n", want: []ManifestEntry{me("x", 3, 'i', 1, 0)}},
	{name: "type-first-char", in: "file a seq 1 type base\nfile h seq 1 type hist\nfile i seq 1 type incr\n",
		want: []ManifestEntry{me("a", 1, 'b', 1, 0), me("h", 1, 'h', 2, 23), me("i", 1, 'i', 3, 46)}},
	{name: "negative-seq-base-history", in: "file a seq -5 type b\nfile h seq -1 type h\n",
		want: []ManifestEntry{me("a", -5, 'b', 1, 0), me("h", -1, 'h', 2, 21)}},
	{name: "atoll-prefix", in: "file a seq 12abc type b\nfile b seq +7 type i\nfile c seq \" \\t9\" type h\n",
		want: []ManifestEntry{me("a", 12, 'b', 1, 0), me("b", 7, 'i', 2, 24), me("c", 9, 'h', 3, 45)}},
	{name: "atoll-saturates", in: "file a seq 99999999999999999999 type b\nfile b seq -99999999999999999999 type h\nfile c seq 9223372036854775807 type i\n",
		want: []ManifestEntry{me("a", math.MaxInt64, 'b', 1, 0), me("b", math.MinInt64, 'h', 2, 39), me("c", math.MaxInt64, 'i', 3, 79)}},
	{name: "history-any-order", in: "file b seq 4 type b\nfile h3 seq 3 type h\nfile h1 seq 1 type h\nfile h9 seq 9 type h\nfile i seq 4 type i\n",
		want: []ManifestEntry{me("b", 4, 'b', 1, 0), me("h3", 3, 'h', 2, 20), me("h1", 1, 'h', 3, 41), me("h9", 9, 'h', 4, 62), me("i", 4, 'i', 5, 83)}},
	{name: "incr-before-base", in: "file i seq 1 type i\nfile i2 seq 2 type i\nfile b seq 1 type b\n",
		want: []ManifestEntry{me("i", 1, 'i', 1, 0), me("i2", 2, 'i', 2, 20), me("b", 1, 'b', 3, 41)}},
	{name: "whitespace-trim-and-separators", in: " \t file\ta  seq \t1 type b \t\r\n",
		want: []ManifestEntry{me("a", 1, 'b', 1, 0)}},
	{name: "single-quotes", in: "file 'a b' seq 1 type b\nfile 'it\\'s' seq 1 type i\n",
		want: []ManifestEntry{me("a b", 1, 'b', 1, 0), me("it's", 1, 'i', 2, 24)}},
	{name: "double-quote-escapes", in: "file \"\\x41\\x6a\\n\\r\\t\\b\\a\\z\\\" q\" seq 1 type b\n",
		want: []ManifestEntry{me("Aj\n\r\t\b\az\" q", 1, 'b', 1, 0)}},
	{name: "hex-escape-needs-two-digits", in: "file \"\\xZZ\\x4\" seq 1 type b\n",
		want: []ManifestEntry{me("xZZx4", 1, 'b', 1, 0)}},
	{name: "quote-inside-token", in: "file ab\"c d\" seq 1 type b\n", want: []ManifestEntry{me("abc d", 1, 'b', 1, 0)}},
	{name: "nul-escape-cuts-name", in: "file \"a\\x00/b\" seq 1 type b\n", want: []ManifestEntry{me("a", 1, 'b', 1, 0)}},
	{name: "nul-escape-cuts-key", in: "\"file\\x00zz\" a seq 1 type b\n", want: []ManifestEntry{me("a", 1, 'b', 1, 0)}},
	{name: "vt-inside-unquoted-token", in: "file a\vb seq 1 type b\n", want: []ManifestEntry{me("a\vb", 1, 'b', 1, 0)}},
	{name: "vt-after-quote-separates", in: "file \"a\"\vseq 1 type b\n", want: []ManifestEntry{me("a", 1, 'b', 1, 0)}},
	{name: "high-bytes-unquoted", in: "file \xc3\xa9\xff seq 1 type b\n", want: []ManifestEntry{me("\xc3\xa9\xff", 1, 'b', 1, 0)}},
	{name: "empty-quoted-name", in: "file \"\" seq 1 type h\n", want: []ManifestEntry{me("", 1, 'h', 1, 0)}},
	{name: "line-of-1024-bytes", in: manifestLineOfLen(1024), want: []ManifestEntry{me(strings.Repeat("n", 1024-19), 1, 'b', 1, 0)}},
	{name: "long-comment-remainder-is-a-line", in: "#" + strings.Repeat("c", 1023) + "file a seq 1 type b\n",
		want: []ManifestEntry{me("a", 1, 'b', 2, 1024)}},
	{name: "long-comment-remainder-comment", in: "#" + strings.Repeat("c", 1023) + "#more\nfile a seq 1 type b\n",
		want: []ManifestEntry{me("a", 1, 'b', 3, 1030)}},

	// --- rejected ---
	{name: "empty", in: "", reason: ManifestReasonEmpty},
	{name: "newline-only", in: "\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "blank"},
	{name: "whitespace-only", in: "file a seq 1 type b\n \t\r\n", reason: ManifestReasonInvalidFormat, line: 2, offset: 20, detail: "blank"},
	{name: "blank-crlf", in: "\r\nfile a seq 1 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "blank"},
	{name: "vt-only-line", in: "\v\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "0 tokens", text: "\v"},
	{name: "no-final-newline", in: "file a seq 1 type b", reason: ManifestReasonTooLongLine, line: 1, detail: "no newline"},
	{name: "no-final-newline-second", in: "file a seq 1 type b\nfile b seq 1 type i", reason: ManifestReasonTooLongLine, line: 2, offset: 20},
	{name: "line-of-1025-bytes", in: manifestLineOfLen(1025), reason: ManifestReasonTooLongLine, line: 1, detail: "longer"},
	{name: "nul-byte-in-line", in: "file a\x00 seq 1 type b\n", reason: ManifestReasonTooLongLine, line: 1, detail: "NUL"},
	{name: "nul-byte-first", in: "\x00file a seq 1 type b\n", reason: ManifestReasonTooLongLine, line: 1, detail: "NUL"},
	{name: "long-comment-then-blank", in: "#" + strings.Repeat("c", 1023) + "\nfile a seq 1 type b\n",
		reason: ManifestReasonInvalidFormat, line: 2, offset: 1024, detail: "blank"},
	{name: "five-tokens", in: "file a seq 1 type\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "5 tokens", text: "file a seq 1 type"},
	{name: "four-tokens", in: "file a seq 1\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "4 tokens"},
	{name: "seven-tokens", in: "file a seq 1 type b x\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "7 tokens"},
	{name: "no-file-key", in: "name a seq 1 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "no file name"},
	{name: "unicode-fold-is-not-ascii", in: "file a \xc5\xbfeq 1 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "seq"},
	{name: "seq-zero", in: "file a seq 0 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "seq"},
	{name: "seq-not-number", in: "file a seq abc type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "seq"},
	{name: "seq-repeated-last-zero", in: "file a seq 5 type b seq 0\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "seq"},
	{name: "no-type", in: "file a seq 1 kind b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "no type"},
	{name: "empty-type", in: "file a seq 1 type \"\"\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "no type"},
	{name: "missing-beats-unknown-type", in: "file a seq 0 type x\n", reason: ManifestReasonInvalidFormat, line: 1},
	{name: "unknown-type", in: "file a seq 1 type b\nfile b seq 1 type x\n", reason: ManifestReasonUnknownType, line: 2, offset: 20, text: "file b seq 1 type x"},
	{name: "type-is-case-sensitive", in: "file a seq 1 type B\n", reason: ManifestReasonUnknownType, line: 1},
	{name: "path-slash", in: "file dir/a seq 1 type b\n", reason: ManifestReasonPath, line: 1},
	{name: "path-backslash-quoted", in: "file \"a\\\\b\" seq 1 type b\n", reason: ManifestReasonPath, line: 1},
	{name: "path-backslash-single-quoted", in: "file 'a\\nb' seq 1 type b\n", reason: ManifestReasonPath, line: 1},
	{name: "path-hex-escape", in: "file \"..\\x2fetc\" seq 1 type b\n", reason: ManifestReasonPath, line: 1},
	{name: "path-in-overridden-file", in: "file a/b seq 1 type b file c\n", reason: ManifestReasonPath, line: 1},
	{name: "path-beats-missing-seq", in: "file /a seq 0 type x\n", reason: ManifestReasonPath, line: 1},
	{name: "duplicate-base", in: "file a seq 1 type b\n# second\nfile b seq 2 type b\n", reason: ManifestReasonDuplicateBase, line: 3, offset: 29},
	{name: "incr-equal-seq", in: "file a seq 1 type i\nfile b seq 1 type i\n", reason: ManifestReasonNonMonotonic, line: 2, offset: 20},
	{name: "incr-decreasing", in: "file a seq 5 type i\nfile b seq 3 type i\n", reason: ManifestReasonNonMonotonic, line: 2, offset: 20},
	{name: "incr-negative", in: "file a seq -1 type i\n", reason: ManifestReasonNonMonotonic, line: 1},
	{name: "unterminated-double-quote", in: "file \"abc seq 1 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "unterminated"},
	{name: "unterminated-single-quote", in: "file 'abc seq 1 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "unterminated"},
	{name: "trailing-backslash-in-quote", in: "file a seq 1 type \"b\\\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "unterminated"},
	{name: "closing-quote-then-char", in: "file \"a\"b seq 1 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "closing quote"},
	{name: "closing-single-quote-then-char", in: "file 'a'b seq 1 type b\n", reason: ManifestReasonInvalidFormat, line: 1, detail: "closing quote"},
	{name: "error-after-comments-and-crlf", in: "# a\r\n# b\r\nfile a seq 1 type b\r\nfile b seq 0 type i\r\n",
		reason: ManifestReasonInvalidFormat, line: 4, offset: 31, text: "file b seq 0 type i"},
}

func TestParseManifest(t *testing.T) {
	for _, tc := range manifestCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest([]byte(tc.in))
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("ParseManifest: %v", err)
				}
				got := m.Entries
				if got == nil {
					got = []ManifestEntry{}
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("entries\n got %+v\nwant %+v", got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseManifest accepted it: %+v", m.Entries)
			}
			var me *ManifestError
			if !errors.As(err, &me) || !errors.Is(err, ErrManifest) {
				t.Fatalf("error %T %v is not a *ManifestError wrapping ErrManifest", err, err)
			}
			if me.Reason != tc.reason || me.Line != tc.line || me.Offset != tc.offset {
				t.Fatalf("got reason %q line %d offset %d, want %q line %d offset %d (%v)",
					me.Reason, me.Line, me.Offset, tc.reason, tc.line, tc.offset, err)
			}
			if !strings.Contains(me.Detail, tc.detail) {
				t.Errorf("detail %q does not contain %q", me.Detail, tc.detail)
			}
			if tc.text != "" && me.Text != tc.text {
				t.Errorf("text %q, want %q", me.Text, tc.text)
			}
			if (me.Reason == ManifestReasonTooLongLine || me.Reason == ManifestReasonEmpty) && me.Text != "" {
				t.Errorf("text %q: Redis prints no line for too-long and empty", me.Text)
			}
		})
	}
}

func TestManifestErrorString(t *testing.T) {
	tests := []struct {
		err  ManifestError
		want string
	}{
		{ManifestError{Reason: ManifestReasonEmpty}, "AOF manifest: Found an empty AOF manifest"},
		{ManifestError{Line: 2, Offset: 20, Text: "file b seq 1 type x", Reason: ManifestReasonUnknownType},
			"AOF manifest line 2 (offset 20): Unknown AOF file type: >>> 'file b seq 1 type x'"},
		{ManifestError{Line: 1, Text: "file \"a seq 1\x1b", Reason: ManifestReasonInvalidFormat, Detail: "unterminated quote"},
			`AOF manifest line 1 (offset 0): Invalid AOF manifest file format (unterminated quote): >>> "file \"a seq 1\x1b"`},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestManifestAccessors(t *testing.T) {
	m, err := ParseManifest([]byte("file i3 seq 3 type i\nfile h2 seq 2 type h\nfile b seq 4 type b\nfile h1 seq 1 type h\nfile i4 seq 4 type i\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Base(); b == nil || b.Name != "b" || b != &m.Entries[2] {
		t.Errorf("Base() = %+v", b)
	}
	names := func(es []ManifestEntry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Name)
		}
		return strings.Join(s, ",")
	}
	if got := names(m.Incrs()); got != "i3,i4" {
		t.Errorf("Incrs() = %s", got)
	}
	if got := names(m.History()); got != "h2,h1" {
		t.Errorf("History() = %s", got)
	}
	if got := names(m.RedisOrder().Entries); got != "b,h2,h1,i3,i4" {
		t.Errorf("RedisOrder() = %s", got)
	}
	if (&Manifest{}).Base() != nil {
		t.Error("Base() of an empty manifest is not nil")
	}
	for ft, want := range map[FileType]string{'b': "base", 'h': "history", 'i': "incr", 'x': "FileType('x')"} {
		if ft.String() != want {
			t.Errorf("%c.String() = %q, want %q", byte(ft), ft.String(), want)
		}
	}
}

// TestManifestTestdata parses the real manifests in testdata/manifest and checks each
// writes back byte for byte (the files were written by Redis, so this checks AppendManifest
// against aofInfoFormat, quoting included).
func TestManifestTestdata(t *testing.T) {
	want := map[string][]ManifestEntry{
		"redis-7.0.15.manifest": {me("appendonly.aof.2.base.rdb", 2, 'b', 1, 0), me("appendonly.aof.2.incr.aof", 2, 'i', 2, 44)},
		"redis-7.0.15-history.manifest": {
			me("appendonly.aof.4.base.rdb", 4, 'b', 1, 0),
			me("appendonly.aof.3.incr.aof", 3, 'h', 2, 44),
			me("appendonly.aof.3.base.rdb", 3, 'h', 3, 88),
			me("appendonly.aof.2.incr.aof", 2, 'h', 4, 132),
			me("appendonly.aof.2.base.rdb", 2, 'h', 5, 176),
			me("appendonly.aof.1.incr.aof", 1, 'h', 6, 220),
			me("appendonly.aof.1.base.rdb", 1, 'h', 7, 264),
			me("appendonly.aof.4.incr.aof", 4, 'i', 8, 308)},
		"redis-7.0.15-quoted.manifest": {
			me("we ird\t\"q\"\x01\xc3\xa9\x7f\v\f\a\b\r\n#'.aof.2.base.rdb", 2, 'b', 1, 0),
			me("we ird\t\"q\"\x01\xc3\xa9\x7f\v\f\a\b\r\n#'.aof.2.incr.aof", 2, 'i', 2, 83)},
	}
	for _, f := range []string{"redis-7.0.15.manifest", "redis-7.2.6.manifest", "redis-7.4.1.manifest",
		"redis-8.0-m01.manifest", "valkey-8.0.1.manifest", "redis-7.0.15-history.manifest", "redis-7.0.15-quoted.manifest"} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "manifest", f))
			if err != nil {
				t.Fatal(err)
			}
			if !LooksLikeManifest(data) {
				t.Error("LooksLikeManifest = false")
			}
			m, err := ParseManifest(data)
			if err != nil {
				t.Fatal(err)
			}
			w, ok := want[f]
			if !ok {
				w = want["redis-7.0.15.manifest"]
			}
			if !reflect.DeepEqual(m.Entries, w) {
				t.Errorf("entries\n got %+v\nwant %+v", m.Entries, w)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if out := AppendManifest(nil, m); !bytes.Equal(out, data) {
				t.Errorf("AppendManifest differs from what Redis wrote\n got %q\nwant %q", out, data)
			}
		})
	}
}

func TestAppendManifestGolden(t *testing.T) {
	m := &Manifest{Entries: []ManifestEntry{
		{Name: "appendonly.aof.3.base.aof", Seq: 3, Type: FileTypeBase},
		{Name: "with space.aof", Seq: -2, Type: FileTypeHistory},
		{Name: "q\"s\n\r\t\a\b\v\f\x00\x1f\x7f\x80\xff é", Seq: math.MinInt64, Type: FileTypeHistory},
		{Name: "", Seq: 1, Type: FileTypeHistory},
		{Name: "#hash'single'", Seq: 1, Type: FileTypeIncr},
		{Name: "appendonly.aof.9.incr.aof", Seq: math.MaxInt64, Type: FileTypeIncr},
		{Name: "back\\slash", Seq: 7, Type: FileTypeHistory}, // written by Redis too, rejected when read
	}}
	got := AppendManifest([]byte("# kept prefix\n"), m)
	golden := filepath.Join("testdata", "manifest", "append.golden")
	if os.Getenv("AOFKIT_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendManifest\n got %q\nwant %q", got, want)
	}
	// Redis's reader rejects the backslash it quotes on write.
	var perr *ManifestError
	if _, err := ParseManifest(got); !errors.As(err, &perr) || perr.Reason != ManifestReasonPath || perr.Line != 8 {
		t.Fatalf("ParseManifest(golden) = %v, want a path error at line 8", err)
	}
	// The rest survives a round trip, but for the NUL, which cuts the name as in Redis.
	back, err := ParseManifest(got[:perr.Offset])
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Entries) != len(m.Entries)-1 {
		t.Fatalf("read back %d entries, want %d", len(back.Entries), len(m.Entries)-1)
	}
	for i, e := range back.Entries {
		w := m.Entries[i]
		if i == 2 {
			w.Name = w.Name[:strings.IndexByte(w.Name, 0)]
		}
		if e.Name != w.Name || e.Seq != w.Seq || e.Type != w.Type {
			t.Errorf("entry %d: got %+v want %+v", i, e, w)
		}
	}
}

func TestValidFileName(t *testing.T) {
	tests := []struct {
		name string
		bad  string // substring of the reason; "" = valid
	}{
		{"appendonly.aof.1.base.rdb", ""},
		{"with space", ""},
		{"..hidden", ""},
		{"...", ""},
		{".x", ""},
		{"é\n\x01", ""},
		{"", "empty"},
		{".", "directory"},
		{"..", "directory"},
		{"a/b", "path"},
		{"/abs", "path"},
		{"../up", "path"},
		{"a\\b", "path"},
		{"a\x00b", "NUL"},
	}
	for _, tc := range tests {
		err := ValidFileName(tc.name)
		if tc.bad == "" {
			if err != nil {
				t.Errorf("ValidFileName(%q) = %v", tc.name, err)
			}
			continue
		}
		var fe *FileNameError
		if !errors.Is(err, ErrUnsafeFileName) || !errors.As(err, &fe) || !strings.Contains(fe.Reason, tc.bad) || fe.Name != tc.name {
			t.Errorf("ValidFileName(%q) = %v, want a *FileNameError about %q", tc.name, err, tc.bad)
		}
	}
}

func TestManifestValidate(t *testing.T) {
	ok := func(name string, seq int64, typ FileType) ManifestEntry {
		return ManifestEntry{Name: name, Seq: seq, Type: typ}
	}
	tests := []struct {
		name    string
		entries []ManifestEntry
		reason  string
		detail  string
	}{
		{"valid", []ManifestEntry{ok("b", 1, 'b'), ok("h", -1, 'h'), ok("i1", 1, 'i'), ok("i2", 2, 'i')}, "", ""},
		{"no-entries", nil, "", ""},
		{"longest-line", []ManifestEntry{ok(strings.Repeat("x", 1024-19), 1, 'b')}, "", ""},
		{"too-long-line", []ManifestEntry{ok(strings.Repeat("x", 1024-18), 1, 'b')}, ManifestReasonTooLongLine, "1025 bytes"},
		{"too-long-after-quoting", []ManifestEntry{ok(strings.Repeat("\xff", 300), 1, 'b')}, ManifestReasonTooLongLine, ""},
		{"unsafe-dotdot", []ManifestEntry{ok("..", 1, 'h')}, ManifestReasonUnsafeName, "directory"},
		{"unsafe-slash", []ManifestEntry{ok("a/b", 1, 'b')}, ManifestReasonUnsafeName, "path"},
		{"unsafe-empty", []ManifestEntry{ok("", 1, 'b')}, ManifestReasonUnsafeName, "empty"},
		{"unsafe-nul", []ManifestEntry{ok("a\x00", 1, 'b')}, ManifestReasonUnsafeName, "NUL"},
		{"seq-zero", []ManifestEntry{ok("a", 0, 'h')}, ManifestReasonInvalidFormat, "seq"},
		{"bad-type", []ManifestEntry{ok("a", 1, 'B')}, ManifestReasonUnknownType, ""},
		{"two-bases", []ManifestEntry{ok("a", 1, 'b'), ok("b", 2, 'b')}, ManifestReasonDuplicateBase, ""},
		{"incr-not-increasing", []ManifestEntry{ok("a", 2, 'i'), ok("b", 2, 'i')}, ManifestReasonNonMonotonic, ""},
		{"incr-negative", []ManifestEntry{ok("a", -2, 'i')}, ManifestReasonNonMonotonic, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &Manifest{Entries: tc.entries}
			err := m.Validate()
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				back, err := ParseManifest(AppendManifest([]byte("#\n"), m))
				if err != nil {
					t.Fatalf("valid manifest does not parse back: %v", err)
				}
				if !sameManifestEntries(back.Entries, m.Entries) {
					t.Fatalf("round trip\n got %+v\nwant %+v", back.Entries, m.Entries)
				}
				return
			}
			var me *ManifestError
			if !errors.As(err, &me) || me.Reason != tc.reason || !strings.Contains(me.Detail, tc.detail) {
				t.Fatalf("Validate = %v, want reason %q detail ~%q", err, tc.reason, tc.detail)
			}
		})
	}
}

// sameManifestEntries compares names, seqs and types (not positions).
func sameManifestEntries(a, b []ManifestEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Seq != b[i].Seq || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

func TestLooksLikeManifest(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"manifest", "file appendonly.aof.1.base.rdb seq 1 type b\n", true},
		{"upper-case", "FILE a seq 1 type b\n", true},
		{"leading-space", "  \tfile a seq 1 type b\n", true},
		{"comments-first", "# c1\n#c2\r\nfile a seq 1 type b\n", true},
		{"blank-lines-first", "\n\r\n  \nFile a seq 1 type b\n", true},
		{"indented-comment", "  # c\nfile a\n", true},
		{"tab-after-file", "file\ta", true},
		{"just-file", "file", true},
		{"crlf", "file a seq 1 type b\r\n", true},
		{"empty", "", false},
		{"whitespace", " \n\t", false},
		{"comments-only", "# x\n# y\n", false},
		{"comment-without-end", "# x", false},
		{"resp", "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n", false},
		{"resp-with-file-line-later", "*3\r\n$3\r\nset\r\n$4\r\nfile\r\n$1\r\nx\r\n", false},
		{"resp-after-annotation", "#TS:1700000000\r\n*1\r\n$5\r\nMULTI\r\n", false},
		{"rdb", "REDIS0011\xfa\x09redis-ver", false},
		{"valkey-rdb", "VALKEY080\xfa", false},
		{"filename-token", "filename a seq 1\n", false},
		{"file-quote", "file\"a\" seq 1\n", false},
		{"fil", "fil", false},
		{"second-line-file", "junk\nfile a seq 1 type b\n", false},
	}
	for _, tc := range tests {
		if got := LooksLikeManifest([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: LooksLikeManifest(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
	// Only ManifestSniffLen bytes are looked at.
	long := strings.Repeat("#"+strings.Repeat("c", 99)+"\n", ManifestSniffLen/100+1) + "file a seq 1 type b\n"
	if LooksLikeManifest([]byte(long)) {
		t.Error("LooksLikeManifest looked past ManifestSniffLen")
	}
	short := strings.Repeat("#"+strings.Repeat("c", 99)+"\n", ManifestSniffLen/101-1) + "file a seq 1 type b\n"
	if !LooksLikeManifest([]byte(short)) {
		t.Error("LooksLikeManifest missed a manifest within ManifestSniffLen")
	}
}

func BenchmarkParseManifest(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "manifest", "redis-7.0.15-history.manifest"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseManifest(data); err != nil {
			b.Fatal(err)
		}
	}
}

// --- differential test against the real Redis ---

// manifestRedisTool returns the path of a Redis binary, skipping the test when it is absent
// unless AOFKIT_REQUIRE_REDIS=1.
func manifestRedisTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("AOFKIT_REQUIRE_REDIS") == "1" {
			t.Fatalf("%s not found and AOFKIT_REQUIRE_REDIS=1: %v", name, err)
		}
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}

// checkerSeesManifest is fileIsManifest of redis-check-aof @ 7.0.15 (the installed one): a
// non-empty file with any fgets chunk, not starting with '#', that starts with "file".
func checkerSeesManifest(data []byte) bool {
	for off := 0; off < len(data); {
		end := min(off+ManifestMaxLine, len(data))
		chunk := data[off:end]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			chunk = chunk[:i+1]
		}
		off += len(chunk)
		if chunk[0] != '#' && bytes.HasPrefix(chunk, []byte("file")) {
			return true
		}
	}
	return false
}

var (
	redisFatalLineRe = regexp.MustCompile(`(?m)Reading the manifest file, at line (\d+)`)
	redisLogMsgRe    = regexp.MustCompile(`(?m)^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [#*.-] (.*)$`)
)

// redisManifestVerdict extracts from a server/checker log whether the manifest was fatal,
// the reported line (0 if none) and the reason (the last log message).
func redisManifestVerdict(out string) (fatal bool, line int, reason string) {
	if !strings.Contains(out, "*** FATAL AOF MANIFEST FILE ERROR ***") {
		return false, 0, ""
	}
	if m := redisFatalLineRe.FindStringSubmatch(out); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msgs := redisLogMsgRe.FindAllStringSubmatch(out, -1)
	if len(msgs) > 0 {
		reason = strings.TrimSpace(msgs[len(msgs)-1][1])
	}
	return true, line, reason
}

// manifestRespSet is a one-command RESP file, so the server logs loading it.
const manifestRespSet = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"

// runServerOnManifest starts redis-server with AOF on and manifest in its appendonlydir,
// lets it load, and stops it: it returns the log and whether the server got ready. The
// server either exits on its own (a fatal manifest) or logs "Ready to accept connections",
// after which it gets SIGTERM; the deadline only guards against a hang (the server is killed
// and the test fails).
func runServerOnManifest(t *testing.T, server, dir string, manifest []byte, files []string) (string, bool) {
	t.Helper()
	aofDir := filepath.Join(dir, "appendonlydir")
	if err := os.Mkdir(aofDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(aofDir, "appendonly.aof.manifest"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(aofDir, f), []byte(manifestRespSet), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, server, "--port", "0", "--unixsocket", filepath.Join(dir, "s.sock"),
		"--dir", dir, "--appendonly", "yes", "--save", "", "--enable-debug-command", "yes")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	stop := context.AfterFunc(ctx, func() { pr.Close() }) // unblock the reader on a hang
	defer stop()
	var log strings.Builder
	ready := false
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		// 7.0 logs "Ready to accept connections" with TCP, "The server is now ready to
		// accept connections at <socket>" with a unix socket only.
		if !ready && strings.Contains(strings.ToLower(sc.Text()), "ready to accept connections") {
			ready = true
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}
	}
	pr.Close()
	_ = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("redis-server neither failed nor got ready:\n%s", log.String())
	}
	return log.String(), ready
}

// TestManifestAgainstRedis replays every table case through the installed Redis: through
// redis-check-aof when it recognizes the file as a manifest (7.0's rule), else through
// redis-server loading it at startup. Both call aofLoadManifestFromFile. Accepted cases
// must load the same files in the same order; rejected ones must fail with the same reason
// and line.
func TestManifestAgainstRedis(t *testing.T) {
	checker := manifestRedisTool(t, "redis-check-aof")
	server := manifestRedisTool(t, "redis-server")
	for _, tc := range manifestCases {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.in)
			ours, ourErr := ParseManifest(data)
			var loaded []string // base and incr names, in load order
			tooLong := false
			if ourErr == nil {
				for _, e := range ours.RedisOrder().Entries {
					if e.Type == FileTypeHistory {
						continue
					}
					if ValidFileName(e.Name) != nil {
						t.Skipf("entry name %q cannot be created", e.Name)
					}
					if len(e.Name) > 255 { // NAME_MAX
						tooLong = true
					}
					loaded = append(loaded, e.Name)
				}
			}
			dir := t.TempDir()
			var out string
			if checkerSeesManifest(data) {
				path := filepath.Join(dir, "appendonly.aof.manifest")
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				for _, f := range loaded {
					if len(f) > 255 {
						continue
					}
					if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				b, runErr := exec.Command(checker, path).CombinedOutput()
				out = string(b)
				if ourErr == nil && tooLong {
					// The file cannot exist: Redis must get past the manifest and fail to open it.
					if fatal, _, _ := redisManifestVerdict(out); fatal || !strings.Contains(out, "Cannot open file "+dir) {
						t.Fatalf("we accept it, redis-check-aof does not:\n%s", out)
					}
					return
				}
				if ourErr == nil {
					if runErr != nil || !strings.Contains(out, "All AOF files and manifest are valid") {
						t.Fatalf("we accept it, redis-check-aof does not (%v):\n%s", runErr, out)
					}
					for i, f := range loaded {
						kind := "INCR"
						if i == 0 && ours.Base() != nil {
							kind = "BASE"
						}
						if !strings.Contains(out, fmt.Sprintf("%s AOF %s is empty", kind, f)) {
							t.Errorf("redis-check-aof did not check %s file %q:\n%s", kind, f, out)
						}
					}
					return
				}
			} else {
				if tooLong {
					t.Skip("an entry name is longer than NAME_MAX")
				}
				var ready bool
				out, ready = runServerOnManifest(t, server, dir, data, loaded)
				if ourErr == nil {
					if !ready {
						t.Fatalf("we accept it, redis-server does not:\n%s", out)
					}
					var got []string
					for _, m := range regexp.MustCompile(`DB loaded from (?:base|incr) file (.*): [\d.]+ seconds`).FindAllStringSubmatch(out, -1) {
						got = append(got, m[1])
					}
					if !reflect.DeepEqual(got, loaded) && (len(got) > 0 || len(loaded) > 0) {
						t.Fatalf("redis-server loaded %q, we would load %q:\n%s", got, loaded, out)
					}
					return
				}
			}
			fatal, line, reason := redisManifestVerdict(out)
			var me *ManifestError
			errors.As(ourErr, &me)
			if !fatal {
				t.Fatalf("we reject it (%v), Redis does not:\n%s", ourErr, out)
			}
			wantLine := me.Line
			if me.Reason == ManifestReasonTooLongLine || me.Reason == ManifestReasonEmpty {
				wantLine = 0 // Redis prints no line for these
			}
			if reason != me.Reason || line != wantLine {
				t.Fatalf("Redis says %q at line %d, we say %q at line %d\n%s", reason, line, me.Reason, wantLine, out)
			}
		})
	}
}
