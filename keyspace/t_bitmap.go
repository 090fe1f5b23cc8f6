package keyspace

// Bitmap commands (src/bitops.c @ 7.0.15): SETBIT, BITOP AND/OR/XOR/NOT and BITFIELD (SET and
// INCRBY with the WRAP, SAT and FAIL overflow modes; GET sub-operations are validated and
// otherwise ignored). BITFIELD_RO, GETBIT, BITCOUNT and BITPOS are read-only: the dispatcher
// treats them as no-ops.

func init() {
	register("setbit", cmdSetBit)
	register("bitop", cmdBitOp)
	register("bitfield", cmdBitField)
}

var (
	errBitOffset   = &CommandError{"ERR bit offset is not an integer or out of range"}
	errBitValue    = &CommandError{"ERR bit is not an integer or out of range"}
	errBitOpNot    = &CommandError{"ERR BITOP NOT must be called with a single source key."}
	errBitOverflow = &CommandError{"ERR Invalid OVERFLOW type specified"}
	errBitType     = &CommandError{"ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."}
)

// bitOffset is getBitOffsetFromArgument: a bit offset, or with hash and bits > 0 also
// "#<n>" meaning n·bits. The offset's byte must be below StringMaxLen.
func bitOffset(a []byte, hash bool, bits int) (uint64, error) {
	useHash := hash && bits > 0 && len(a) > 0 && a[0] == '#'
	if useHash {
		a = a[1:]
	}
	off, ok := strParseInt(a)
	if !ok {
		return 0, errBitOffset
	}
	if useHash {
		off *= int64(bits) // wraps like C
	}
	if off < 0 || off>>3 >= StringMaxLen {
		return 0, errBitOffset
	}
	return uint64(off), nil
}

// bitString is lookupStringForBitCommand: the string under key grown with zero bytes so that
// bit maxbit exists (created if missing). It reports whether the string was created or grown.
func bitString(c *Client, key []byte, maxbit uint64) (*String, bool, error) {
	n := int(maxbit>>3) + 1
	e, s, err := c.lookupString(key)
	if err != nil {
		return nil, false, err
	}
	if e == nil {
		s = &String{B: make([]byte, n)}
		c.Set(key, s, NoExpiry)
		return s, true, nil
	}
	old := len(s.B)
	s.B = strGrowZero(s.B, n)
	return s, len(s.B) != old, nil
}

func cmdSetBit(c *Client, args [][]byte) error {
	off, err := bitOffset(args[2], false, 0)
	if err != nil {
		return err
	}
	on, ok := strParseInt(args[3])
	if !ok || on&^1 != 0 {
		return errBitValue
	}
	s, _, err := bitString(c, args[1], off)
	if err != nil {
		return err
	}
	bit := byte(1) << (7 - off&7)
	if on == 1 {
		s.B[off>>3] |= bit
	} else {
		s.B[off>>3] &^= bit
	}
	return nil
}

// BITOP operations.
const (
	bitAnd = iota
	bitOr
	bitXor
	bitNot
)

func cmdBitOp(c *Client, args [][]byte) error {
	var op int
	switch {
	case strOpt(args[1], "and"):
		op = bitAnd
	case strOpt(args[1], "or"):
		op = bitOr
	case strOpt(args[1], "xor"):
		op = bitXor
	case strOpt(args[1], "not"):
		op = bitNot
	default:
		return ErrSyntax
	}
	if op == bitNot && len(args) != 4 {
		return errBitOpNot
	}
	srcs := make([][]byte, len(args)-3)
	maxlen := 0
	for j := range srcs {
		db, e, err := c.lookupPlain(args[j+3])
		if err != nil {
			return err
		}
		if e != nil {
			srcs[j] = db.String(e)
			maxlen = max(maxlen, len(srcs[j]))
		}
	}
	dest := args[2]
	if maxlen == 0 {
		c.Delete(dest)
		return nil
	}
	res := make([]byte, maxlen)
	first := srcs[0]
	copy(res, first)
	switch op {
	case bitNot:
		for i := range res {
			res[i] = ^res[i]
		}
	case bitAnd:
		for _, s := range srcs[1:] {
			n := min(len(s), maxlen)
			for i := 0; i < n; i++ {
				res[i] &= s[i]
			}
			clear(res[n:])
		}
	case bitOr:
		for _, s := range srcs[1:] {
			for i, b := range s {
				res[i] |= b
			}
		}
	case bitXor:
		for _, s := range srcs[1:] {
			for i, b := range s {
				res[i] ^= b
			}
		}
	}
	c.KS.SetString(c.DB, dest, res, NoExpiry)
	return nil
}

// BITFIELD overflow modes and opcodes.
const (
	bfWrap = iota
	bfSat
	bfFail
)

const (
	bfGet = iota
	bfSet
	bfIncrBy
)

type bfOp struct {
	offset uint64
	i64    int64
	opcode int
	ow     int
	bits   int
	signed bool
}

