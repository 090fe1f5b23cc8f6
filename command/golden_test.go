package command

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/table.golden")

// TestTableGolden renders the whole table (name, arity, legacy key range, since, removed,
// flags) into testdata/table.golden, so that any change to the table shows up in review.
// Regenerate with: go test ./command -run TestTableGolden -update
func TestTableGolden(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("# name arity first last step since removed flags\n")
	for _, s := range All() {
		removed := s.Removed
		if removed == "" {
			removed = "-"
		}
		fmt.Fprintf(&b, "%s %d %d %d %d %s %s %s\n", s.Name, s.Arity, s.FirstKey, s.LastKey, s.Step,
			s.Since, removed, strings.Join(s.Flags.Names(), ","))
	}
	path := filepath.Join("testdata", "table.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("table differs from %s; run with -update and review the diff", path)
	}
}
