package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Values of every type but streams (rdbLoadObject, src/rdb.c @ 7.4.1).

// Names of the types, indexed by type code.
var (
	kindOf = [...]string{
		TypeString: "string", TypeList: "list", TypeSet: "set", TypeZset: "zset", TypeHash: "hash",
		TypeZset2: "zset", TypeModulePreGA: "module", TypeModule2: "module",
		TypeHashZipmap: "hash", TypeListZiplist: "list", TypeSetIntset: "set", TypeZsetZiplist: "zset",
		TypeHashZiplist: "hash", TypeListQuicklist: "list", TypeStreamListpacks: "stream",
		TypeHashListpack: "hash", TypeZsetListpack: "zset", TypeListQuicklist2: "list",
		TypeStreamListpacks2: "stream", TypeSetListpack: "set", TypeStreamListpacks3: "stream",
		TypeHashMetadataPreGA: "hash", TypeHashListpackExPreGA: "hash", TypeHashMetadata: "hash",
		TypeHashListpackEx: "hash",
	}
	encodingOf = [...]string{
		TypeString: "string", TypeList: "linkedlist", TypeSet: "hashtable", TypeZset: "skiplist",
		TypeHash: "hashtable", TypeZset2: "skiplist", TypeModulePreGA: "module", TypeModule2: "module",
		TypeHashZipmap: "zipmap", TypeListZiplist: "ziplist", TypeSetIntset: "intset",
		TypeZsetZiplist: "ziplist", TypeHashZiplist: "ziplist", TypeListQuicklist: "quicklist",
		TypeStreamListpacks: "stream", TypeHashListpack: "listpack", TypeZsetListpack: "listpack",
		TypeListQuicklist2: "quicklist2", TypeStreamListpacks2: "stream", TypeSetListpack: "listpack",
		TypeStreamListpacks3: "stream", TypeHashMetadataPreGA: "metadata",
		TypeHashListpackExPreGA: "listpack-ex", TypeHashMetadata: "metadata", TypeHashListpackEx: "listpack-ex",
	}
)

// key decodes one key record whose type byte t has been read; keyStart is the position of
// its first opcode.
func (d *decoder) key(t, keyStart int, expire, idle int64, freq int) error {
	name, err := d.readStr("a key name", toKey)
	if err != nil {
		return err
	}
	d.ki = KeyInfo{DB: d.db, Key: name, Type: t, Kind: kindOf[t], Encoding: encodingOf[t],
		ExpireMs: expire, Idle: idle, Freq: freq, Count: -1, Offset: d.base + int64(keyStart)}
	d.inKey = true
	if err := d.h.BeginKey(&d.ki); err != nil {
		return err
	}
	if err := d.keyValue(t); err != nil {
		return err
	}
	st := d.dbStats()
	st.Keys++
	if expire != NoExpiry {
		st.Expires++
	}
	d.info.Keys++
	if err := d.h.EndKey(&d.ki); err != nil {
		return err
	}
	d.inKey = false
	return nil
}

// keyValue decodes the value of the current key and fills the EndKey fields of d.ki.
func (d *decoder) keyValue(t int) error {
	vstart := d.pos
	if err := d.value(t); err != nil {
		return err
	}
	if err := d.flush(); err != nil {
		return err
	}
	d.hold = -1
	d.ki.Value = d.data[vstart:d.pos:d.pos]
	d.ki.ValueOff = d.base + int64(vstart)
	if d.ki.Elements == 0 && d.ki.Kind != "stream" && d.ki.Kind != "module" && d.ki.Kind != "string" {
		d.info.EmptyKeys++
	}
	return nil
}