// bitFieldType is getBitfieldTypeFromArgument: i1..i64 or u1..u63.
func bitFieldType(a []byte) (signed bool, bits int, err error) {
	a = strCString(a)
	if len(a) == 0 || (a[0] != 'i' && a[0] != 'u') {
		return false, 0, errBitType
	}
	signed = a[0] == 'i'
	n, ok := strParseInt(a[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, errBitType
	}
	return signed, int(n), nil
}

func cmdBitField(c *Client, args [][]byte) error {
	var ops []bfOp
	ow := bfWrap
	readonly := true
	var highest uint64
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		var opcode int
		switch {
		case strOpt(args[j], "get") && rem >= 2:
			opcode = bfGet
		case strOpt(args[j], "set") && rem >= 3:
			opcode = bfSet
		case strOpt(args[j], "incrby") && rem >= 3:
			opcode = bfIncrBy
		case strOpt(args[j], "overflow") && rem >= 1:
			j++
			switch {
			case strOpt(args[j], "wrap"):
				ow = bfWrap
			case strOpt(args[j], "sat"):
				ow = bfSat
			case strOpt(args[j], "fail"):
				ow = bfFail
			default:
				return errBitOverflow
			}
			continue
		default:
			return ErrSyntax
		}
		signed, bits, err := bitFieldType(args[j+1])
		if err != nil {
			return err
		}
		off, err := bitOffset(args[j+2], true, bits)
		if err != nil {
			return err
		}
		var v int64
		if opcode != bfGet {
			readonly = false
			highest = max(highest, off+uint64(bits)-1)
			if v, err = strInt(args[j+3]); err != nil {
				return err
			}
		}
		ops = append(ops, bfOp{offset: off, i64: v, opcode: opcode, ow: ow, bits: bits, signed: signed})
		if opcode == bfGet {
			j += 2
		} else {
			j += 3
		}
	}
	if readonly {
		_, _, err := c.lookupPlain(args[1])
		return err
	}
	s, _, err := bitString(c, args[1], highest)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if op.opcode == bfGet {
			continue
		}
		if op.signed {
			old := bfGetSigned(s.B, op.offset, op.bits)
			var nv int64
			var ovf int
			if op.opcode == bfIncrBy {
				var wrapped int64
				ovf, wrapped = bfCheckSigned(old, op.i64, op.bits, op.ow)
				nv = old + op.i64
				if ovf != 0 {
					nv = wrapped
				}
			} else {
				var wrapped int64
				nv = op.i64
				ovf, wrapped = bfCheckSigned(nv, 0, op.bits, op.ow)
				if ovf != 0 {
					nv = wrapped
				}
			}
			if !(ovf != 0 && op.ow == bfFail) {
				bfSetUnsigned(s.B, op.offset, op.bits, uint64(nv))
			}
		} else {
			old := bfGetUnsigned(s.B, op.offset, op.bits)
			var nv, wrapped uint64
			var ovf int
			if op.opcode == bfIncrBy {
				nv = old + uint64(op.i64)
				ovf, wrapped = bfCheckUnsigned(old, op.i64, op.bits, op.ow)
			} else {
				nv = uint64(op.i64)
				ovf, wrapped = bfCheckUnsigned(nv, 0, op.bits, op.ow)
			}
			if ovf != 0 {
				nv = wrapped
			}
			if !(ovf != 0 && op.ow == bfFail) {
				bfSetUnsigned(s.B, op.offset, op.bits, nv)
			}
		}
	}
	return nil
}

func bfSetUnsigned(p []byte, offset uint64, bits int, value uint64) {
	for j := 0; j < bits; j++ {
		bitval := (value >> uint(bits-1-j)) & 1
		b := offset >> 3
		bit := 7 - offset&7
		p[b] = p[b]&^(1<<bit) | byte(bitval<<bit)
		offset++
	}
}

func bfGetUnsigned(p []byte, offset uint64, bits int) uint64 {
	var v uint64
	for j := 0; j < bits; j++ {
		b := offset >> 3
		bit := 7 - offset&7
		v = v<<1 | uint64(p[b]>>bit)&1
		offset++
	}
	return v
}

func bfGetSigned(p []byte, offset uint64, bits int) int64 {
	v := int64(bfGetUnsigned(p, offset, bits))
	if bits < 64 && v&(1<<uint(bits-1)) != 0 {
		v |= -1 << uint(bits)
	}
	return v
}

// bfCheckUnsigned is checkUnsignedBitfieldOverflow: 0, 1 (overflow) or -1 (underflow), and
// the value to store instead for WRAP and SAT.
func bfCheckUnsigned(value uint64, incr int64, bits int, ow int) (int, uint64) {
	maxv := uint64(1)<<uint(bits) - 1 // bits ≤ 63
	maxincr := int64(maxv - value)
	minincr := -int64(value)
	wrap := func() uint64 {
		return (value + uint64(incr)) &^ (^uint64(0) << uint(bits))
	}
	if value > maxv || (incr > 0 && incr > maxincr) {
		switch ow {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxv
		}
		return 1, 0
	} else if incr < 0 && incr < minincr {
		switch ow {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return -1, 0
		}
		return -1, 0
	}
	return 0, 0
}

// bfCheckSigned is checkSignedBitfieldOverflow.
func bfCheckSigned(value, incr int64, bits int, ow int) (int, int64) {
	var maxv int64 = 1<<63 - 1
	if bits != 64 {
		maxv = 1<<uint(bits-1) - 1
	}
	minv := -maxv - 1
	maxincr := int64(uint64(maxv) - uint64(value))
	minincr := minv - value
	wrap := func() int64 {
		c := uint64(value) + uint64(incr)
		if bits < 64 {
			mask := ^uint64(0) << uint(bits)
			if c&(1<<uint(bits-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c)
	}
	if value > maxv || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
		switch ow {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxv
		}
		return 1, 0
	} else if value < minv || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr) {
		switch ow {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return -1, minv
		}
		return -1, 0
	}
	return 0, 0
}
