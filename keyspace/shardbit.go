package keyspace

import (
	"bytes"
	"math"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/command"
	"github.com/aofkit/aofkit/internal/mmapfile"
)

// Sampling for chooseBit: about shardSampleWindows runs of shardSampleRecords records, spread
// over the RESP files in proportion to their size.
const (
	shardSampleWindows = 128
	shardSampleRecords = 1024
)

// chooseBit picks the hash bit (of the low 32, which the tables do not use) that names a key's
// shard in a parallel replay, so that both shards get about the same work. Keys written about
// equally often split evenly under any bit; what the choice balances is the few hot keys (a
// queue, a counter, a leaderboard) that can take most of a file's records. It samples records
// across the source's RESP files (RDB sections are not sampled) and counts each key's writes;
// a bad sample only costs balance, never correctness. Writes are weighed by a rough cost of
// their group (groupCost). Cost: parsing and hashing at most
// shardSampleWindows × shardSampleRecords records, touching that many pages of the files.
func chooseBit(src *aof.Source) uint8 {
	var total int64
	for _, p := range src.Parts {
		if p.Format == aof.FormatRESP {
			total += p.Size
		}
	}
	if total == 0 {
		return 0
	}
	var load [32][2]int64
	var keys []int
	for _, p := range src.Parts {
		if p.Format != aof.FormatRESP {
			continue
		}
		windows := max(1, int(shardSampleWindows*p.Size/total))
		m, err := mmapfile.Open(p.Path)
		if err != nil {
			continue
		}
		data := m.Bytes()
		_ = mmapfile.Guard(func() error {
			for w := 0; w < windows; w++ {
				pos := resync(data, len(data)/windows*w)
				sc := aof.NewScanner(data[pos:], int64(pos), nil)
				for n := 0; n < shardSampleRecords && sc.Next(); n++ {
					r := sc.Record()
					if r.Kind != aof.KindCommand || !r.Loader.OK() || len(r.Args) == 0 {
						continue
					}
					spec, err := command.Lookup(r.Args)
					if err != nil {
						continue
					}
					keys = spec.Keys(r.Args, keys[:0])
					w := groupCost(spec)
					for _, k := range keys {
						h := hashKey(r.Args[k])
						for b := range load {
							load[b][h>>b&1] += w
						}
					}
				}
			}
			return nil
		})
		m.Close()
	}
	best, diff := 0, int64(math.MaxInt64)
	for b := range load {
		if d := max(load[b][0]-load[b][1], load[b][1]-load[b][0]); d < diff {
			best, diff = b, d
		}
	}
	return uint8(best)
}

// groupCost is the rough cost of a write of a command's group, for balancing only: pushes
// and pops touch the ends of one list, while set, hash and sorted-set writes probe a large
// table and strings a large keyspace. (Measured per write on the benchmark AOF of
// BENCHMARKS.md: list 65 ns, set 200 ns, string 150–490 ns, hash 420 ns, sorted set 580 ns.)
func groupCost(spec *command.Spec) int64 {
	if spec.Parent != nil {
		spec = spec.Parent
	}
	switch spec.Group {
	case "list":
		return 1
	case "set":
		return 3
	case "hash":
		return 6
	case "sorted_set", "geo":
		return 8
	}
	return 4
}

// resync returns the offset of the first record start at or after off: a line that begins
// "*<digits>\r\n$". A value that happens to hold such bytes can fool it, which costs only an
// odd sample.
func resync(data []byte, off int) int {
	if off == 0 {
		return 0
	}
	for off < len(data) {
		i := bytes.Index(data[off:], []byte("\n*"))
		if i < 0 {
			break
		}
		p := off + i + 1
		j := p + 1
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		if j > p+1 && j+2 < len(data) && data[j] == '\r' && data[j+1] == '\n' && data[j+2] == '$' {
			return p
		}
		off = p
	}
	return len(data)
}
