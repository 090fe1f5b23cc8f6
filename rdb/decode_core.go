package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

const (
	defaultChunkItems    = 512
	defaultProgressBytes = 8 << 20
	chunkArenaLimit      = 256 << 10 // flush a chunk once its scratch bytes pass this
	arenaKeepCap         = 4 << 20   // scratch buffers larger than this are dropped after use
	defaultDupCheckLimit = 16 << 20
)

// Decoder decodes RDB files and DUMP payloads, reusing its scratch buffers from one call to
// the next: use one Decoder per goroutine when decoding many payloads. The zero value is
// ready to use. It is not safe for concurrent use.
type Decoder struct {
	d decoder
}

// Decode decodes the RDB at the start of data, whose first byte is at file offset base, and
// streams it to h. It returns the file summary, with End the offset right after the RDB, so
// that an AOF's RESP tail is read from there. Memory: the scratch of one chunk (Options.
// ChunkItems elements), of one compressed element or container, and under Verify the
// duplicate-check tables of one key; nothing proportional to the file or to one key's
// element count otherwise. Cost: one pass over the bytes.
//
// Errors: *Error (errors.Is ErrCorrupt / ErrTruncated / ErrUnsupported / ErrChecksum) with
// the exact file offset, or the first error a Handler method returned, unchanged. Info is
// returned in every case, with what was read before the error.
func Decode(data []byte, base int64, h Handler, opt Options) (*Info, error) {
	var x Decoder
	return x.Decode(data, base, h, opt)
}

// Decode is the package-level Decode, with this Decoder's reusable buffers.
func (x *Decoder) Decode(data []byte, base int64, h Handler, opt Options) (*Info, error) {
	d := &x.d
	d.init(data, base, h, opt)
	info := &Info{Start: base}
	d.info = info
	err := d.decodeFile()
	d.release()
	return info, err
}

// decoder is the state of one decoding run.
type decoder struct {
	data []byte
	base int64
	pos  int
	h    Handler
	opt  Options

	chunk    int
	verify   bool
	info     *Info
	version  int
	valkey   bool
	dupLimit int

	// The key being decoded.
	inKey bool
	ki    KeyInfo
	db    int
	dbIdx int // index of db in info.DBs, or -1

	// Scratch. arena holds integers formatted as text and LZF-decompressed elements of the
	// current chunk; bufs the other strings that are not plain sub-slices of the input: a
	// decompressed container (listpack, ziplist ...), re-read members of duplicate checks,
	// the key name, stream group and consumer names.
	arena      []byte
	chunkBytes int
	bufs       [nBufs][]byte // by destination; bufs[toArena] is unused

	items   [][]byte
	zitems  []ZMember
	hitems  []HashField
	sitems  []StreamEntry
	sfields [][]byte
	nacks   []StreamNACK
	ids     []StreamID

	fps   fpSet
	fpl   fpList
	strm  streamScratch
	ibuf  [24]byte // integer formatting for re-decoded duplicates
	ibuf2 [24]byte

	nextTick int
	crcPos   int
	crc      uint64
	hold     int // start of the container being walked (bytes before d.pos still to read), or -1
}

func (d *decoder) init(data []byte, base int64, h Handler, opt Options) {
	d.data, d.base, d.pos, d.h, d.opt = data, base, 0, h, opt
	if h == nil {
		d.h = NopHandler{}
	}
	d.chunk = opt.ChunkItems
	if d.chunk <= 0 {
		d.chunk = defaultChunkItems
	}
	d.verify = opt.Verify
	d.dupLimit = opt.DupCheckLimit
	if d.dupLimit <= 0 {
		d.dupLimit = defaultDupCheckLimit
	}
	if d.opt.ProgressBytes <= 0 {
		d.opt.ProgressBytes = defaultProgressBytes
	}
	d.nextTick = int(min(d.opt.ProgressBytes, math.MaxInt32))
	d.crcPos, d.crc, d.hold = 0, 0, -1
	d.inKey = false
	d.db, d.dbIdx = 0, -1
	d.version, d.valkey = 0, false
	d.resetChunk()
}

// release drops scratch that grew unusually large, so that a Decoder kept for payloads does
// not pin the memory of one huge key.
func (d *decoder) release() {
	if cap(d.arena) > arenaKeepCap {
		d.arena = nil
	}
	for i := range d.bufs {
		if cap(d.bufs[i]) > arenaKeepCap {
			d.bufs[i] = nil
		}
	}
	d.fps.shrink()
	d.fpl.shrink()
	d.strm.shrink()
	d.data, d.h, d.info = nil, nil, nil
	d.ki = KeyInfo{}
}

// ---- errors ----

func (d *decoder) failAt(off int64, kind ErrorKind, format string, args ...any) error {
	e := &Error{Offset: off, Reason: fmt.Sprintf(format, args...), Type: -1, Kind: kind}
	if d.inKey {
		e.Type = d.ki.Type
		if d.ki.Key != nil {
			e.Key = append([]byte{}, d.ki.Key...)
		}
	}
	return e
}

