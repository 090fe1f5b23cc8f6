package check

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPipelinedScanGivesTheSameReport runs the engine over damaged variants of a real AOF with
// the two-goroutine scanner and with the plain one, and requires identical reports.
func TestPipelinedScanGivesTheSameReport(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "real", "single-resp.aof"))
	if err != nil {
		t.Fatal(err)
	}
	// Make it span many batches: repeat the file's records.
	big := bytes.Repeat(src, 200)
	variants := map[string][]byte{
		"clean":     big,
		"truncated": big[:len(big)-7],
		"garbage":   append(append(append([]byte{}, big[:len(big)/2]...), []byte("garbage\r\n")...), big[len(big)/2:]...),
		"zero-tail": append(append([]byte{}, big...), make([]byte, 4096)...),
		"star-zero": append(append(append([]byte{}, big[:len(src)*3]...), []byte("*0\r\n")...), big[len(src)*3:]...),
	}
	defer func(v int) { pipelineMin = v }(pipelineMin)
	for name, data := range variants {
		p := filepath.Join(t.TempDir(), "appendonly.aof")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		pipelineMin = 1 << 62
		plain, err := Run(context.Background(), Options{Path: p})
		if err != nil {
			t.Fatal(err)
		}
		pipelineMin = 0
		piped, err := Run(context.Background(), Options{Path: p})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(plain, piped) {
			t.Errorf("%s: reports differ\nplain: %+v\npiped: %+v", name, plain, piped)
		}
		if name != "clean" && plain.Valid {
			t.Errorf("%s: valid", name)
		}
	}
}
