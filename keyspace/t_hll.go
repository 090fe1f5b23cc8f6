package keyspace

// HyperLogLog commands (src/hyperloglog.c @ 7.0.15, same representation through 8.0 and
// Valkey 8): PFADD, PFMERGE, PFCOUNT (which rewrites the cached cardinality inside the
// string, so it is a write during replay) and PFDEBUG. An HLL is a string: a 16-byte header
// ("HYLL", encoding, 3 unused bytes, 8-byte little-endian cached cardinality whose top bit
// marks it stale) followed by 16384 6-bit registers, either dense (12288 bytes) or sparse
// (ZERO/XZERO/VAL run-length opcodes, promoted to dense beyond hll-sparse-max-bytes = 3000 or
// for a register above 32). Every operation edits the bytes exactly as Redis does, so a
// replayed HLL is byte-for-byte the server's.
//
// Known version differences not modelled (the engine does not know which server wrote a
// file): Redis ≤ 3.2 PFMERGE always wrote a dense result, and Redis ≤ 4.0 PFCOUNT used another
// estimator (so its cached cardinality bytes differ).

import (
	"encoding/binary"
	"math"
	"math/bits"
)

func init() {
	register("pfadd", cmdPFAdd)
	register("pfcount", cmdPFCount)
	register("pfmerge", cmdPFMerge)
	register("pfdebug", cmdPFDebug)
}

// HLL layout constants (hyperloglog.c).
const (
	hllP             = 14
	hllQ             = 64 - hllP
	hllRegisters     = 1 << hllP
	hllPMask         = hllRegisters - 1
	hllBits          = 6
	hllRegisterMax   = 1<<hllBits - 1
	hllHdrSize       = 16
	hllDenseSize     = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense         = 0
	hllSparse        = 1
	hllSparseMaxByte = 3000 // hll-sparse-max-bytes default

	hllSparseValMaxValue = 32
	hllSparseValMaxLen   = 4
	hllSparseZeroMaxLen  = 64
	hllSparseXZeroMaxLen = 16384
)

var (
	errHLLWrongType = &CommandError{"WRONGTYPE Key is not a valid HyperLogLog string value."}
	errHLLInvalid   = &CommandError{"INVALIDOBJ Corrupted HLL object detected"}
	errHLLNoKey     = &CommandError{"ERR The specified key does not exist"}
	errHLLNotSparse = &CommandError{"ERR HLL encoding is not sparse"}
)

// hllNew returns a fresh sparse HLL: the header and one XZERO opcode covering every register
// (createHLLObject).
func hllNew() []byte {
	b := make([]byte, hllHdrSize+2, 64)
	copy(b, "HYLL")
	b[4] = hllSparse
	hllXZeroSet(b[hllHdrSize:], hllRegisters)
	return b
}

// hllLookup returns the String under key if it is a valid HLL (isHLLObjectOrReply), nil if
// the key is missing.
func hllLookup(c *Client, key []byte) (*String, error) {
	e := c.Lookup(key)
	if e == nil {
		return nil, nil
	}
	if e.Kind() != KindString {
		return nil, ErrWrongType
	}
	s := c.KS.DB(c.DB).stringObj(e)
	if !hllValid(s.B) {
		return nil, errHLLWrongType
	}
	return s, nil
}

func hllValid(b []byte) bool {
	if len(b) < hllHdrSize || b[0] != 'H' || b[1] != 'Y' || b[2] != 'L' || b[3] != 'L' {
		return false
	}
	if b[4] > hllSparse {
		return false
	}
	return b[4] != hllDense || len(b) == hllDenseSize
}

func hllInvalidateCache(b []byte) { b[15] |= 0x80 }

// ---- opcodes ----

