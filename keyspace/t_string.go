package keyspace

// String commands (src/t_string.c @ 7.0.15): SET and its variants, MSET, APPEND, SETRANGE,
// INCR and friends, INCRBYFLOAT (x87 long double arithmetic and "%.17Lf" formatting, as
// Redis on amd64 computes it), GETSET, GETDEL, GETEX. Bitmaps are in t_bitmap.go and
// HyperLogLogs in t_hll.go: both are strings too.

import (
	"math/big"
	"strconv"

	"github.com/aofkit/aofkit/internal/canon"
)

// String is a string value: plain strings, integers (held as their decimal text, the bytes
// GET returns), bitmaps and HyperLogLogs. B is owned by the keyspace: never alias input.
type String struct {
	B []byte
}

// Kind reports KindString.
func (*String) Kind() Kind { return KindString }

// StringMaxLen is the largest string SETRANGE, APPEND, SETBIT and BITFIELD may produce: the
// server's default proto-max-bulk-len (512 MB). Beyond it Redis replies "string exceeds
// maximum allowed size" (or "bit offset is not an integer or out of range") and so do we.
// Note: the 7.x AOF loader exempts its own client from this check (mustObeyClient); a file
// written by a server with a larger proto-max-bulk-len is therefore not replayed exactly.
const StringMaxLen = 512 << 20

func init() {
	registerCodec(KindString, codec{
		export: func(v Value, k *canon.Key) {
			k.Type = canon.TypeString
			k.String = v.(*String).B
		},
		load: func(k *canon.Key) (Value, error) {
			return &String{B: Clone(k.String)}, nil
		},
		clone: func(v Value) Value {
			return &String{B: Clone(v.(*String).B)}
		},
	})
	register("set", cmdSet)
	register("setnx", cmdSetNX)
	register("setex", cmdSetEX)
	register("psetex", cmdPSetEX)
	register("mset", cmdMSet)
	register("msetnx", cmdMSetNX)
	register("append", cmdAppend)
	register("setrange", cmdSetRange)
	register("incr", func(c *Client, a [][]byte) error { return strIncrDecr(c, a[1], 1) })
	register("decr", func(c *Client, a [][]byte) error { return strIncrDecr(c, a[1], -1) })
	register("incrby", cmdIncrBy)
	register("decrby", cmdDecrBy)
	register("incrbyfloat", cmdIncrByFloat)
	register("getset", cmdGetSet)
	register("getdel", cmdGetDel)
	register("getex", cmdGetEx)
}

// Error replies of the string family (Redis's texts).
var (
	errStrTooBig      = &CommandError{"ERR string exceeds maximum allowed size (proto-max-bulk-len)"}
	errStrOffset      = &CommandError{"ERR offset is out of range"}
	errStrDecrOvf     = &CommandError{"ERR decrement would overflow"}
	errStrFloatNaNInf = &CommandError{"ERR increment would produce NaN or Infinity"}
)

func strErrExpire(cmd string) error {
	return &CommandError{"ERR invalid expire time in '" + cmd + "' command"}
}

// strCString returns b up to its first NUL byte: what C code comparing argv[j]->ptr with
// strcasecmp or character tests sees.
func strCString(b []byte) []byte {
	for i, ch := range b {
		if ch == 0 {
			return b[:i]
		}
	}
	return b
}

// strOpt reports whether argument a names the option word (lower case), compared as Redis
// does (case-insensitive, up to the first NUL byte).
func strOpt(a []byte, word string) bool {
	a = strCString(a)
	if len(a) != len(word) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ch := a[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != word[i] {
			return false
		}
	}
	return true
}

