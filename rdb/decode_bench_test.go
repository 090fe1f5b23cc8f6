package rdb

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aofkit/aofkit/internal/mmapfile"
)

// BenchmarkDecodeVerify decodes every fixture dump.rdb with deep verification and checksum.
func BenchmarkDecodeVerify(b *testing.B) {
	var files [][]byte
	var size int64
	for _, dir := range fixtureDirs(b) {
		data := readFile(b, filepath.Join("testdata", dir, "dump.rdb"))
		files = append(files, data)
		size += int64(len(data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var dec Decoder
	for b.Loop() {
		for _, data := range files {
			if _, err := dec.Decode(data, 0, nil, Options{Verify: true, Checksum: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeFile decodes the RDB named by $AOFKIT_BENCH_RDB (for example the 330 MB
// file of shared/bench/make-bench-rdb.sh) through a memory mapping, with Verify and Checksum
// (set AOFKIT_BENCH_FAST=1 for neither). Skipped when the variable is unset.
func BenchmarkDecodeFile(b *testing.B) {
	path := os.Getenv("AOFKIT_BENCH_RDB")
	if path == "" {
		b.Skip("AOFKIT_BENCH_RDB is not set")
	}
	deep := os.Getenv("AOFKIT_BENCH_FAST") == ""
	f, err := mmapfile.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(f.Size())
	b.ReportAllocs()
	var dec Decoder
	for b.Loop() {
		info, err := dec.Decode(f.Bytes(), 0, nil, Options{Verify: deep, Checksum: deep})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(info.Keys), "keys")
	}
}