func hllIsZero(op byte) bool  { return op&0xc0 == 0 }
func hllIsXZero(op byte) bool { return op&0xc0 == 0x40 }
func hllIsVal(op byte) bool   { return op&0x80 != 0 }
func hllZeroLen(op byte) int  { return int(op&0x3f) + 1 }
func hllValValue(op byte) int { return int(op>>2&0x1f) + 1 }
func hllValLen(op byte) int   { return int(op&3) + 1 }
func hllValOp(val, n int) byte {
	return byte((val-1)<<2|(n-1)) | 0x80
}
func hllZeroOp(n int) byte { return byte(n - 1) }
func hllXZeroSet(p []byte, n int) {
	l := n - 1
	p[0] = byte(l>>8) | 0x40
	p[1] = byte(l)
}

// at reads b[i], or 0 past the end (the sds terminator).
func hllAt(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

func hllXZeroLen(b []byte, p int) int {
	return (int(b[p]&0x3f)<<8 | int(hllAt(b, p+1))) + 1
}

// ---- hashing ----

// hllMurmur64A is MurmurHash64A as Redis uses it (little-endian block reads).
func hllMurmur64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(key)) * m)
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	tail := key[n:]
	switch len(tail) {
	case 7:
		h ^= uint64(tail[6]) << 48
		fallthrough
	case 6:
		h ^= uint64(tail[5]) << 40
		fallthrough
	case 5:
		h ^= uint64(tail[4]) << 32
		fallthrough
	case 4:
		h ^= uint64(tail[3]) << 24
		fallthrough
	case 3:
		h ^= uint64(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint64(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint64(tail[0])
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element maps to and the length of its 000…1 pattern.
func hllPatLen(ele []byte) (int, uint8) {
	hash := hllMurmur64A(ele, 0xadc83b19)
	index := int(hash & hllPMask)
	hash >>= hllP
	hash |= 1 << hllQ
	return index, uint8(bits.TrailingZeros64(hash) + 1)
}

// ---- dense ----

func hllDenseGet(regs []byte, i int) uint8 {
	byt := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	b0 := uint(regs[byt])
	b1 := uint(hllAt(regs, byt+1))
	return uint8((b0>>fb | b1<<(8-fb)) & hllRegisterMax)
}

func hllDenseSetReg(regs []byte, i int, val uint8) {
	byt := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	fb8 := 8 - fb
	v := uint(val)
	regs[byt] &^= byte(hllRegisterMax << fb)
	regs[byt] |= byte(v << fb)
	if byt+1 < len(regs) {
		regs[byt+1] &^= byte(hllRegisterMax >> fb8)
		regs[byt+1] |= byte(v >> fb8)
	}
}

// hllDenseSet raises register i to count; it reports whether it changed.
func hllDenseSet(regs []byte, i int, count uint8) bool {
	if count > hllDenseGet(regs, i) {
		hllDenseSetReg(regs, i, count)
		return true
	}
	return false
}

// ---- sparse ----

// hllSparseToDense converts s to the dense representation (hllSparseToDense); false means the
// sparse data is corrupt (s unchanged). The header, cached cardinality included, is kept.
func hllSparseToDense(s *String) bool {
	b := s.B
	if b[4] == hllDense {
		return true
	}
	dense := make([]byte, hllDenseSize)
	copy(dense, b[:hllHdrSize])
	dense[4] = hllDense
	regs := dense[hllHdrSize:]
	ok := hllSparseWalk(b, func(idx, n int, v uint8) {
		if v != 0 {
			for ; n > 0; n-- {
				hllDenseSetReg(regs, idx, v)
				idx++
			}
		}
	})
	if !ok {
		return false
	}
	s.B = dense
	return true
}

// hllSparseWalk calls fn for each run of the sparse HLL b: first register, length, value.
// It reports false for a corrupt representation: a run reaching past register 16383, or
// runs not covering all 16384 registers. (Redis releases with the CVE-2025-32023 fix — the
// Debian 7.0.15 package among them, 7.2.10+, 7.4.5+, 8.0.3+ — reject a run past the end; older
// ones stopped at a VAL run past the end and accepted what came before.)
func hllSparseWalk(b []byte, fn func(idx, n int, v uint8)) bool {
	idx := 0
	for p := hllHdrSize; p < len(b); {
		op := b[p]
		var n int
		var v uint8
		switch {
		case hllIsZero(op):
			n = hllZeroLen(op)
			p++
		case hllIsXZero(op):
			n = hllXZeroLen(b, p)
			p += 2
		default:
			n, v = hllValLen(op), uint8(hllValValue(op))
			p++
		}
		if idx+n > hllRegisters {
			return false
		}
		fn(idx, n, v)
		idx += n
	}
	return idx == hllRegisters
}

// hllSparseSet raises register index of the sparse HLL s to count (hllSparseSet): 1 if it
// changed, 0 if not, -1 if the representation is corrupt. It may promote s to dense.
func hllSparseSet(s *String, index int, count uint8) int {
	if count > hllSparseValMaxValue {
		return hllPromote(s, index, count)
	}
	b := s.B
	end := len(b)
	p := hllHdrSize
	first, span, prev := 0, 0, -1
	for p < end {
		oplen := 1
		op := b[p]
		switch {
		case hllIsZero(op):
			span = hllZeroLen(op)
		case hllIsVal(op):
			span = hllValLen(op)
		default:
			span = hllXZeroLen(b, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return -1
	}
	op := b[p]
	next := p + 1
	if hllIsXZero(op) {
		next = p + 2
	}
	if next >= end {
		next = -1
	}
	isZero, isXZero, isVal := hllIsZero(op), hllIsXZero(op), hllIsVal(op)
	var runlen int
	switch {
	case isZero:
		runlen = hllZeroLen(op)
	case isXZero:
		runlen = hllXZeroLen(b, p)
	default:
		runlen = hllValLen(op)
	}
	updated := false
	if isVal {
		if hllValValue(op) >= int(count) {
			return 0
		}
		if runlen == 1 {
			b[p] = hllValOp(int(count), 1)
			updated = true
		}
	}
	if !updated && isZero && runlen == 1 {
		b[p] = hllValOp(int(count), 1)
		updated = true
	}
	if !updated {
		// General case: split the opcode into up to three.
		var seq [5]byte
		n := 0
		last := first + span - 1
		zeroRun := func(l int) {
			if l > hllSparseZeroMaxLen {
				hllXZeroSet(seq[n:], l)
				n += 2
			} else {
				seq[n] = hllZeroOp(l)
				n++
			}
		}
		if isZero || isXZero {
			if index != first {
				zeroRun(index - first)
			}
			seq[n] = hllValOp(int(count), 1)
			n++
			if index != last {
				zeroRun(last - index)
			}
		} else {
			cur := hllValValue(op)
			if index != first {
				seq[n] = hllValOp(cur, index-first)
				n++
			}
			seq[n] = hllValOp(int(count), 1)
			n++
			if index != last {
				seq[n] = hllValOp(cur, last-index)
				n++
			}
		}
		oldlen := 1
		if isXZero {
			oldlen = 2
		}
		delta := n - oldlen
		if delta > 0 && len(b)+delta > hllSparseMaxByte {
			return hllPromote(s, index, count)
		}
		if delta > 0 {
			b = append(b, seq[:delta]...) // room; overwritten below
		}
		if delta != 0 && next >= 0 {
			copy(b[next+delta:], b[next:end])
		}
		end += delta
		b = b[:end]
		copy(b[p:], seq[:n]) // a corrupt XZERO cut by the end loses its last byte, as in C
	}
	// Merge adjacent VAL opcodes of equal value, scanning at most 5 opcodes from prev.
	p = hllHdrSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < end && scan > 0; {
		scan--
		op := b[p]
		if hllIsXZero(op) {
			p += 2
			continue
		}
		if hllIsZero(op) {
			p++
			continue
		}
		if p+1 < end && hllIsVal(b[p+1]) {
			v1, v2 := hllValValue(op), hllValValue(b[p+1])
			if v1 == v2 {
				l := hllValLen(op) + hllValLen(b[p+1])
				if l <= hllSparseValMaxLen {
					b[p+1] = hllValOp(v1, l)
					copy(b[p:], b[p+1:end])
					end--
					b = b[:end]
					continue
				}
			}
		}
		p++
	}
	hllInvalidateCache(b)
	s.B = b
	return 1
}

// hllPromote converts s to dense and sets the register there.
func hllPromote(s *String, index int, count uint8) int {
	if !hllSparseToDense(s) {
		return -1
	}
	hllDenseSet(s.B[hllHdrSize:], index, count)
	return 1
}

// hllAdd adds one element: 1 if a register changed, 0 if not, -1 if s is corrupt.
func hllAdd(s *String, ele []byte) int {
	index, count := hllPatLen(ele)
	switch s.B[4] {
	case hllDense:
		if hllDenseSet(s.B[hllHdrSize:], index, count) {
			return 1
		}
		return 0
	case hllSparse:
		return hllSparseSet(s, index, count)
	}
	return -1
}

// hllMerge raises max[i] to each register of the HLL b; false if b's sparse data is corrupt.
func hllMerge(maxRegs *[hllRegisters]uint8, b []byte) bool {
	if b[4] == hllDense {
		regs := b[hllHdrSize:]
		for i := 0; i < hllRegisters; i++ {
			if v := hllDenseGet(regs, i); v > maxRegs[i] {
				maxRegs[i] = v
			}
		}
		return true
	}
	return hllSparseWalk(b, func(idx, n int, v uint8) {
		if v == 0 {
			return
		}
		for ; n > 0; n-- {
			if v > maxRegs[idx] {
				maxRegs[idx] = v
			}
			idx++
		}
	})
}

// ---- cardinality ----

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y := 1.0
	z := x
	for {
		x = float64(x * x)
		zp := z
		z += float64(x * y)
		y += y
		if zp == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y := 1.0
	z := 1 - x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		t := 1 - x
		z -= float64(float64(t*t) * y)
		if zp == z {
			return z / 3
		}
	}
}

// hllCount estimates the cardinality of the HLL b (hllCount); invalid is true for sparse
// data that does not cover exactly 16384 registers.
func hllCount(b []byte) (card uint64, invalid bool) {
	var histo [64]int
	regs := b[hllHdrSize:]
	if b[4] == hllDense {
		// 16 registers in every 12 bytes.
		for r := regs[:hllDenseSize-hllHdrSize]; len(r) >= 12; r = r[12:] {
			histo[r[0]&63]++
			histo[(r[0]>>6|r[1]<<2)&63]++
			histo[(r[1]>>4|r[2]<<4)&63]++
			histo[r[2]>>2]++
			histo[r[3]&63]++
			histo[(r[3]>>6|r[4]<<2)&63]++
			histo[(r[4]>>4|r[5]<<4)&63]++
			histo[r[5]>>2]++
			histo[r[6]&63]++
			histo[(r[6]>>6|r[7]<<2)&63]++
			histo[(r[7]>>4|r[8]<<4)&63]++
			histo[r[8]>>2]++
			histo[r[9]&63]++
			histo[(r[9]>>6|r[10]<<2)&63]++
			histo[(r[10]>>4|r[11]<<4)&63]++
			histo[r[11]>>2]++
		}
	} else {
		idx := 0
		for p := 0; p < len(regs); {
			op := regs[p]
			switch {
			case hllIsZero(op):
				n := hllZeroLen(op)
				idx += n
				histo[0] += n
				p++
			case hllIsXZero(op):
				n := hllXZeroLen(regs, p)
				idx += n
				histo[0] += n
				p += 2
			default:
				n := hllValLen(op)
				idx += n
				histo[hllValValue(op)] += n
				p++
			}
		}
		if idx != hllRegisters {
			invalid = true
		}
	}
	const m = float64(hllRegisters)
	mv := m // a variable, so that every step rounds as in C
	z := mv * hllTau((mv-float64(histo[hllQ+1]))/mv)
	for j := hllQ; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += mv * hllSigma(float64(histo[0])/mv)
	const alphaInf = 0.721347520444481703680
	e := math.Round(float64(float64(alphaInf*mv)*mv) / z)
	return uint64(int64(e)), invalid
}

// ---- commands ----

func cmdPFAdd(c *Client, args [][]byte) error {
	s, err := hllLookup(c, args[1])
	if err != nil {
		return err
	}
	updated := false
	if s == nil {
		s = &String{B: hllNew()}
		c.Set(args[1], s, NoExpiry)
		updated = true
	}
	for _, ele := range args[2:] {
		switch hllAdd(s, ele) {
		case 1:
			updated = true
		case -1:
			return errHLLInvalid
		}
	}
	if updated {
		hllInvalidateCache(s.B)
	}
	return nil
}

// cmdPFCount refreshes the cached cardinality of a single HLL whose cache is stale, as
// PFCOUNT does (and the AOF then holds the PFCOUNT). With several keys nothing is written.
func cmdPFCount(c *Client, args [][]byte) error {
	if len(args) > 2 {
		var regs [hllRegisters]uint8
		for _, key := range args[1:] {
			s, err := hllLookup(c, key)
			if err != nil {
				return err
			}
			if s != nil && !hllMerge(&regs, s.B) {
				return errHLLInvalid
			}
		}
		return nil
	}
	s, err := hllLookup(c, args[1])
	if err != nil || s == nil {
		return err
	}
	if s.B[15]&0x80 == 0 {
		return nil
	}
	card, invalid := hllCount(s.B)
	if invalid {
		return errHLLInvalid
	}
	binary.LittleEndian.PutUint64(s.B[8:16], card)
	return nil
}

func cmdPFMerge(c *Client, args [][]byte) error {
	var regs [hllRegisters]uint8
	useDense := false
	for _, key := range args[1:] {
		s, err := hllLookup(c, key)
		if err != nil {
			return err
		}
		if s == nil {
			continue
		}
		if s.B[4] == hllDense {
			useDense = true
		}
		if !hllMerge(&regs, s.B) {
			return errHLLInvalid
		}
	}
	var dst *String
	if e := c.Lookup(args[1]); e != nil {
		dst = c.KS.DB(c.DB).stringObj(e) // validated above: args[1] is also a source
	} else {
		dst = &String{B: hllNew()}
		c.Set(args[1], dst, NoExpiry)
	}
	if useDense && !hllSparseToDense(dst) {
		return errHLLInvalid
	}
	for j, v := range regs {
		if v == 0 {
			continue
		}
		if dst.B[4] == hllDense {
			hllDenseSet(dst.B[hllHdrSize:], j, v)
		} else {
			hllSparseSet(dst, j, v)
		}
	}
	hllInvalidateCache(dst.B)
	return nil
}

// cmdPFDebug: GETREG and TODENSE convert a sparse HLL to dense (and are propagated);
// DECODE and ENCODING only read.
func cmdPFDebug(c *Client, args [][]byte) error {
	e := c.Lookup(args[2])
	if e == nil {
		return errHLLNoKey
	}
	s, err := hllLookup(c, args[2])
	if err != nil {
		return err
	}
	sub := args[1]
	switch {
	case strOpt(sub, "getreg"), strOpt(sub, "todense"):
		if len(args) != 3 {
			return strSubArity(sub)
		}
		if s.B[4] == hllSparse && !hllSparseToDense(s) {
			return errHLLInvalid
		}
	case strOpt(sub, "decode"):
		if len(args) != 3 {
			return strSubArity(sub)
		}
		if s.B[4] != hllSparse {
			return errHLLNotSparse
		}
	case strOpt(sub, "encoding"):
		if len(args) != 3 {
			return strSubArity(sub)
		}
	default:
		return &CommandError{"ERR Unknown PFDEBUG subcommand '" + string(strCString(sub)) + "'"}
	}
	return nil
}

func strSubArity(sub []byte) error {
	return &CommandError{"ERR Wrong number of arguments for the '" + string(strCString(sub)) + "' subcommand"}
}
