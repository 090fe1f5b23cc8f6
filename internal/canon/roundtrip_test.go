package canon

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestFixtureRoundTrip reads dumps printed by keyspace_dump.py on real servers and writes them
// back: the bytes must be identical, which proves the encoder matches Python's json.dumps.
func TestFixtureRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			keys, funcs, err := ReadJSONL(bytes.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) == 0 {
				t.Fatal("no keys read")
			}
			var got bytes.Buffer
			if err := WriteJSONL(&got, keys, funcs); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				gl, wl := bytes.Split(got.Bytes(), []byte("\n")), bytes.Split(want, []byte("\n"))
				for i := 0; i < len(gl) && i < len(wl); i++ {
					if !bytes.Equal(gl[i], wl[i]) {
						t.Fatalf("line %d differs:\n got %.600s\nwant %.600s", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("lengths differ: got %d lines, want %d", len(gl), len(wl))
			}
			if d := Diff(keys, keys, funcs, funcs, DiffOptions{}); len(d) != 0 {
				t.Fatalf("self-diff: %v", d)
			}
		})
	}
}