// strParseInt parses b exactly as Redis's string2ll: optional '-', no leading zeros (except
// "0"), no spaces, no '+', at most 20 bytes, within int64.
func strParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	p := b
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, ch := range p {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v *= 10
		if v > 1<<64-1-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// strInt parses an integer argument (getLongLongFromObjectOrReply).
func strInt(b []byte) (int64, error) {
	v, ok := strParseInt(b)
	if !ok {
		return 0, ErrNotInt
	}
	return v, nil
}

// lookupString returns the *String under key, nil when the key is missing, ErrWrongType for
// another type.
func (c *Client) lookupString(key []byte) (*Entry, *String, error) {
	e, err := c.LookupKind(key, KindString)
	if err != nil || e == nil {
		return nil, nil, err
	}
	return e, c.KS.DB(c.DB).stringObj(e), nil
}

// lookupPlain returns the entry under key without turning it into an object (read its
// bytes with db.String), nil when the key is missing, ErrWrongType for another type.
func (c *Client) lookupPlain(key []byte) (*DB, *Entry, error) {
	db := c.KS.DB(c.DB)
	e := db.find(key)
	if e == nil {
		return db, nil, nil
	}
	if e.Kind() != KindString {
		return db, nil, ErrWrongType
	}
	return db, e, nil
}

// Flags of SET and GETEX (parseExtendedStringArgumentsOrReply).
const (
	strNX = 1 << iota
	strXX
	strEX
	strPX
	strKeepTTL
	strGet
	strEXAT
	strPXAT
	strPersist
)

// strParseExtended parses SET (forSet) or GETEX options starting at args[from]. It returns
// the flags and the expire argument (nil if none).
func strParseExtended(args [][]byte, from int, forSet bool) (int, []byte, error) {
	flags := 0
	var expire []byte
	for j := from; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		const anyTTL = strEX | strPX | strEXAT | strPXAT
		switch {
		case forSet && strOpt(opt, "nx") && flags&strXX == 0:
			flags |= strNX
		case forSet && strOpt(opt, "xx") && flags&strNX == 0:
			flags |= strXX
		case forSet && strOpt(opt, "get"):
			flags |= strGet
		case forSet && strOpt(opt, "keepttl") && flags&(strPersist|anyTTL) == 0:
			flags |= strKeepTTL
		case !forSet && strOpt(opt, "persist") && flags&(anyTTL|strKeepTTL) == 0:
			flags |= strPersist
		case strOpt(opt, "ex") && flags&(strKeepTTL|strPersist|strEXAT|strPX|strPXAT) == 0 && hasNext:
			flags |= strEX
			expire = args[j+1]
			j++
		case strOpt(opt, "px") && flags&(strKeepTTL|strPersist|strEX|strEXAT|strPXAT) == 0 && hasNext:
			flags |= strPX
			expire = args[j+1]
			j++
		case strOpt(opt, "exat") && flags&(strKeepTTL|strPersist|strEX|strPX|strPXAT) == 0 && hasNext:
			flags |= strEXAT
			expire = args[j+1]
			j++
		case strOpt(opt, "pxat") && flags&(strKeepTTL|strPersist|strEX|strEXAT|strPX) == 0 && hasNext:
			flags |= strPXAT
			expire = args[j+1]
			j++
		default:
			return 0, nil, ErrSyntax
		}
	}
	return flags, expire, nil
}

// strExpireMs turns an EX/PX/EXAT/PXAT argument into absolute unix ms
// (getExpireMillisecondsOrReply); relative forms count from the keyspace clock.
func strExpireMs(c *Client, expire []byte, flags int, cmd string) (int64, error) {
	ms, err := strInt(expire)
	if err != nil {
		return 0, err
	}
	seconds := flags&(strEX|strEXAT) != 0
	if ms <= 0 || (seconds && ms > (1<<63-1)/1000) {
		return 0, strErrExpire(cmd)
	}
	if seconds {
		ms *= 1000
	}
	if flags&(strEX|strPX) != 0 {
		ms += c.KS.NowMs // wraps like C on overflow, caught below
	}
	if ms <= 0 {
		return 0, strErrExpire(cmd)
	}
	return ms, nil
}