// corrupt reports damage found at position pos of the input.
func (d *decoder) corrupt(pos int, format string, args ...any) error {
	return d.failAt(d.base+int64(pos), KindCorrupt, format, args...)
}

func (d *decoder) unsupported(pos int, format string, args ...any) error {
	return d.failAt(d.base+int64(pos), KindUnsupported, format, args...)
}

// truncated reports that the item starting at pos needs more bytes than the input has.
func (d *decoder) truncated(pos int, what string) error {
	return d.failAt(d.base+int64(pos), KindTruncated, "unexpected end of input in %s (%d bytes left)", what, len(d.data)-pos)
}

// ---- primitives ----

func (d *decoder) readByte(what string) (byte, error) {
	if d.pos >= len(d.data) {
		return 0, d.truncated(d.pos, what)
	}
	b := d.data[d.pos]
	d.pos++
	return b, nil
}

// readFixed returns the next n bytes (a sub-slice of the input).
func (d *decoder) readFixed(n int, what string) ([]byte, error) {
	if len(d.data)-d.pos < n {
		return nil, d.truncated(d.pos, what)
	}
	b := d.data[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) readUint64LE(what string) (uint64, error) {
	if len(d.data)-d.pos < 8 {
		return 0, d.truncated(d.pos, what)
	}
	v := binary.LittleEndian.Uint64(d.data[d.pos:])
	d.pos += 8
	return v, nil
}

// readLen reads an RDB length (rdbLoadLenByRef, rdb.c). enc reports the 0b11 prefix of a
// special string encoding, whose 6-bit code is returned as the value.
func (d *decoder) readLen(what string) (uint64, bool, error) {
	p := d.pos
	if p >= len(d.data) {
		return 0, false, d.truncated(p, what)
	}
	b := d.data[p]
	switch b >> 6 {
	case 0:
		d.pos = p + 1
		return uint64(b & 0x3f), false, nil
	case 1:
		if p+2 > len(d.data) {
			return 0, false, d.truncated(p, what)
		}
		d.pos = p + 2
		return uint64(b&0x3f)<<8 | uint64(d.data[p+1]), false, nil
	case 3:
		d.pos = p + 1
		return uint64(b & 0x3f), true, nil
	}
	switch b {
	case 0x80:
		if p+5 > len(d.data) {
			return 0, false, d.truncated(p, what)
		}
		d.pos = p + 5
		return uint64(binary.BigEndian.Uint32(d.data[p+1:])), false, nil
	case 0x81:
		if p+9 > len(d.data) {
			return 0, false, d.truncated(p, what)
		}
		d.pos = p + 9
		return binary.BigEndian.Uint64(d.data[p+1:]), false, nil
	}
	return 0, false, d.corrupt(p, "unknown length encoding 0x%02x in %s", b, what)
}

// readCount reads a length where no special encoding is expected. Like rdbLoadLen with a
// NULL isencoded, the 6 bits after a 0b11 prefix are taken as the value.
func (d *decoder) readCount(what string) (uint64, error) {
	n, _, err := d.readLen(what)
	return n, err
}

// Destinations of strings that are not plain sub-slices of the input.
const (
	toArena    = iota // appended to the chunk arena (kept until the chunk is flushed)
	toCont            // the container buffer (overwritten by the next container)
	toTmp             // re-read strings of duplicate checks, short-lived values
	toKey             // the key name
	toGroup           // a stream consumer group name
	toConsumer        // a stream consumer name
	nBufs
)

// readStr reads an RDB string (rdbGenericLoadStringObject). Plain strings are sub-slices of
// the input; integer-encoded ones are formatted as decimal text and LZF-compressed ones are
// decompressed into the buffer dst names.
func (d *decoder) readStr(what string, dst int) ([]byte, error) {
	start := d.pos
	n, enc, err := d.readLen(what)
	if err != nil {
		return nil, err
	}
	if !enc {
		if uint64(len(d.data)-d.pos) < n {
			return nil, d.failAt(d.base+int64(start), KindTruncated,
				"unexpected end of input in %s (a string of %d bytes, %d bytes left)", what, n, len(d.data)-d.pos)
		}
		s := d.data[d.pos : d.pos+int(n) : d.pos+int(n)]
		d.pos += int(n)
		return s, nil
	}
	switch n {
	case 0, 1, 2:
		size := 1 << n
		if len(d.data)-d.pos < size {
			return nil, d.truncated(start, what)
		}
		var v int64
		switch n {
		case 0:
			v = int64(int8(d.data[d.pos]))
		case 1:
			v = int64(int16(binary.LittleEndian.Uint16(d.data[d.pos:])))
		default:
			v = int64(int32(binary.LittleEndian.Uint32(d.data[d.pos:])))
		}
		d.pos += size
		return d.intText(v, dst), nil
	case 3:
		return d.readLZF(start, what, dst)
	}
	return nil, d.corrupt(start, "unknown string encoding %d in %s", n, what)
}

// intText formats v into the buffer dst names.
func (d *decoder) intText(v int64, dst int) []byte {
	if dst == toArena {
		l := len(d.arena)
		d.arena = strconv.AppendInt(d.arena, v, 10)
		d.chunkBytes += len(d.arena) - l
		return d.arena[l:len(d.arena):len(d.arena)]
	}
	d.bufs[dst] = strconv.AppendInt(d.bufs[dst][:0], v, 10)
	return d.bufs[dst]
}

// readLZF reads the rest of an LZF string (compressed length, original length, data) whose
// header started at start, and decompresses it into the buffer dst names.
func (d *decoder) readLZF(start int, what string, dst int) ([]byte, error) {
	clen, err := d.readCount(what)
	if err != nil {
		return nil, err
	}
	ulen, err := d.readCount(what)
	if err != nil {
		return nil, err
	}
	if uint64(len(d.data)-d.pos) < clen {
		return nil, d.failAt(d.base+int64(start), KindTruncated,
			"unexpected end of input in %s (LZF data of %d bytes, %d bytes left)", what, clen, len(d.data)-d.pos)
	}
	in := d.data[d.pos : d.pos+int(clen)]
	// A 3-byte back reference yields at most 264 bytes: no valid LZF stream expands more
	// than 88 times, so a larger claim is damage, found before any allocation.
	if ulen > 88*clen+8 || ulen > math.MaxInt32*8 {
		return nil, d.corrupt(start, "LZF %s claims %d bytes from %d compressed bytes", what, ulen, clen)
	}
	var out []byte
	if dst == toArena {
		out = d.arena[len(d.arena):]
	} else {
		out = d.bufs[dst][:0]
	}
	out, reason := decLZF(out, in, int(ulen))
	if reason != "" {
		return nil, d.corrupt(start, "invalid LZF-compressed %s: %s", what, reason)
	}
	d.pos += int(clen)
	if dst != toArena {
		d.bufs[dst] = out
		return out, nil
	}
	if len(out) > 0 && cap(d.arena)-len(d.arena) >= len(out) && &d.arena[:len(d.arena)+1][len(d.arena)] == &out[0] {
		d.arena = d.arena[:len(d.arena)+len(out)]
	}
	d.chunkBytes += len(out)
	return out[:len(out):len(out)], nil
}

// ---- chunks ----

func (d *decoder) resetChunk() {
	d.arena = d.arena[:0]
	d.chunkBytes = 0
	if cap(d.arena) > arenaKeepCap {
		d.arena = nil
	}
	d.items = d.items[:0]
	d.zitems = d.zitems[:0]
	d.hitems = d.hitems[:0]
	d.sitems = d.sitems[:0]
	d.sfields = d.sfields[:0]
}

func (d *decoder) chunkFull(n int) bool {
	return n >= d.chunk || d.chunkBytes >= chunkArenaLimit
}

// flush hands the pending elements of the current key to the handler.
func (d *decoder) flush() error {
	var err error
	switch {
	case len(d.items) > 0:
		if d.ki.Kind == "set" {
			err = d.h.SetMembers(d.items)
		} else {
			err = d.h.ListItems(d.items)
		}
	case len(d.zitems) > 0:
		err = d.h.ZsetMembers(d.zitems)
	case len(d.hitems) > 0:
		err = d.h.HashFields(d.hitems)
	case len(d.sitems) > 0:
		err = d.h.StreamEntries(d.sitems)
	}
	d.resetChunk()
	if err != nil {
		return err
	}
	d.tick()
	return nil
}

func (d *decoder) addItem(s []byte) error {
	d.items = append(d.items, s)
	d.ki.Elements++
	if d.chunkFull(len(d.items)) {
		return d.flush()
	}
	return nil
}

func (d *decoder) addZ(m []byte, score float64) error {
	d.zitems = append(d.zitems, ZMember{Member: m, Score: score})
	d.ki.Elements++
	if d.chunkFull(len(d.zitems)) {
		return d.flush()
	}
	return nil
}

func (d *decoder) addH(f, v []byte, ttl int64) error {
	d.hitems = append(d.hitems, HashField{Field: f, Value: v, ExpireMs: ttl})
	d.ki.Elements++
	if d.chunkFull(len(d.hitems)) {
		return d.flush()
	}
	return nil
}

// tick runs the periodic work: the incremental checksum and the progress callback.
func (d *decoder) tick() {
	if d.pos < d.nextTick {
		return
	}
	d.nextTick = d.pos + int(min(d.opt.ProgressBytes, math.MaxInt32))
	if d.opt.Checksum && d.pos > d.crcPos {
		d.crc = CRC64(d.crc, d.data[d.crcPos:d.pos])
		d.crcPos = d.pos
	}
	if d.opt.Progress != nil {
		// Inside a container the bytes between its start and d.pos are still to be read:
		// report its start, so that the caller does not release pages we come back to.
		p := d.pos
		if d.hold >= 0 && d.hold < p {
			p = d.hold
		}
		d.opt.Progress(d.base + int64(p))
	}
}
