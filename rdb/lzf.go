package rdb

// LZF decompression (the format of liblzf, src/lzf_d.c in Redis):
//
//	000LLLLL + L+1 literal bytes
//	LLLOOOOO [L2 if LLL = 7] OOOOOOOO   back reference: copy LLL+2 (or L2+9) bytes starting
//	                                      (O bits)+1 bytes before the output position
//
// decLZF appends the n bytes that in decompresses to out and returns the extended slice, or
// a reason why in is not a valid stream of exactly n bytes. Memory grows with the output
// actually produced (never more than twice it), not with the declared n, so a lying header
// cannot make it allocate. Cost: O(n).
func decLZF(out, in []byte, n int) ([]byte, string) {
	start := len(out)
	if cap(out)-start < n {
		// Real data rarely expands more than 4x; grow from there as output appears.
		c := min(n, 4*len(in)+64)
		if c > cap(out)-start {
			nb := make([]byte, start, start+c)
			copy(nb, out)
			out = nb
		}
	}
	ip := 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 32 {
			run := ctrl + 1
			if ip+run > len(in) {
				return out, "literal run past the end of the compressed data"
			}
			if len(out)-start+run > n {
				return out, "output longer than the declared length"
			}
			out = append(out, in[ip:ip+run]...)
			ip += run
			continue
		}
		l := ctrl >> 5
		if ip >= len(in) {
			return out, "back reference past the end of the compressed data"
		}
		if l == 7 {
			l += int(in[ip])
			ip++
			if ip >= len(in) {
				return out, "back reference past the end of the compressed data"
			}
		}
		ref := len(out) - (ctrl&0x1f)<<8 - 1 - int(in[ip])
		ip++
		l += 2
		if ref < start {
			return out, "back reference before the start of the output"
		}
		if len(out)-start+l > n {
			return out, "output longer than the declared length"
		}
		// The reference may overlap the bytes being written: from ref on, the output repeats
		// with period len(out)-ref, so copying from ref what exists keeps the period and
		// doubles what is available for the next step.
		for l > 0 {
			k := min(l, len(out)-ref)
			out = append(out, out[ref:ref+k]...)
			l -= k
		}
	}
	if len(out)-start != n {
		return out, "output shorter than the declared length"
	}
	return out, ""
}
