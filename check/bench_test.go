package check

import (
	"context"
	"os"
	"testing"
)

// BenchmarkCheckBigPlain and BenchmarkCheckBigPiped run the whole check engine over the AOF
// named by AOFKIT_BENCH_AOF (e.g. the 1.3 GB directory of shared/bench/make-bench-aof.sh) with
// the one-goroutine scanner and with the pipelined one.
func BenchmarkCheckBigPlain(b *testing.B) { benchBig(b, 1<<62) }
func BenchmarkCheckBigPiped(b *testing.B) { benchBig(b, 0) }

func benchBig(b *testing.B, min int) {
	p := os.Getenv("AOFKIT_BENCH_AOF")
	if p == "" {
		b.Skip("AOFKIT_BENCH_AOF not set")
	}
	defer func(v int) { pipelineMin = v }(pipelineMin)
	pipelineMin = min
	for i := 0; i < b.N; i++ {
		r, err := Run(context.Background(), Options{Path: p})
		if err != nil || !r.Valid {
			b.Fatal(err)
		}
	}
}
