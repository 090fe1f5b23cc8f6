package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/rdb"
)

// fixtureAOFs lists the real AOFs of ten server versions in testdata/fixtures.
func fixtureAOFs(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "testdata", "fixtures")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "aof")); err == nil {
			out[e.Name()] = filepath.Join(dir, "aof")
		} else {
			out[e.Name()] = filepath.Join(dir, "appendonly.aof")
		}
	}
	if len(out) != 10 {
		t.Fatalf("found %d fixture versions, want 10", len(out))
	}
	return out
}

// copySource copies a fixture AOF (file or directory) into a temp dir and returns the copy's
// path and the path of the file holding its RDB part.
func copySource(t *testing.T, src string) (string, string) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsDir() {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dst, dst
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(src)
	rdbPart := ""
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), ".base.rdb") {
			rdbPart = filepath.Join(dst, e.Name())
		}
	}
	return dst, rdbPart
}

// TestFixturesValid: every version's real AOF is valid, RDB part verified, exit 0.
func TestFixturesValid(t *testing.T) {
	for name, path := range fixtureAOFs(t) {
		r, err := Run(context.Background(), Options{Path: path, Strict: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !r.Valid || ExitCode(r) != 0 {
			t.Errorf("%s: not valid: %+v", name, r.Problems)
		}
		if name != "redis-3.2.13" {
			sawRDB := false
			for _, f := range r.Files {
				if f.RDBEnd > 0 {
					sawRDB = true
				}
			}
			if !sawRDB {
				t.Errorf("%s: no RDB section verified: %+v", name, r.Files)
			}
		}
	}
}

// TestFixturesDamagedRDB: one flipped byte in the RDB part, or an RDB cut short, is invalid
// (exit 1) with the offset and a reason that says the section cannot be truncated away.
func TestFixturesDamagedRDB(t *testing.T) {
	for name, path := range fixtureAOFs(t) {
		if name == "redis-3.2.13" {
			continue // no RDB part
		}
		for _, mode := range []string{"flip", "truncate"} {
			cp, rdbFile := copySource(t, path)
			b, err := os.ReadFile(rdbFile)
			if err != nil {
				t.Fatal(err)
			}
			info, err := rdb.Decode(b, 0, rdb.NopHandler{}, rdb.Options{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			end := int(info.End) // the RDB part; a preamble AOF continues with RESP
			at := int64(end / 2)
			switch mode {
			case "flip":
				b[at] ^= 0x10
			case "truncate":
				b = b[:at]
			}
			if err := os.WriteFile(rdbFile, b, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Run(context.Background(), Options{Path: cp})
			if err != nil {
				t.Fatalf("%s %s: %v", name, mode, err)
			}
			if r.Valid || ExitCode(r) != 1 {
				t.Errorf("%s %s: valid=%v exit=%d", name, mode, r.Valid, ExitCode(r))
				continue
			}
			found := false
			for _, p := range r.Problems {
				if p.Severity == Fatal && strings.Contains(p.Reason, "RDB section damaged") &&
					strings.Contains(p.Reason, "cannot be truncated away") && p.Offset >= 9 && p.Offset <= int64(end) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s %s: no RDB damage problem with an offset: %+v", name, mode, r.Problems)
			}
		}
	}
}