// strSetGeneric is setGenericCommand: SET, SETNX, SETEX, PSETEX.
func strSetGeneric(c *Client, flags int, key, val, expire []byte, cmd string) error {
	ms := NoExpiry
	if expire != nil {
		var err error
		if ms, err = strExpireMs(c, expire, flags, cmd); err != nil {
			return err
		}
	}
	db := c.KS.DB(c.DB)
	if flags == 0 {
		e, _ := db.put(key)
		db.setStr(e, val)
		e.Expire = NoExpiry
		return nil
	}
	old := db.find(key)
	if flags&strGet != 0 && old != nil && old.Kind() != KindString {
		return ErrWrongType
	}
	if (flags&strNX != 0 && old != nil) || (flags&strXX != 0 && old == nil) {
		return nil
	}
	ttl := NoExpiry
	if flags&strKeepTTL != 0 && old != nil {
		ttl = old.Expire
	}
	if expire != nil {
		ttl = ms
	}
	e, _ := db.put(key)
	db.setStr(e, val)
	e.Expire = ttl
	return nil
}

func cmdSet(c *Client, args [][]byte) error {
	flags, expire, err := strParseExtended(args, 3, true)
	if err != nil {
		return err
	}
	return strSetGeneric(c, flags, args[1], args[2], expire, "set")
}

func cmdSetNX(c *Client, args [][]byte) error {
	return strSetGeneric(c, strNX, args[1], args[2], nil, "setnx")
}

func cmdSetEX(c *Client, args [][]byte) error {
	return strSetGeneric(c, strEX, args[1], args[3], args[2], "setex")
}

func cmdPSetEX(c *Client, args [][]byte) error {
	return strSetGeneric(c, strPX, args[1], args[3], args[2], "psetex")
}

func strMSet(c *Client, args [][]byte, nx bool) error {
	if len(args)%2 == 0 {
		name := "mset"
		if nx {
			name = "msetnx"
		}
		return &CommandError{"ERR wrong number of arguments for '" + name + "' command"}
	}
	if nx {
		for j := 1; j < len(args); j += 2 {
			if c.Lookup(args[j]) != nil {
				return nil
			}
		}
	}
	db := c.KS.DB(c.DB)
	var hs [prefetchMax]uint64
	for j := 1; j < len(args); {
		n := db.prefetch(args[j:], 2, &hs)
		for i := 0; i < n; i, j = i+1, j+2 {
			e, _ := db.putHashed(args[j], hs[i])
			db.setStr(e, args[j+1])
			e.Expire = NoExpiry
		}
	}
	return nil
}

func cmdMSet(c *Client, args [][]byte) error   { return strMSet(c, args, false) }
func cmdMSetNX(c *Client, args [][]byte) error { return strMSet(c, args, true) }

// strCheckLen is checkStringLength: size+add must not exceed StringMaxLen.
func strCheckLen(size, add int64) error {
	total := int64(uint64(size) + uint64(add))
	if total > StringMaxLen || total < size || total < add {
		return errStrTooBig
	}
	return nil
}

func cmdAppend(c *Client, args [][]byte) error {
	db, e, err := c.lookupPlain(args[1])
	if err != nil {
		return err
	}
	if e == nil {
		c.KS.SetString(c.DB, args[1], args[2], NoExpiry)
		return nil
	}
	if db.Value(e) != nil {
		s := db.Value(e).(*String)
		if err := strCheckLen(int64(len(s.B)), int64(len(args[2]))); err != nil {
			return err
		}
		s.B = append(s.B, args[2]...)
		return nil
	}
	old := int(e.vlen)
	if err := strCheckLen(int64(old), int64(len(args[2]))); err != nil {
		return err
	}
	b := db.strSpace(e, old+len(args[2]))
	copy(b[old:], args[2])
	return nil
}

