package rdb

// LZF compression in the format liblzf 3.x defines and Redis decompresses (src/lzf_d.c):
//
//	000LLLLL + L+1 literal bytes                  (a run of 1..32 literals)
//	LLLOOOOO [+ L2] + OOOOOOOO                    (back reference)
//
// A back reference copies len bytes starting offset+1 bytes before the output position, where
// len = L+2 (L in 1..6) or L2+9 (L = 7), offset = the 13 O bits; it may overlap the output.
// This is our own greedy compressor: a hash of the next three input bytes finds the last
// position that started with the same hash, which is used when its bytes really match and it
// lies within the 8 KB window.

const (
	encLZFHashLog   = 14
	encLZFMaxOff    = 1 << 13 // farthest back reference: 8192 bytes
	encLZFMaxRef    = 264     // longest back reference: 7 + 255 + 2
	encLZFMaxLitRun = 1 << 5  // longest literal run
	encLZFSlack     = 8       // bytes one loop iteration may write past the limit check
	encLZFTableSize = 1 << encLZFHashLog
)

// encLZF is the reusable state of the compressor: the hash table and the output buffer.
// It is not safe for concurrent use. The table is never cleared: a stale entry is only a
// candidate position whose bytes are compared before use, so it cannot produce a wrong match.
type encLZF struct {
	table [encLZFTableSize]int32
	out   []byte
}

func encLZFHash(a, b, c byte) uint32 {
	v := uint32(a)<<16 | uint32(b)<<8 | uint32(c)
	return (v * 2654435761) >> (32 - encLZFHashLog)
}

// compress compresses in and returns the compressed bytes (valid until the next call) when they
// fit in maxOut bytes, else nil. Cost: O(len(in)) time, a buffer of maxOut bytes reused across
// calls.
func (z *encLZF) compress(in []byte, maxOut int) []byte {
	if maxOut <= 0 || len(in) == 0 {
		return nil
	}
	if cap(z.out) < maxOut+encLZFSlack {
		z.out = make([]byte, maxOut+encLZFSlack)
	}
	out := z.out[:maxOut+encLZFSlack]
	n := encLZFCompress(in, out, maxOut, &z.table)
	if n == 0 {
		return nil
	}
	return out[:n]
}

// encLZFCompress writes the LZF form of in to out and returns its length, or 0 when it would be
// longer than limit. out must have room for limit+encLZFSlack bytes.
func encLZFCompress(in, out []byte, limit int, table *[encLZFTableSize]int32) int {
	ip, op := 0, 1 // out[0] is reserved for the first literal run's control byte
	lit := 0       // literals in the current run; its control byte is at out[op-lit-1]
	n := len(in)
	for ip+2 < n {
		if op > limit {
			return 0
		}
		h := encLZFHash(in[ip], in[ip+1], in[ip+2])
		ref := int(table[h]) - 1
		table[h] = int32(ip + 1)
		off := ip - ref - 1
		if ref >= 0 && ref < ip && off < encLZFMaxOff &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			maxLen := n - ip
			if maxLen > encLZFMaxRef {
				maxLen = encLZFMaxRef
			}
			m := 3
			for m < maxLen && in[ref+m] == in[ip+m] {
				m++
			}
			// Close the literal run (or take back its unused control byte).
			if lit > 0 {
				out[op-lit-1] = byte(lit - 1)
			} else {
				op--
			}
			l := m - 2
			if l < 7 {
				out[op] = byte(off>>8) | byte(l<<5)
				op++
			} else {
				out[op] = byte(off>>8) | 7<<5
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // control byte of the next literal run
			// Remember the positions inside the match so later data can refer to them.
			end := ip + m
			for p := ip + 1; p < end && p+2 < n; p++ {
				table[encLZFHash(in[p], in[p+1], in[p+2])] = int32(p + 1)
			}
			ip = end
			continue
		}
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == encLZFMaxLitRun {
			out[op-lit-1] = encLZFMaxLitRun - 1
			lit = 0
			op++
		}
	}
	for ip < n {
		if op > limit {
			return 0
		}
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == encLZFMaxLitRun {
			out[op-lit-1] = encLZFMaxLitRun - 1
			lit = 0
			op++
		}
	}
	if lit > 0 {
		out[op-lit-1] = byte(lit - 1)
	} else {
		op--
	}
	if op > limit {
		return 0
	}
	return op
}
