package dump

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
)

// The fixtures of ten server versions live in rdb/testdata (copies of shared/fixtures, see the
// README there); the .jsonl files are the dataset each server held, in the canonical schema.
var fixtureRoot = filepath.Join("..", "rdb", "testdata")

func readJSONLGz(t *testing.T, path string) ([]canon.Key, []canon.Function) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	keys, funcs, err := canon.ReadJSONL(zr)
	if err != nil {
		t.Fatal(err)
	}
	return keys, funcs
}

// TestDumpFixtureRDBs: dump of every dump.rdb and cluster.rdb equals the dataset the server
// held (0 differences; TTL slack 1000 ms before 7.0, whose dumps derive expiry from PTTL).
func TestDumpFixtureRDBs(t *testing.T) {
	vers, err := os.ReadDir(fixtureRoot)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // fixture TTLs are in 2100
	for _, v := range vers {
		if !v.IsDir() || !(strings.HasPrefix(v.Name(), "redis-") || strings.HasPrefix(v.Name(), "valkey-")) {
			continue
		}
		slack := int64(0)
		for _, old := range []string{"redis-3.", "redis-4.", "redis-5.", "redis-6."} {
			if strings.HasPrefix(v.Name(), old) {
				slack = 1000
			}
		}
		for _, name := range []string{"dump", "cluster"} {
			dir := filepath.Join(fixtureRoot, v.Name())
			var out bytes.Buffer
			rep, err := Run(context.Background(), &out, Options{Path: filepath.Join(dir, name+".rdb"), Now: now, DB: -1})
			if err != nil {
				t.Fatalf("%s %s: %v", v.Name(), name, err)
			}
			gotK, gotF, err := canon.ReadJSONL(&out)
			if err != nil {
				t.Fatalf("%s %s: our output does not parse: %v", v.Name(), name, err)
			}
			wantK, wantF := readJSONLGz(t, filepath.Join(dir, name+".jsonl.gz"))
			if d := canon.Diff(wantK, gotK, wantF, gotF, canon.DiffOptions{TTLSlackMs: slack}); len(d) > 0 {
				t.Errorf("%s %s: %d differences:\n%s", v.Name(), name, len(d), strings.Join(d, "\n"))
			}
			if rep.Keys != int64(len(wantK)) {
				t.Errorf("%s %s: report says %d keys, want %d", v.Name(), name, rep.Keys, len(wantK))
			}
			n++
		}
	}
	if n != 20 {
		t.Fatalf("dumped %d fixture files, want 20 (ten versions × dump, cluster)", n)
	}
}

func TestDumpFiltersAndExpiry(t *testing.T) {
	path := filepath.Join(fixtureRoot, "redis-7.4.1", "dump.rdb")
	all, _ := readJSONLGz(t, filepath.Join(fixtureRoot, "redis-7.4.1", "dump.jsonl.gz"))
	run := func(opt Options) []canon.Key {
		t.Helper()
		opt.Path = path
		var out bytes.Buffer
		if _, err := Run(context.Background(), &out, opt); err != nil {
			t.Fatal(err)
		}
		k, _, err := canon.ReadJSONL(&out)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	early := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := run(Options{Now: early, DB: 3}); len(got) == 0 || got[0].DB != 3 {
		t.Errorf("--db 3: %d keys", len(got))
	}
	for _, k := range run(Options{Now: early, DB: -1, Match: "h*"}) {
		if k.Key[0] != 'h' {
			t.Errorf("--match h*: got key %q", k.Key)
		}
	}
	// After 2100 every key and hash field with a TTL is gone.
	late := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	withTTL := 0
	for _, k := range all {
		if k.ExpireMs != canon.NoExpiry {
			withTTL++
		}
	}
	got := run(Options{Now: late, DB: -1})
	if withTTL == 0 || len(got) != len(all)-withTTL {
		t.Errorf("--now 2200: %d keys, want %d (%d have a TTL)", len(got), len(all)-withTTL, withTTL)
	}
	for _, k := range got {
		for _, f := range k.Hash {
			if f.ExpireMs != canon.NoExpiry {
				t.Errorf("key %q: expired hash field %q kept", k.Key, f.Field)
			}
		}
	}
}

func TestDumpRefusesDamage(t *testing.T) {
	var out bytes.Buffer
	b, err := os.ReadFile(filepath.Join(fixtureRoot, "redis-7.0.15", "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "dump.rdb")
	if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), &out, Options{Path: p, DB: -1})
	var se *SourceError
	if !errors.As(err, &se) || se.Offset <= 0 || se.File != p {
		t.Errorf("truncated RDB: err = %v, want *SourceError with offset", err)
	}
}

// TestDumpLiveServer: dump of a live server's URL equals the harness's own live dump.
func TestDumpLiveServer(t *testing.T) {
	s := redistest.Start(t, redistest.Options{})
	s.Do(t, "SET", "a", "1")
	s.Do(t, "RPUSH", "l", "x", "y")
	s.Do(t, "HSET", "h", "f", "v")
	s.Do(t, "ZADD", "z", "1.5", "m")
	s.Do(t, "SELECT", "2")
	s.Do(t, "SADD", "s", "p", "q")
	s.Do(t, "XADD", "st", "1-1", "f", "v")
	var out bytes.Buffer
	if _, err := Run(context.Background(), &out, Options{Path: "redis://" + s.Addr, DB: -1}); err != nil {
		t.Fatal(err)
	}
	got, gf, err := canon.ReadJSONL(&out)
	if err != nil {
		t.Fatal(err)
	}
	want, wf := s.Dump(t)
	if d := canon.Diff(want, got, wf, gf, canon.DiffOptions{}); len(d) > 0 || len(got) != 6 {
		t.Errorf("%d keys, differences: %v", len(got), d)
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"a*", "bac", false},
		{"*c", "abc", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"[abc]x", "bx", true}, {"[^abc]x", "bx", false}, {"[^abc]x", "dx", true},
		{"[a-c]x", "bx", true}, {"[c-a]x", "bx", true}, {"[a-c]x", "dx", false},
		{"\\*x", "*x", true}, {"\\*x", "ax", false}, {"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false}, {"h:*", "h:big", true}, {"[\\]]", "]", true},
	}
	for _, c := range cases {
		if got := Match([]byte(c.pat), []byte(c.s)); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
}