func cmdSetRange(c *Client, args [][]byte) error {
	offset, err := strInt(args[2])
	if err != nil {
		return err
	}
	if offset < 0 {
		return errStrOffset
	}
	val := args[3]
	db, e, err := c.lookupPlain(args[1])
	if err != nil {
		return err
	}
	if len(val) == 0 {
		return nil
	}
	if err := strCheckLen(offset, int64(len(val))); err != nil {
		return err
	}
	if e == nil {
		e, _ = db.put(args[1])
	}
	if db.Value(e) != nil {
		s := db.Value(e).(*String)
		s.B = strGrowZero(s.B, int(offset)+len(val))
		copy(s.B[offset:], val)
		return nil
	}
	b := db.strSpace(e, max(int(e.vlen), int(offset)+len(val)))
	copy(b[offset:], val)
	return nil
}

// strGrowZero extends b with zero bytes to at least n bytes (sdsgrowzero).
func strGrowZero(b []byte, n int) []byte {
	if len(b) >= n {
		return b
	}
	if cap(b) >= n {
		old := len(b)
		b = b[:n]
		clear(b[old:])
		return b
	}
	nb := make([]byte, n, n+n/8)
	copy(nb, b)
	return nb
}

// strIncrDecr is incrDecrCommand.
func strIncrDecr(c *Client, key []byte, incr int64) error {
	db, e, err := c.lookupPlain(key)
	if err != nil {
		return err
	}
	var v int64
	if e != nil {
		var ok bool
		if v, ok = strParseInt(db.String(e)); !ok {
			return ErrNotInt
		}
	}
	if (incr < 0 && v < 0 && incr < -1<<63-v) || (incr > 0 && v > 0 && incr > 1<<63-1-v) {
		return ErrOverflow
	}
	v += incr
	var buf [24]byte
	out := strconv.AppendInt(buf[:0], v, 10)
	if e == nil {
		e, _ = db.put(key)
	}
	db.setStr(e, out)
	return nil
}

func cmdIncrBy(c *Client, args [][]byte) error {
	incr, err := strInt(args[2])
	if err != nil {
		return err
	}
	return strIncrDecr(c, args[1], incr)
}

func cmdDecrBy(c *Client, args [][]byte) error {
	incr, err := strInt(args[2])
	if err != nil {
		return err
	}
	if incr == -1<<63 {
		return errStrDecrOvf
	}
	return strIncrDecr(c, args[1], -incr)
}

func cmdIncrByFloat(c *Client, args [][]byte) error {
	db, e, err := c.lookupPlain(args[1])
	if err != nil {
		return err
	}
	value := new(big.Float).SetPrec(64)
	if e != nil {
		v, ok := ldParse(db.String(e))
		if !ok {
			return ErrNotFloat
		}
		value = v
	}
	incr, ok := ldParse(args[2])
	if !ok {
		return ErrNotFloat
	}
	sum, ok := ldAdd(value, incr)
	if !ok {
		return errStrFloatNaNInf
	}
	out := ldFormat(sum)
	if e == nil {
		e, _ = db.put(args[1])
	}
	db.setStr(e, out)
	return nil
}

func cmdGetSet(c *Client, args [][]byte) error {
	if _, _, err := c.lookupPlain(args[1]); err != nil {
		return err
	}
	c.KS.SetString(c.DB, args[1], args[2], NoExpiry)
	return nil
}

func cmdGetDel(c *Client, args [][]byte) error {
	_, e, err := c.lookupPlain(args[1])
	if err != nil {
		return err
	}
	if e != nil {
		c.Delete(args[1])
	}
	return nil
}

// cmdGetEx is GETEX. While loading, an EXAT/PXAT in the past is stored, not applied
// (checkAlreadyExpired is false during load), like every other past TTL.
func cmdGetEx(c *Client, args [][]byte) error {
	flags, expire, err := strParseExtended(args, 2, false)
	if err != nil {
		return err
	}
	_, e, err := c.lookupPlain(args[1])
	if err != nil || e == nil {
		return err
	}
	if expire != nil {
		ms, err := strExpireMs(c, expire, flags, "getex")
		if err != nil {
			return err
		}
		e.Expire = ms
		return nil
	}
	if flags&strPersist != 0 {
		e.Expire = NoExpiry
	}
	return nil
}

