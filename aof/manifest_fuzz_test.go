package aof

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseManifest: ParseManifest never panics, errors are well-formed *ManifestError, and a
// parsed manifest written back with AppendManifest parses to the same entries (unless a
// written line would exceed ManifestMaxLine, which Validate must then report). Seeds:
// testdata/fuzz/FuzzParseManifest (every manifestCases input and every real manifest in
// testdata/manifest; TestFuzzParseManifestSeeds keeps them in sync).
func FuzzParseManifest(f *testing.F) {
	redisReasons := map[string]bool{
		ManifestReasonInvalidFormat: true, ManifestReasonTooLongLine: true, ManifestReasonPath: true,
		ManifestReasonUnknownType: true, ManifestReasonDuplicateBase: true, ManifestReasonNonMonotonic: true,
		ManifestReasonEmpty: true,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = LooksLikeManifest(data)
		m, err := ParseManifest(data)
		if err != nil {
			var me *ManifestError
			if !errors.As(err, &me) || !errors.Is(err, ErrManifest) {
				t.Fatalf("error %T %v", err, err)
			}
			if !redisReasons[me.Reason] {
				t.Fatalf("reason %q is not one of Redis's", me.Reason)
			}
			if me.Offset < 0 || me.Offset > int64(len(data)) || (me.Line == 0) != (me.Reason == ManifestReasonEmpty) {
				t.Fatalf("bad position line %d offset %d for %d bytes", me.Line, me.Offset, len(data))
			}
			if len(me.Text) >= ManifestMaxLine {
				t.Fatalf("text of %d bytes", len(me.Text))
			}
			_ = me.Error()
			return
		}
		prevLine, prevOff := 0, int64(-1)
		for _, e := range m.Entries {
			if e.Line <= prevLine || e.Offset <= prevOff || e.Offset >= int64(len(data)) {
				t.Fatalf("entry positions out of order: %+v", m.Entries)
			}
			prevLine, prevOff = e.Line, e.Offset
			if strings.ContainsAny(e.Name, "/\\\x00") || e.Seq == 0 {
				t.Fatalf("accepted entry %+v", e)
			}
		}
		if len(m.Entries) == 0 {
			return // comments only: nothing to write back
		}
		out := AppendManifest(nil, m)
		if !LooksLikeManifest(out) {
			t.Fatalf("LooksLikeManifest(%q) = false", out)
		}
		fits := true
		for _, l := range bytes.SplitAfter(out, []byte("\n")) {
			if len(l) > ManifestMaxLine {
				fits = false
			}
		}
		verr := m.Validate()
		if !fits {
			var me *ManifestError
			if !errors.As(verr, &me) || (me.Reason != ManifestReasonTooLongLine && me.Reason != ManifestReasonUnsafeName) {
				t.Fatalf("written line too long, Validate = %v", verr)
			}
			return
		}
		if verr != nil {
			var me *ManifestError
			if !errors.As(verr, &me) || me.Reason != ManifestReasonUnsafeName {
				t.Fatalf("Validate of a parsed manifest = %v", verr)
			}
		}
		back, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("written form %q does not parse: %v", out, err)
		}
		if !sameManifestEntries(back.Entries, m.Entries) {
			t.Fatalf("round trip\n got %+v\nwant %+v", back.Entries, m.Entries)
		}
		if again := AppendManifest(nil, back); !bytes.Equal(again, out) {
			t.Fatalf("second write differs\n%q\n%q", again, out)
		}
	})
}

var seedNameRe = regexp.MustCompile(`[^a-zA-Z0-9.-]+`)

// TestFuzzParseManifestSeeds checks that every table case and real manifest is a seed of
// FuzzParseManifest. With AOFKIT_UPDATE_GOLDEN=1 it writes the missing ones.
func TestFuzzParseManifestSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParseManifest")
	want := map[string][]byte{}
	for _, tc := range manifestCases {
		want["case-"+tc.name] = []byte(tc.in)
	}
	real, err := filepath.Glob(filepath.Join("testdata", "manifest", "*.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range real {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want["real-"+strings.TrimSuffix(filepath.Base(p), ".manifest")] = data
	}
	have := map[string]bool{}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		data, err := parseFuzzSeed(raw)
		if err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		have[string(data)] = true
	}
	update := os.Getenv("AOFKIT_UPDATE_GOLDEN") == "1"
	for name, data := range want {
		if have[string(data)] {
			continue
		}
		if !update {
			t.Errorf("seed %s missing from %s (regenerate with AOFKIT_UPDATE_GOLDEN=1)", name, dir)
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if err := os.WriteFile(filepath.Join(dir, seedNameRe.ReplaceAllString(name, "_")), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// parseFuzzSeed reads a one-[]byte corpus file written as `[]byte("...")`.
func parseFuzzSeed(raw []byte) ([]byte, error) {
	s := strings.TrimSpace(string(raw))
	s, ok := strings.CutPrefix(s, "go test fuzz v1\n")
	if !ok || !strings.HasPrefix(s, "[]byte(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("not a one-[]byte corpus file")
	}
	v, err := strconv.Unquote(s[len("[]byte(") : len(s)-1])
	return []byte(v), err
}
