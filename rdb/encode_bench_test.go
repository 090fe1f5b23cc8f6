package rdb

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/canon"
)

// encBenchDatasets are the inputs of BenchmarkEncode: the 7.4.1 fixture (every type and
// encoding) and two synthetic ones (many small keys; few big collections).
func encBenchDatasets(b *testing.B) map[string][]canon.Key {
	fixture, _, err := canon.ReadJSONL(bytes.NewReader(encReadGz(b, "redis-7.4.1.dump.jsonl.gz")))
	if err != nil {
		b.Fatal(err)
	}
	var small []canon.Key
	for i := 0; i < 20000; i++ {
		k := canon.Key{Key: []byte("user:" + strconv.Itoa(i)), ExpireMs: canon.NoExpiry}
		switch i % 4 {
		case 0:
			k.Type, k.String = canon.TypeString, []byte(strconv.Itoa(i*7919))
		case 1:
			k.Type, k.String = canon.TypeString, []byte(fmt.Sprintf("session-%d-%s", i, bytes.Repeat([]byte("ab"), 20)))
		case 2:
			k.Type = canon.TypeHash
			for j := 0; j < 8; j++ {
				k.Hash = append(k.Hash, canon.HField{Field: []byte("f" + strconv.Itoa(j)), Value: []byte(strconv.Itoa(i + j)), ExpireMs: canon.NoExpiry})
			}
		default:
			k.Type = canon.TypeSet
			for j := 0; j < 8; j++ {
				k.Set = append(k.Set, []byte(strconv.Itoa(i*8+j)))
			}
		}
		small = append(small, k)
	}
	var big []canon.Key
	for i := 0; i < 4; i++ {
		l := canon.Key{Key: []byte("list" + strconv.Itoa(i)), Type: canon.TypeList, ExpireMs: canon.NoExpiry}
		z := canon.Key{Key: []byte("zset" + strconv.Itoa(i)), Type: canon.TypeZset, ExpireMs: canon.NoExpiry}
		h := canon.Key{Key: []byte("hash" + strconv.Itoa(i)), Type: canon.TypeHash, ExpireMs: canon.NoExpiry}
		for j := 0; j < 50000; j++ {
			l.List = append(l.List, []byte(fmt.Sprintf("item-%d-%d", i, j)))
			z.Zset = append(z.Zset, canon.ZMember{Member: []byte("m" + strconv.Itoa(j)), Score: float64(j) * 1.5})
			h.Hash = append(h.Hash, canon.HField{Field: []byte("field:" + strconv.Itoa(j)), Value: []byte("value:" + strconv.Itoa(j*j)), ExpireMs: canon.NoExpiry})
		}
		big = append(big, l, z, h)
	}
	return map[string][]canon.Key{"fixture-7.4.1": fixture, "small-keys": small, "big-keys": big}
}

// BenchmarkEncode measures RDB encoding throughput in MB/s of output (io.Discard as the
// writer), for RDB 9, 10 and 12.
func BenchmarkEncode(b *testing.B) {
	for name, keys := range encBenchDatasets(b) {
		for _, version := range []int{9, 10, 12} {
			b.Run(fmt.Sprintf("%s/v%d", name, version), func(b *testing.B) {
				var size int64
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					e, err := NewEncoder(io.Discard, version, EncoderOptions{Drop: true, Now: time.Unix(1700000000, 0)})
					if err != nil {
						b.Fatal(err)
					}
					for j := range keys {
						if err := e.Key(&keys[j]); err != nil {
							b.Fatal(err)
						}
					}
					if err := e.Close(); err != nil {
						b.Fatal(err)
					}
					size = e.Written()
				}
				b.SetBytes(size)
			})
		}
	}
}