func (d *decoder) value(t int) error {
	switch t {
	case TypeString:
		s, err := d.readStr("a string value", toArena)
		if err != nil {
			return err
		}
		d.ki.Count, d.ki.Elements = 1, 1
		return d.h.StringValue(s)
	case TypeList:
		return d.plainList()
	case TypeSet:
		return d.plainSet()
	case TypeZset, TypeZset2:
		return d.plainZset(t)
	case TypeHash:
		return d.plainHash()
	case TypeHashMetadata, TypeHashMetadataPreGA:
		return d.hashMetadata(t)
	case TypeListQuicklist, TypeListQuicklist2:
		return d.quicklist(t)
	case TypeListZiplist, TypeZsetZiplist, TypeHashZiplist:
		bl, err := d.readBlob("a ziplist")
		if err != nil {
			return err
		}
		pi, err := d.openPack(bl, "ziplist", true)
		if err != nil {
			return err
		}
		return d.packValue(t, &pi)
	case TypeSetListpack, TypeZsetListpack, TypeHashListpack, TypeHashListpackEx, TypeHashListpackExPreGA:
		if t == TypeHashListpackEx {
			// The minimum field TTL, kept for future use (rdb.c); the listpack has the TTLs.
			if _, err := d.readUint64LE("a hash minimum expire time"); err != nil {
				return err
			}
		}
		bl, err := d.readBlob("a listpack")
		if err != nil {
			return err
		}
		pi, err := d.openPack(bl, "listpack", false)
		if err != nil {
			return err
		}
		return d.packValue(t, &pi)
	case TypeSetIntset:
		return d.intsetValue()
	case TypeHashZipmap:
		return d.zipmapValue()
	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		return d.stream(t)
	case TypeModule2:
		return d.moduleValue()
	}
	return d.corrupt(d.pos-1, "unknown value type %d", t)
}

func clampCount(n uint64) int64 { return int64(min(n, math.MaxInt64)) }

// reread returns the string at input position pos again (into bufs[toTmp] if it is encoded).
func (d *decoder) reread(pos int) []byte {
	save := d.pos
	d.pos = pos
	s, err := d.readStr("", toTmp)
	d.pos = save
	if err != nil {
		return nil
	}
	return s
}

// endPlainDups finishes the duplicate check of a hashtable-encoded aggregate of type t whose
// value started at vstart: repeated fingerprints are confirmed by reading the value again.
func (d *decoder) endPlainDups(t, vstart int) error {
	if !d.verify {
		return nil
	}
	if d.fpl.over {
		d.info.UncheckedKeys++
	}
	rep := d.fpl.repeated()
	if len(rep) == 0 {
		return nil
	}
	if at, ok := d.confirmDups(t, vstart, rep); ok {
		return d.corrupt(at, "duplicate %s", dupWhat(t))
	}
	return nil
}

// confirmDups walks the value of type t again from vstart and returns the position of the
// first member equal to an earlier one among those whose fingerprint is in rep.
func (d *decoder) confirmDups(t, vstart int, rep []uint64) (int, bool) {
	save := d.pos
	defer func() { d.pos = save }()
	d.pos = vstart
	if t == TypeHashMetadata {
		d.pos += 8
	}
	n, err := d.readCount("")
	if err != nil {
		return 0, false
	}
	seen := map[uint64][][]byte{}
	for i := uint64(0); i < n; i++ {
		if t == TypeHashMetadata || t == TypeHashMetadataPreGA {
			if _, err := d.readCount(""); err != nil {
				return 0, false
			}
		}
		at := d.pos
		s, err := d.readStr("", toTmp)
		if err != nil {
			return 0, false
		}
		fp := fingerprint(s)
		if _, found := slices.BinarySearch(rep, fp); found {
			for _, o := range seen[fp] {
				if bytes.Equal(o, s) {
					return at, true
				}
			}
			seen[fp] = append(seen[fp], bytes.Clone(s))
		}
		switch t {
		case TypeZset2:
			d.pos += 8
		case TypeZset:
			if l := d.data[d.pos]; l < 253 {
				d.pos += int(l)
			}
			d.pos++
		case TypeHash, TypeHashMetadata, TypeHashMetadataPreGA:
			if d.skipStr("") != nil {
				return 0, false
			}
		}
	}
	return 0, false
}