// ---- x87 80-bit long double emulation (INCRBYFLOAT, and HINCRBYFLOAT for hashes) ----

// Limits of the x87 extended format: 64-bit significand, normal values in
// [2^-16382, 2^16384), subnormals down to 2^-16445.
const (
	ldPrec       = 64
	ldMaxExp     = 16384  // |x| < 2^16384 (big.Float exponent: x = m·2^e, 0.5 ≤ m < 1, so e ≤ 16384)
	ldMinNormExp = -16381 // smallest normal 2^-16382 has big.Float exponent -16381
	ldQuantumExp = -16445 // the subnormal spacing 2^-16445
	ldMaxChars   = 5 * 1024
)

// ldParse parses b the way Redis's string2ld does on Linux amd64 (glibc strtold into
// an 80-bit long double): decimal or hexadecimal (0x…p…) floats, "inf"/"infinity" with an
// optional sign, the whole input consumed, no leading space, shorter than 5120 bytes; values
// that overflow, underflow to zero from a non-zero input, or are NaN are rejected. The
// result is exact to the bit (round half to even, subnormals included); infinities are
// returned as ±Inf. Cost: O(len(b)²) big-number work in the worst case, microseconds for
// ordinary numbers.
func ldParse(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return nil, false
	}
	s := b
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if strOpt(s, "inf") && len(s) == 3 || strOpt(s, "infinity") && len(s) == 8 {
		return new(big.Float).SetPrec(ldPrec).SetInf(neg), true
	}
	var r *big.Rat
	var ok bool
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		r, ok = ldParseHex(s[2:])
	} else {
		r, ok = ldParseDec(s)
	}
	if !ok {
		return nil, false
	}
	if r == nil { // overflow or underflow to zero (ERANGE)
		return nil, false
	}
	f, ok := ldRound(r)
	if !ok {
		return nil, false
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

// ldDigits splits "ddd.ddd" (base 10 or 16) into its digit values and the count after the
// point; at least one digit is required.
func ldDigits(s []byte, hex bool) (digits []byte, frac int, rest []byte, ok bool) {
	seenPoint := false
	i := 0
	for ; i < len(s); i++ {
		ch := s[i]
		var d byte
		switch {
		case '0' <= ch && ch <= '9':
			d = ch - '0'
		case hex && 'a' <= ch && ch <= 'f':
			d = ch - 'a' + 10
		case hex && 'A' <= ch && ch <= 'F':
			d = ch - 'A' + 10
		case ch == '.' && !seenPoint:
			seenPoint = true
			continue
		default:
			goto done
		}
		digits = append(digits, d)
		if seenPoint {
			frac++
		}
	}
done:
	return digits, frac, s[i:], len(digits) > 0
}

// ldExponent parses [+-]digits (the whole of s), saturating far beyond any useful range.
func ldExponent(s []byte) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var v int64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if v < 1e12 {
			v = v*10 + int64(ch-'0')
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

// ldParseDec parses an unsigned decimal float. It returns (nil, true) when the value is out
// of range (overflow, or a non-zero value that rounds to zero).
func ldParseDec(s []byte) (*big.Rat, bool) {
	digits, frac, rest, ok := ldDigits(s, false)
	if !ok {
		return nil, false
	}
	var exp int64
	if len(rest) > 0 {
		if rest[0] != 'e' && rest[0] != 'E' {
			return nil, false
		}
		if exp, ok = ldExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return new(big.Rat), true
	}
	exp -= int64(frac)
	// value = D · 10^exp with D of len(digits) digits: 10^(n-1+exp) ≤ value < 10^(n+exp).
	n := int64(len(digits))
	if n-1+exp > 4933 || n+exp < -4952 {
		return nil, true
	}
	num := new(big.Int)
	ten := big.NewInt(10)
	for _, d := range digits {
		num.Mul(num, ten)
		num.Add(num, big.NewInt(int64(d)))
	}
	r := new(big.Rat).SetInt(num)
	if exp != 0 {
		p := new(big.Int).Exp(ten, big.NewInt(ldAbs(exp)), nil)
		if exp > 0 {
			r.Mul(r, new(big.Rat).SetInt(p))
		} else {
			r.Quo(r, new(big.Rat).SetInt(p))
		}
	}
	return r, true
}

func ldAbs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// ldParseHex parses the part of a hexadecimal float after "0x".
func ldParseHex(s []byte) (*big.Rat, bool) {
	digits, frac, rest, ok := ldDigits(s, true)
	if !ok {
		return nil, false
	}
	var exp int64
	if len(rest) > 0 {
		if rest[0] != 'p' && rest[0] != 'P' {
			return nil, false
		}
		if exp, ok = ldExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return new(big.Rat), true
	}
	exp -= 4 * int64(frac)
	num := new(big.Int)
	for _, d := range digits {
		num.Lsh(num, 4)
		num.Or(num, big.NewInt(int64(d)))
	}
	bits := int64(num.BitLen()) // 2^(bits-1) ≤ num < 2^bits
	if bits-1+exp >= ldMaxExp+1 || bits+exp < ldQuantumExp-1 {
		return nil, true
	}
	r := new(big.Rat).SetInt(num)
	if exp > 0 {
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(exp))))
	} else if exp < 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(-exp))))
	}
	return r, true
}

