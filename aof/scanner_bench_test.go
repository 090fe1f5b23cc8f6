package aof

import (
	"fmt"
	"os"
	"testing"

	"github.com/aofkit/aofkit/internal/mmapfile"
)

// benchAOF builds about size bytes of records shaped like redis-benchmark's (the workload of
// shared/bench/make-bench-aof.sh): SET/LPUSH/RPUSH/SADD/HSET/ZADD with 48-byte values, INCR,
// LPOP, SPOP-as-SREM and 10-key MSETs.
func benchAOF(size int) []byte {
	val := "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	var out []byte
	rec := func(args ...string) {
		out = fmt.Appendf(out, "*%d\r\n", len(args))
		for _, a := range args {
			out = fmt.Appendf(out, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	for i := 0; len(out) < size; i++ {
		k := fmt.Sprintf("key:%012d", i%500000)
		switch i % 10 {
		case 0:
			rec("SET", k, val)
		case 1:
			rec("INCR", "counter:"+k[4:])
		case 2:
			rec("LPUSH", "mylist", val)
		case 3:
			rec("RPUSH", "mylist", val)
		case 4:
			rec("LPOP", "mylist")
		case 5:
			rec("SADD", "myset", "element:"+k[4:])
		case 6:
			rec("HSET", "myhash", "element:"+k[4:], val)
		case 7:
			rec("SREM", "myset", "element:"+k[4:])
		case 8:
			rec("ZADD", "myzset", "0", "element:"+k[4:])
		case 9:
			args := []string{"MSET"}
			for j := 0; j < 10; j++ {
				args = append(args, k, val)
			}
			rec(args...)
		}
		if i%1000 == 0 {
			out = fmt.Appendf(out, "#TS:%d\r\n", 1700000000+i/1000)
		}
	}
	return out
}

// BenchmarkScanner measures the plain scanner's throughput (MB/s) over in-memory data.
func BenchmarkScanner(b *testing.B) {
	data := benchAOF(64 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc := NewScanner(data, 0, nil)
		n := 0
		for sc.Next() {
			n += len(sc.Record().Args)
		}
		if n == 0 {
			b.Fatal("no records")
		}
	}
}

// BenchmarkPipelined measures the two-goroutine scanner with a consumer that touches every
// record, as check does.
func BenchmarkPipelined(b *testing.B) {
	data := benchAOF(64 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := NewPipelined(data, 0, nil)
		n := 0
		for p.Next() {
			n += len(p.Record().Args)
		}
		p.Close()
		if n == 0 {
			b.Fatal("no records")
		}
	}
}

// BenchmarkScannerFile scans the file named by AOFKIT_BENCH_AOF (e.g. the 1.3 GB incr file of
// make-bench-aof.sh) from a memory mapping, releasing pages as it goes.
func BenchmarkScannerFile(b *testing.B) {
	path := os.Getenv("AOFKIT_BENCH_AOF")
	if path == "" {
		b.Skip("AOFKIT_BENCH_AOF not set")
	}
	for i := 0; i < b.N; i++ {
		m, err := mmapfile.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(m.Size())
		sc := NewScanner(m.Bytes(), 0, m.Release)
		for sc.Next() {
		}
		m.Close()
	}
}