func (d *decoder) plainList() error {
	n, err := d.readCount("a list length")
	if err != nil {
		return err
	}
	d.ki.Count = clampCount(n)
	for i := uint64(0); i < n; i++ {
		s, err := d.readStr("a list element", toArena)
		if err != nil {
			return err
		}
		if err := d.addItem(s); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) plainSet() error {
	vstart := d.pos
	n, err := d.readCount("a set length")
	if err != nil {
		return err
	}
	d.ki.Count = clampCount(n)
	d.fpl.reset(d.dupLimit)
	for i := uint64(0); i < n; i++ {
		s, err := d.readStr("a set member", toArena)
		if err != nil {
			return err
		}
		if d.verify {
			d.fpl.add(s)
		}
		if err := d.addItem(s); err != nil {
			return err
		}
	}
	return d.endPlainDups(TypeSet, vstart)
}

func (d *decoder) plainZset(t int) error {
	vstart := d.pos
	n, err := d.readCount("a sorted set length")
	if err != nil {
		return err
	}
	d.ki.Count = clampCount(n)
	d.fpl.reset(d.dupLimit)
	for i := uint64(0); i < n; i++ {
		m, err := d.readStr("a sorted set member", toArena)
		if err != nil {
			return err
		}
		sat := d.pos
		var score float64
		if t == TypeZset2 {
			v, err := d.readUint64LE("a sorted set score")
			if err != nil {
				return err
			}
			score = math.Float64frombits(v)
		} else {
			l, err := d.readByte("a sorted set score")
			if err != nil {
				return err
			}
			switch l {
			case 253:
				score = math.NaN()
			case 254:
				score = math.Inf(1)
			case 255:
				score = math.Inf(-1)
			default:
				b, err := d.readFixed(int(l), "a sorted set score")
				if err != nil {
					return err
				}
				var ok bool
				if score, ok = parseScore(b); !ok {
					return d.corrupt(sat, "sorted set score %q is not a number", b)
				}
			}
		}
		if d.verify {
			if math.IsNaN(score) {
				return d.corrupt(sat, "sorted set score is NaN")
			}
			d.fpl.add(m)
		}
		if err := d.addZ(m, score); err != nil {
			return err
		}
	}
	return d.endPlainDups(t, vstart)
}

// parseScore parses a score written as text (%.17g, inf, -inf, nan), as strtod would.
func parseScore(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func (d *decoder) plainHash() error {
	vstart := d.pos
	n, err := d.readCount("a hash length")
	if err != nil {
		return err
	}
	d.ki.Count = clampCount(n)
	d.fpl.reset(d.dupLimit)
	for i := uint64(0); i < n; i++ {
		f, err := d.readStr("a hash field", toArena)
		if err != nil {
			return err
		}
		v, err := d.readStr("a hash value", toArena)
		if err != nil {
			return err
		}
		if d.verify {
			d.fpl.add(f)
		}
		if err := d.addH(f, v, NoExpiry); err != nil {
			return err
		}
	}
	return d.endPlainDups(TypeHash, vstart)
}

// hashMetadata decodes types 24 (TTLs relative to a leading minimum) and 22 (7.4 RC:
// absolute TTLs): a count, then per field its TTL (0 = none), the field and the value.
func (d *decoder) hashMetadata(t int) error {
	vstart := d.pos
	var minExp uint64
	if t == TypeHashMetadata {
		at := d.pos
		v, err := d.readUint64LE("a hash minimum expire time")
		if err != nil {
			return err
		}
		if d.verify && v > ebExpireTimeMax+1 {
			return d.corrupt(at, "hash minimum expire time %d out of range", v)
		}
		minExp = v
	}
	n, err := d.readCount("a hash length")
	if err != nil {
		return err
	}
	d.ki.Count = clampCount(n)
	d.fpl.reset(d.dupLimit)
	for i := uint64(0); i < n; i++ {
		tat := d.pos
		ttl, err := d.readCount("a hash field TTL")
		if err != nil {
			return err
		}
		exp := NoExpiry
		if ttl != 0 {
			e := ttl
			if t == TypeHashMetadata {
				e = ttl + minExp - 1
				if e < ttl { // wrapped
					e = math.MaxUint64
				}
			}
			if e > ebExpireTimeMax {
				return d.corrupt(tat, "hash field TTL %d out of range", e)
			}
			exp = int64(e)
		}
		f, err := d.readStr("a hash field", toArena)
		if err != nil {
			return err
		}
		v, err := d.readStr("a hash value", toArena)
		if err != nil {
			return err
		}
		if d.verify {
			d.fpl.add(f)
		}
		if err := d.addH(f, v, exp); err != nil {
			return err
		}
	}
	return d.endPlainDups(t, vstart)
}

// blob is an encoded container (listpack, ziplist, intset, zipmap) read as a string.
type blob struct {
	b   []byte
	off int64 // file offset of b[0] when raw, else of the string header
	raw bool  // b is a sub-slice of the input (not LZF-decompressed)
}

// readBlob reads a container string; LZF-compressed ones are decompressed into d.cbuf.
func (d *decoder) readBlob(what string) (blob, error) {
	start := d.pos
	n, enc, err := d.readLen(what)
	if err != nil {
		return blob{}, err
	}
	if enc {
		if n != 3 {
			return blob{}, d.corrupt(start, "%s stored as an integer string", what)
		}
		b, err := d.readLZF(start, what, toCont)
		if err != nil {
			return blob{}, err
		}
		return blob{b: b, off: d.base + int64(start)}, nil
	}
	if uint64(len(d.data)-d.pos) < n {
		return blob{}, d.failAt(d.base+int64(start), KindTruncated,
			"unexpected end of input in %s (%d bytes, %d bytes left)", what, n, len(d.data)-d.pos)
	}
	b := d.data[d.pos : d.pos+int(n) : d.pos+int(n)]
	off := d.base + int64(d.pos)
	d.hold = d.pos
	d.pos += int(n)
	return blob{b: b, off: off, raw: true}, nil
}

// blobErr reports damage at byte inner of a container.
func (d *decoder) blobErr(bl blob, inner int, reason string) error {
	if bl.raw {
		return d.failAt(bl.off+int64(inner), KindCorrupt, "%s", reason)
	}
	return d.failAt(bl.off, KindCorrupt, "%s (at byte %d of the LZF-decompressed string)", reason, inner)
}

// pack iterates a listpack or a ziplist.
type pack struct {
	zl   bool
	lp   lpIter
	z    zlIter
	bl   blob
	what string
}

func (d *decoder) openPack(bl blob, what string, zl bool) (pack, error) {
	pi := pack{zl: zl, bl: bl, what: what}
	var reason string
	if zl {
		pi.z, reason = zlOpen(bl.b, d.verify)
	} else {
		pi.lp, reason = lpOpen(bl.b, d.verify)
	}
	if reason != "" {
		return pi, d.blobErr(bl, 0, reason)
	}
	return pi, nil
}

// hint is the header's entry count, or -1 when the header does not keep it.
func (pi *pack) hint() int {
	if pi.zl {
		if pi.z.count == 0xFFFF {
			return -1
		}
		return pi.z.count
	}
	if pi.lp.numele == lpNumUnknown {
		return -1
	}
	return pi.lp.numele
}

// next returns the next entry and its position, or iterEnd / iterBad.
func (pi *pack) next() (s []byte, v int64, isInt bool, p, st int) {
	if pi.zl {
		p = pi.z.p
		s, v, isInt, st = pi.z.next()
		return
	}
	p = pi.lp.p
	s, v, isInt, st = pi.lp.next()
	return
}

func (d *decoder) packFail(pi *pack) error {
	if pi.zl {
		return d.blobErr(pi.bl, pi.z.errAt, pi.z.err)
	}
	return d.blobErr(pi.bl, pi.lp.errAt, pi.lp.err)
}

// text re-reads the entry at p as text into buf.
func (pi *pack) text(p int, buf *[24]byte) []byte {
	if pi.zl {
		return zlEntryText(pi.bl.b, p, buf)
	}
	return lpEntryText(pi.bl.b, p, buf)
}

// entryText returns an entry as bytes, formatting an integer into the chunk arena.
func (d *decoder) entryText(s []byte, v int64, isInt bool) []byte {
	if isInt {
		return d.intText(v, toArena)
	}
	return s
}

// dupPack checks the entry at p (whose text is s) against the earlier ones of the container.
func (d *decoder) dupPack(pi *pack, s []byte, p int) bool {
	return d.fps.add(fingerprint(s), int64(p), func(r int64) bool { return bytes.Equal(pi.text(int(r), &d.ibuf), s) })
}

// packValue delivers the entries of a ziplist or listpack value of type t.
func (d *decoder) packValue(t int, pi *pack) error {
	width, dups := 1, false
	switch t {
	case TypeSetListpack:
		dups = d.verify
	case TypeZsetZiplist, TypeZsetListpack, TypeHashZiplist, TypeHashListpack:
		width, dups = 2, d.verify
	case TypeHashListpackEx, TypeHashListpackExPreGA:
		width, dups = 3, d.verify
	}
	if h := pi.hint(); h >= 0 && d.ki.Type != TypeListQuicklist && d.ki.Type != TypeListQuicklist2 {
		d.ki.Count = int64(h / width)
	}
	if dups {
		// The header count sizes the table, but no more than the container's bytes allow.
		d.fps.reset(max(min(pi.hint(), len(pi.bl.b)), 16), math.MaxInt)
	}
	var lastTTL int64 = -1
	for {
		s, v, isInt, p, st := pi.next()
		if st == iterBad {
			return d.packFail(pi)
		}
		if st == iterEnd {
			break
		}
		first := d.entryText(s, v, isInt)
		if dups && d.dupPack(pi, first, p) {
			return d.blobErr(pi.bl, p, fmt.Sprintf("duplicate %s in %s", dupWhat(t), pi.what))
		}
		switch width {
		case 1:
			if err := d.addItem(first); err != nil {
				return err
			}
			continue
		}
		s2, v2, isInt2, p2, st := pi.next()
		if st == iterBad {
			return d.packFail(pi)
		}
		if st == iterEnd {
			return d.blobErr(pi.bl, p2, fmt.Sprintf("%s ends inside a %d-entry tuple", pi.what, width))
		}
		if t == TypeZsetZiplist || t == TypeZsetListpack {
			score := float64(v2)
			if !isInt2 {
				var ok bool
				if score, ok = parseScore(s2); !ok {
					return d.blobErr(pi.bl, p2, fmt.Sprintf("sorted set score %q is not a number", s2))
				}
			}
			if d.verify && math.IsNaN(score) {
				return d.blobErr(pi.bl, p2, "sorted set score is NaN")
			}
			if err := d.addZ(first, score); err != nil {
				return err
			}
			continue
		}
		value := d.entryText(s2, v2, isInt2)
		exp := NoExpiry
		if width == 3 {
			s3, v3, isInt3, p3, st := pi.next()
			if st == iterBad {
				return d.packFail(pi)
			}
			if st == iterEnd {
				return d.blobErr(pi.bl, p3, fmt.Sprintf("%s ends inside a %d-entry tuple", pi.what, width))
			}
			if !isInt3 {
				n, err := strconv.ParseInt(string(s3), 10, 64)
				if err != nil || d.verify {
					return d.blobErr(pi.bl, p3, "hash field TTL is not an integer")
				}
				v3 = n
			}
			if v3 < 0 || v3 > ebExpireTimeMax {
				return d.blobErr(pi.bl, p3, fmt.Sprintf("hash field TTL %d out of range", v3))
			}
			if d.verify && v3 != 0 && (lastTTL == 0 || v3 < lastTTL) {
				return d.blobErr(pi.bl, p3, "hash field TTLs out of order (ascending TTLs first, then fields without TTL)")
			}
			lastTTL = v3
			if v3 != 0 {
				exp = v3
			}
		}
		if err := d.addH(first, value, exp); err != nil {
			return err
		}
	}
	if !pi.bl.raw {
		return d.flush()
	}
	return nil
}

func dupWhat(t int) string {
	switch t {
	case TypeSet, TypeSetListpack:
		return "set member"
	case TypeZset, TypeZset2, TypeZsetZiplist, TypeZsetListpack:
		return "sorted set member"
	}
	return "hash field"
}

// quicklist decodes types 14 (ziplist nodes) and 18 (PLAIN or PACKED listpack nodes).
func (d *decoder) quicklist(t int) error {
	n, err := d.readCount("a quicklist node count")
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		container := uint64(QuicklistNodePacked)
		if t == TypeListQuicklist2 {
			at := d.pos
			if container, err = d.readCount("a quicklist node container"); err != nil {
				return err
			}
			if container != QuicklistNodePacked && container != QuicklistNodePlain {
				return d.corrupt(at, "quicklist node container %d is neither PLAIN (1) nor PACKED (2)", container)
			}
		}
		at := d.pos
		if container == QuicklistNodePlain {
			s, err := d.readStr("a plain quicklist node", toArena)
			if err != nil {
				return err
			}
			if len(s) == 0 {
				return d.corrupt(at, "empty quicklist node")
			}
			if err := d.addItem(s); err != nil {
				return err
			}
			continue
		}
		bl, err := d.readBlob("a quicklist node")
		if err != nil {
			return err
		}
		if len(bl.b) == 0 {
			return d.corrupt(at, "empty quicklist node")
		}
		what, zl := "listpack", false
		if t == TypeListQuicklist {
			what, zl = "ziplist", true
		}
		pi, err := d.openPack(bl, what, zl)
		if err != nil {
			return err
		}
		if err := d.packValue(TypeList, &pi); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) intsetValue() error {
	bl, err := d.readBlob("an intset")
	if err != nil {
		return err
	}
	width, n, reason := isetOpen(bl.b)
	if reason != "" {
		return d.blobErr(bl, 0, reason)
	}
	d.ki.Count = int64(n)
	var prev int64
	for i := 0; i < n; i++ {
		v := isetGet(bl.b, width, i)
		if d.verify && i > 0 && v <= prev {
			return d.blobErr(bl, 8+i*width, "intset members not in ascending order (unsorted or duplicate)")
		}
		prev = v
		if err := d.addItem(d.intText(v, toArena)); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) zipmapValue() error {
	bl, err := d.readBlob("a zipmap")
	if err != nil {
		return err
	}
	it, reason := zmOpen(bl.b)
	if reason != "" {
		return d.blobErr(bl, 0, reason)
	}
	if d.verify {
		d.fps.reset(16, math.MaxInt)
	}
	for {
		p := it.p
		f, v, st := it.next()
		if st == iterBad {
			return d.blobErr(bl, it.errAt, it.err)
		}
		if st == iterEnd {
			break
		}
		if d.verify && d.fps.add(fingerprint(f), int64(p), func(r int64) bool {
			z := zmIter{b: bl.b, p: int(r)}
			of, _, _ := z.next()
			return bytes.Equal(of, f)
		}) {
			return d.blobErr(bl, p, "duplicate hash field in zipmap")
		}
		if err := d.addH(f, v, NoExpiry); err != nil {
			return err
		}
	}
	if !bl.raw {
		return d.flush()
	}
	return nil
}

func (d *decoder) moduleValue() error {
	id, err := d.readCount("a module id")
	if err != nil {
		return err
	}
	start := d.pos
	if err := d.skipModuleValue(id); err != nil {
		return err
	}
	d.info.ModuleKeys++
	d.ki.Count, d.ki.Elements = 1, 1
	return d.h.ModuleValue(id, d.data[start:d.pos:d.pos])
}