// ldRound rounds a non-negative exact value to the nearest long double (ties to even). It
// fails on overflow and when a non-zero value rounds to zero.
func ldRound(r *big.Rat) (*big.Float, bool) {
	f := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven)
	if r.Sign() == 0 {
		return f, true
	}
	f.SetRat(r)
	e := f.MantExp(nil)
	if e > ldMaxExp {
		return nil, false
	}
	if e > ldMinNormExp {
		return f, true
	}
	minNormal := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 16382))
	if r.Cmp(minNormal) >= 0 {
		return f, true
	}
	// Subnormal: round r·2^16445 to an integer, ties to even.
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), -ldQuantumExp)))
	q, m := new(big.Int).QuoRem(scaled.Num(), scaled.Denom(), new(big.Int))
	twice := new(big.Int).Lsh(m, 1)
	switch twice.Cmp(scaled.Denom()) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	if q.Sign() == 0 {
		return nil, false
	}
	f.SetInt(q)
	f.SetMantExp(f, ldQuantumExp)
	return f, true
}

// ldAdd returns a+b rounded to a long double (ties to even), or false when the sum
// is infinite or NaN (either input infinite, or overflow). Cost: proportional to the
// exponent difference of a and b.
func ldAdd(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	sum := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).Add(a, b)
	if sum.Sign() != 0 && sum.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return sum, true
}

// ldFormat prints a finite long double the way Redis's ld2string does in
// LD_STR_HUMAN mode: printf("%.17Lf"), trailing zeros after the point removed, then the
// point if nothing follows it, and "-0" printed as "0". Cost: O(digits).
func ldFormat(f *big.Float) []byte {
	if f.IsInf() {
		if f.Sign() > 0 {
			return []byte("inf")
		}
		return []byte("-inf")
	}
	buf := f.Append(nil, 'f', 17)
	if i := len(buf) - 1; i >= 0 {
		for buf[i] == '0' {
			i--
		}
		if buf[i] == '.' {
			i--
		}
		buf = buf[:i+1]
	}
	if len(buf) == 2 && buf[0] == '-' && buf[1] == '0' {
		buf = buf[1:]
	}
	return buf
}
