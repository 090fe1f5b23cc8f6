package keyspace

// Streams: the value type *Stream and the write commands XADD, XTRIM, XDEL, XACK, XCLAIM,
// XAUTOCLAIM, XSETID, XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER and XREADGROUP,
// with the semantics of src/t_stream.c @ 7.0.15 as the AOF loader runs them (the loader's
// client "must obey": LIMIT is ignored, approximate trimming is unbounded).
//
// Layout. Redis keeps a stream as a radix tree of listpack nodes, and `~` trimming removes
// whole nodes only, so its effect depends on where node boundaries fall (stream-node-max-entries
// 100 and stream-node-max-bytes 4096, the defaults, are assumed). The engine keeps the same
// nodes: an entry goes to the tail node unless that node's listpack (whose byte size is computed
// exactly as listpack.c encodes it) or its entry count (live plus deleted) is full, deleted
// entries stay counted in their node until the node goes, and a node goes when its last live
// entry is deleted or a trim drops it. Streams loaded from an RDB section or a RESTORE payload
// do not say where their nodes end (canon.Key has no node boundaries or tombstones): for them
// an approximate trim that could remove entries is refused with an *UnsupportedError, never
// guessed. Real AOFs carry `=` trims only (the server rewrites `~` to `=`, reference §5.2).
//
// Time. Relative times (XADD `*`, XCLAIM IDLE, delivery times) count from Keyspace.NowMs.
// Delivery times of pending entries loaded from RDB sections are unknown; an XCLAIM or
// XAUTOCLAIM whose outcome depends on one (a min-idle-time above 0) is refused.
//
// Order. Redis 7.0 lets XSETID move the last ID below a deleted entry that a node still holds;
// later entries then sit after a greater ID, and trims stop there. Such an append is refused
// with an *UnsupportedError (7.4 refuses the XSETID itself).
//
// Read counters. Redis 7.0 and 7.2 log each entry XREADGROUP delivers as
// `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID id` and do not log
// the group's entries_read, so a server loading their AOFs loses it. The engine redoes
// XREADGROUP's bookkeeping for that exact form, so entries_read matches what the live server
// reported (XINFO GROUPS); every other effect is the loader's.
//
// Version notes (7.2+ behave differently; this engine follows 7.0.15): XCLAIM and XAUTOCLAIM
// create the consumer only when they claim something; XREADGROUP creates it only when it
// serves the stream; XSETID does not check the ID against max_deleted_entry_id; consumers'
// active-time (7.2) is not kept.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/aofkit/aofkit/internal/canon"
)

type streamID = canon.StreamID

const (
	streamNodeMaxEntries  = 100     // stream-node-max-entries default
	streamNodeMaxBytes    = 4096    // stream-node-max-bytes default
	streamListpackMaxSize = 1 << 30 // STREAM_LISTPACK_MAX_SIZE
	streamFlagSameFields  = 2       // STREAM_ITEM_FLAG_SAMEFIELDS
	streamTimeUnknown     = math.MinInt64
	streamEntriesInvalid  = -1 // SCG_INVALID_ENTRIES_READ
)

var streamMaxID = streamID{Ms: math.MaxUint64, Seq: math.MaxUint64}

// Stream is a stream value: entries in ID order kept in listpack-sized nodes, the stream's
// counters, and its consumer groups. Memory: the entries' bytes plus about 24 bytes per live
// entry; about 50 bytes per pending entry.
type Stream struct {
	nodes        []*streamNode
	length       int64 // live entries
	lastID       streamID
	maxDeleted   streamID
	entriesAdded int64
	groups       map[string]*streamGroup // nil until the first group
	// layoutUnknown marks a stream built from a canonical value (RDB, RESTORE): its node
	// boundaries are a guess, so approximate trims that would remove entries are refused.
	layoutUnknown bool
}

// streamNode mirrors one listpack of the radix tree.
type streamNode struct {
	master  streamID      // ID of the node's first entry (the radix tree key)
	last    streamID      // ID of the last entry appended, live or deleted
	buf     []byte        // master fields, then each entry's data (uvarint-length prefixed)
	nMaster int           // number of master fields
	live    []streamEntry // live entries, in ID order
	deleted int           // entries marked deleted (listpack header "deleted" counter)
	lpFixed int           // listpack bytes but the header, EOF and the two counters
}

type streamEntry struct {
	id   streamID
	off  uint32 // offset of the entry's data in buf
	same bool   // fields are the master fields: only values are stored
}

type streamGroup struct {
	name        []byte
	lastID      streamID
	entriesRead int64 // streamEntriesInvalid when unknown
	consumers   map[string]*streamConsumer
	pel         map[streamID]streamNACK
}

type streamConsumer struct {
	name     []byte
	seenTime int64
}

type streamNACK struct {
	consumer      *streamConsumer // nil only transiently (XCLAIM FORCE)
	deliveryTime  int64           // unix ms, or streamTimeUnknown
	deliveryCount int64
}

// Kind reports KindStream.
func (s *Stream) Kind() Kind { return KindStream }

// Len is the number of entries. Cost: O(1).
func (s *Stream) Len() int64 { return s.length }

// LastID is the stream's last generated ID. Cost: O(1).
func (s *Stream) LastID() canon.StreamID { return s.lastID }

func init() {
	registerCodec(KindStream, codec{export: streamExport, load: streamLoad, clone: streamClone})
	register("xadd", xaddCommand)
	register("xtrim", xtrimCommand)
	register("xdel", xdelCommand)
	register("xack", xackCommand)
	register("xclaim", xclaimCommand)
	register("xautoclaim", xautoclaimCommand)
	register("xsetid", xsetidCommand)
	register("xreadgroup", xreadgroupCommand)
	for _, sub := range []string{"create", "setid", "destroy", "createconsumer", "delconsumer"} {
		register("xgroup|"+sub, xgroupCommand)
	}
}

// ---------------------------------------------------------------------------------------
// Listpack sizes (listpack.c @ 7.0.15), to place node boundaries where Redis places them.

func streamLpIntEncLen(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -32768 && v <= 32767:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= -2147483648 && v <= 2147483647:
		return 5
	}
	return 9
}

func streamLpBacklenLen(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// streamLpIntSize is the bytes an integer element takes (encoding plus back-length).
func streamLpIntSize(v int64) int {
	e := streamLpIntEncLen(v)
	return e + streamLpBacklenLen(e)
}

// streamLpStrSize is the bytes a string element takes: strings that read as 64-bit integers are
// stored as integers.
func streamLpStrSize(b []byte) int {
	if v, ok := xString2ll(b); ok {
		return streamLpIntSize(v)
	}
	n := len(b)
	var e int
	switch {
	case n < 64:
		e = 1 + n
	case n < 4096:
		e = 2 + n
	default:
		e = 5 + n
	}
	return e + streamLpBacklenLen(e)
}

// lpBytes is the node's listpack size (lpBytes).
func (n *streamNode) lpBytes() int {
	return 6 + 1 + streamLpIntSize(int64(len(n.live))) + streamLpIntSize(int64(n.deleted)) + n.lpFixed
}

// ---------------------------------------------------------------------------------------
// Low-level stream operations.

func (s *Stream) firstID() streamID {
	for _, n := range s.nodes {
		if len(n.live) > 0 {
			return n.live[0].id
		}
	}
	return streamID{}
}

// lastValidID is the ID of the last live entry (streamLastValidID); ok is false when empty.
func (s *Stream) lastValidID() (streamID, bool) {
	for i := len(s.nodes) - 1; i >= 0; i-- {
		if l := s.nodes[i].live; len(l) > 0 {
			return l[len(l)-1].id, true
		}
	}
	return streamID{}, false
}

// nodeFor returns the index of the node that would hold id (the last node whose master ID is
// <= id), or -1.
func (s *Stream) nodeFor(id streamID) int {
	return sort.Search(len(s.nodes), func(i int) bool { return s.nodes[i].master.Compare(id) > 0 }) - 1
}

// find returns the node index and live-entry index of id, or ok false.
func (s *Stream) find(id streamID) (int, int, bool) {
	ni := s.nodeFor(id)
	if ni < 0 {
		return 0, 0, false
	}
	l := s.nodes[ni].live
	j := sort.Search(len(l), func(j int) bool { return l[j].id.Compare(id) >= 0 })
	if j < len(l) && l[j].id == id {
		return ni, j, true
	}
	return 0, 0, false
}

func (s *Stream) exists(id streamID) bool { _, _, ok := s.find(id); return ok }

// tailFor returns the node an entry of totelelen bytes of fields and values goes to, or nil
// when it starts a new node.
func (s *Stream) tailFor(totelelen int) *streamNode {
	if len(s.nodes) == 0 {
		return nil
	}
	n := s.nodes[len(s.nodes)-1]
	if n.lpBytes()+totelelen >= streamNodeMaxBytes || len(n.live)+n.deleted >= streamNodeMaxEntries {
		return nil
	}
	return n
}

// appendKeepsOrder reports whether appending id keeps every node's entries, deleted ones
// included, in ID order, and the nodes in order of their first IDs. Only a last ID moved by
// XSETID below a deleted entry still held in the tail node breaks it.
func (s *Stream) appendKeepsOrder(id streamID, totelelen int) bool {
	if len(s.nodes) == 0 {
		return true
	}
	if n := s.tailFor(totelelen); n != nil {
		return id.Compare(n.last) > 0
	}
	return id.Compare(s.nodes[len(s.nodes)-1].master) > 0
}

// appendEntry adds an entry after the last one (streamAppendItem once the ID is checked). fv
// is field, value, ...; it is copied.
func (s *Stream) appendEntry(id streamID, fv [][]byte) {
	nf := len(fv) / 2
	totelelen := 0
	for _, b := range fv {
		totelelen += len(b)
	}
	n := s.tailFor(totelelen)
	same := false
	if n == nil {
		if len(s.nodes) > 0 {
			s.nodes[len(s.nodes)-1].shrink() // lpShrinkToFit: the old tail is full
		}
		n = &streamNode{master: id, nMaster: nf}
		n.buf = binary.AppendUvarint(n.buf, uint64(nf))
		n.lpFixed = streamLpIntSize(int64(nf)) + streamLpIntSize(0)
		for i := 0; i < nf; i++ {
			f := fv[2*i]
			n.buf = binary.AppendUvarint(n.buf, uint64(len(f)))
			n.buf = append(n.buf, f...)
			n.lpFixed += streamLpStrSize(f)
		}
		s.nodes = append(s.nodes, n)
		same = true
	} else if nf == n.nMaster {
		same = true
		p := n.masterStart()
		for i := 0; i < nf; i++ {
			var f []byte
			f, p = n.next(p)
			if !bytes.Equal(f, fv[2*i]) {
				same = false
				break
			}
		}
	}
	flags := int64(0)
	lpCount := int64(nf + 3)
	if same {
		flags = streamFlagSameFields
	} else {
		lpCount += int64(nf + 1)
	}
	size := streamLpIntSize(flags) + streamLpIntSize(int64(id.Ms-n.master.Ms)) + streamLpIntSize(int64(id.Seq-n.master.Seq)) + streamLpIntSize(lpCount)
	e := streamEntry{id: id, off: uint32(len(n.buf)), same: same}
	if !same {
		size += streamLpIntSize(int64(nf))
		n.buf = binary.AppendUvarint(n.buf, uint64(nf))
	}
	for i := 0; i < nf; i++ {
		if !same {
			f := fv[2*i]
			size += streamLpStrSize(f)
			n.buf = binary.AppendUvarint(n.buf, uint64(len(f)))
			n.buf = append(n.buf, f...)
		}
		v := fv[2*i+1]
		size += streamLpStrSize(v)
		n.buf = binary.AppendUvarint(n.buf, uint64(len(v)))
		n.buf = append(n.buf, v...)
	}
	n.lpFixed += size
	n.live = append(n.live, e)
	n.last = id
	s.length++
	s.entriesAdded++
	s.lastID = id
}

// shrink drops the spare capacity that appends left in a node no more entries go to.
func (n *streamNode) shrink() {
	if cap(n.buf)-len(n.buf) > 64 {
		n.buf = bytes.Clone(n.buf)
	}
	if cap(n.live) > len(n.live)+4 {
		n.live = append([]streamEntry(nil), n.live...)
	}
}

// masterStart is the offset of the first master field in buf.
func (n *streamNode) masterStart() int {
	_, k := binary.Uvarint(n.buf)
	return k
}

// next reads one length-prefixed string at p.
func (n *streamNode) next(p int) ([]byte, int) {
	l, k := binary.Uvarint(n.buf[p:])
	p += k
	return n.buf[p : p+int(l) : p+int(l)], p + int(l)
}

// fields decodes an entry into field, value, ... (aliasing the node's memory); master is the
// node's master fields, decoded once by the caller (nil to decode here).
func (n *streamNode) fields(e streamEntry, master [][]byte, dst [][]byte) [][]byte {
	p := int(e.off)
	if e.same {
		if master == nil {
			master = n.masterFields()
		}
		for _, f := range master {
			var v []byte
			v, p = n.next(p)
			dst = append(dst, f, v)
		}
		return dst
	}
	nf, k := binary.Uvarint(n.buf[p:])
	p += k
	for i := uint64(0); i < nf; i++ {
		var f, v []byte
		f, p = n.next(p)
		v, p = n.next(p)
		dst = append(dst, f, v)
	}
	return dst
}

func (n *streamNode) masterFields() [][]byte {
	out := make([][]byte, n.nMaster)
	p := n.masterStart()
	for i := range out {
		out[i], p = n.next(p)
	}
	return out
}

func (s *Stream) removeNode(i int) {
	copy(s.nodes[i:], s.nodes[i+1:])
	s.nodes[len(s.nodes)-1] = nil
	s.nodes = s.nodes[:len(s.nodes)-1]
}

// deleteEntry removes a live entry (streamDeleteItem): the node goes with its last live
// entry, otherwise the entry becomes a tombstone of its node.
func (s *Stream) deleteEntry(id streamID) bool {
	ni, j, ok := s.find(id)
	if !ok {
		return false
	}
	n := s.nodes[ni]
	if len(n.live) == 1 {
		s.removeNode(ni)
	} else {
		n.live = append(n.live[:j], n.live[j+1:]...)
		n.deleted++
	}
	s.length--
	return true
}

const (
	xTrimNone = iota
	xTrimMaxLen
	xTrimMinID
)

type streamTrimArgs struct {
	strategy int
	approx   bool
	maxLen   int64
	minID    streamID
}

// trimNeedsLayout reports whether an approximate trim could remove entries, in which case
// its effect depends on node boundaries.
func (s *Stream) trimNeedsLayout(a *streamTrimArgs) bool {
	if !a.approx {
		return false
	}
	if a.strategy == xTrimMaxLen {
		return s.length > a.maxLen
	}
	return s.length > 0 && s.firstID().Compare(a.minID) < 0
}

// trim is streamTrim with limit 0 (the AOF client). It returns the number of entries removed.
// Cost: O(nodes removed + entries of one node), plus one move of the node index.
func (s *Stream) trim(a *streamTrimArgs) int64 {
	var deleted int64
	i := 0 // nodes dropped from the head
	for ; i < len(s.nodes); i++ {
		if a.strategy == xTrimMaxLen && s.length <= a.maxLen {
			break
		}
		n := s.nodes[i]
		entries := int64(len(n.live))
		var remove bool
		if a.strategy == xTrimMaxLen {
			remove = s.length-entries >= a.maxLen
		} else {
			remove = n.last.Compare(a.minID) < 0
		}
		if remove {
			s.length -= entries
			deleted += entries
			continue
		}
		if !a.approx {
			// Mark entries deleted inside this node, then stop: later nodes are not touched.
			var k int
			if a.strategy == xTrimMaxLen {
				k = int(s.length - a.maxLen)
			} else {
				k = sort.Search(len(n.live), func(j int) bool { return n.live[j].id.Compare(a.minID) >= 0 })
			}
			n.live = n.live[k:]
			n.deleted += k
			s.length -= int64(k)
			deleted += int64(k)
		}
		break
	}
	if i > 0 {
		m := copy(s.nodes, s.nodes[i:])
		clear(s.nodes[m:])
		s.nodes = s.nodes[:m]
	}
	return deleted
}

// rangeHasTombstones is streamRangeHasTombstones(s, start, NULL).
func (s *Stream) rangeHasTombstones(start streamID) bool {
	if s.length == 0 || s.maxDeleted == (streamID{}) {
		return false
	}
	if s.firstID().Compare(s.maxDeleted) > 0 {
		return false
	}
	return start.Compare(s.maxDeleted) <= 0
}

// estimateDistance is streamEstimateDistanceFromFirstEverEntry: the logical read counter of
// id, or streamEntriesInvalid.
func (s *Stream) estimateDistance(id streamID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Compare(s.lastID) < 1 {
		return s.entriesAdded
	}
	switch c := id.Compare(s.lastID); {
	case c == 0:
		return s.entriesAdded
	case c > 0:
		return streamEntriesInvalid
	}
	first := s.firstID()
	if s.maxDeleted == (streamID{}) || s.maxDeleted.Compare(first) < 0 {
		switch id.Compare(first) {
		case -1:
			return s.entriesAdded - s.length
		case 0:
			return s.entriesAdded - s.length + 1
		}
	}
	return streamEntriesInvalid
}

func (s *Stream) group(name []byte) *streamGroup {
	if s.groups == nil {
		return nil
	}
	return s.groups[string(name)]
}

func (g *streamGroup) consumer(name []byte) *streamConsumer {
	return g.consumers[string(name)]
}

func (g *streamGroup) createConsumer(name []byte, now int64) *streamConsumer {
	c := &streamConsumer{name: Clone(name), seenTime: now}
	g.consumers[string(name)] = c
	return c
}

// lookupOrCreateConsumer is streamLookupConsumer (refreshing seen-time) falling back to
// streamCreateConsumer.
func (g *streamGroup) lookupOrCreateConsumer(name []byte, now int64) *streamConsumer {
	if c := g.consumer(name); c != nil {
		c.seenTime = now
		return c
	}
	return g.createConsumer(name, now)
}

// sortedPEL returns the group's pending IDs >= start, ascending. Cost: O(P log P).
func (g *streamGroup) sortedPEL(start streamID, owner *streamConsumer) []streamID {
	ids := make([]streamID, 0, len(g.pel))
	for id, nack := range g.pel {
		if id.Compare(start) >= 0 && (owner == nil || nack.consumer == owner) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Compare(ids[j]) < 0 })
	return ids
}

// ---------------------------------------------------------------------------------------
// Argument parsing, as Redis reads C strings and numbers.

func xErr(msg string) error { return &CommandError{Msg: "ERR " + msg} }

// xCstr is b up to its first NUL byte: what strcmp/strcasecmp/strchr see of an sds.
func xCstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func xCEq(b []byte, s string) bool { return string(xCstr(b)) == s }

func xCEqualFold(b []byte, s string) bool {
	b = xCstr(b)
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// xString2ll is string2ll (util.c): strict decimal, no leading zeros or spaces, fits int64.
func xString2ll(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	p := 0
	neg := false
	if s[0] == '-' {
		neg = true
		p++
		if p == len(s) {
			return 0, false
		}
	}
	if s[p] < '1' || s[p] > '9' {
		return 0, false
	}
	var v uint64
	for ; p < len(s); p++ {
		c := s[p]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// xString2ull is string2ull (util.c): string2ll, else strtoull (leading spaces, a sign, a
// negative value wraps around).
func xString2ull(s []byte) (uint64, bool) {
	if v, ok := xString2ll(s); ok {
		if v < 0 {
			return 0, false
		}
		return uint64(v), true
	}
	p := 0
	for p < len(s) && (s[p] == ' ' || (s[p] >= '\t' && s[p] <= '\r')) {
		p++
	}
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	start := p
	var v uint64
	overflow := false
	for ; p < len(s) && s[p] >= '0' && s[p] <= '9'; p++ {
		d := uint64(s[p] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if p == start || p != len(s) || overflow {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// xLongLong is getLongLongFromObjectOrReply: msg is the error text ("" for the default).
func xLongLong(b []byte, msg string) (int64, error) {
	v, ok := xString2ll(b)
	if !ok {
		if msg == "" {
			return 0, ErrNotInt
		}
		return 0, xErr(msg)
	}
	return v, nil
}

var (
	xErrInvalidID = xErr("Invalid stream ID specified as stream command argument")
	xErrDom       = xErr("The ID specified in XADD is equal or smaller than the target stream top item")
)

// xParseID is streamGenericParseIDOrReply. With seqGiven non-nil the "<ms>-*" form is
// accepted (and reported by *seqGiven = false).
func xParseID(b []byte, missingSeq uint64, strict bool, seqGiven *bool) (streamID, error) {
	if len(b) > 127 {
		return streamID{}, xErrInvalidID
	}
	buf := xCstr(b)
	if strict && len(buf) == 1 && (buf[0] == '-' || buf[0] == '+') {
		return streamID{}, xErrInvalidID
	}
	if seqGiven != nil {
		*seqGiven = true
	}
	if len(buf) == 1 && buf[0] == '-' {
		return streamID{}, nil
	}
	if len(buf) == 1 && buf[0] == '+' {
		return streamMaxID, nil
	}
	msPart, seqPart, dot := bytes.Cut(buf, []byte{'-'})
	ms, ok := xString2ull(msPart)
	if !ok {
		return streamID{}, xErrInvalidID
	}
	seq := missingSeq
	if dot {
		if seqGiven != nil && len(seqPart) == 1 && seqPart[0] == '*' {
			seq = 0
			*seqGiven = false
		} else if seq, ok = xString2ull(seqPart); !ok {
			return streamID{}, xErrInvalidID
		}
	}
	return streamID{Ms: ms, Seq: seq}, nil
}

func xParseStrictID(b []byte) (streamID, error) { return xParseID(b, 0, true, nil) }

func streamIncrID(id streamID) (streamID, bool) {
	switch {
	case id.Seq < math.MaxUint64:
		id.Seq++
	case id.Ms < math.MaxUint64:
		id.Ms++
		id.Seq = 0
	default:
		return streamID{}, false
	}
	return id, true
}

// xLookupStream returns the stream at key, nil when missing, ErrWrongType for another type.
func (c *Client) xLookupStream(key []byte) (*Stream, error) {
	e, err := c.LookupKind(key, KindStream)
	if e == nil || err != nil {
		return nil, err
	}
	return c.val(e).(*Stream), nil
}

// ---------------------------------------------------------------------------------------
// XADD / XTRIM

type streamAddTrimArgs struct {
	trim       streamTrimArgs
	id         streamID
	idGiven    bool
	seqGiven   bool
	noMkStream bool
}

// xParseAddOrTrim is streamParseAddOrTrimArgsOrReply for a client that must be obeyed (LIMIT
// is parsed and checked, then ignored). For XADD it returns the position of the ID argument.
func xParseAddOrTrim(args [][]byte, a *streamAddTrimArgs, xadd bool) (int, error) {
	var limit int64
	i := 2
loop:
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && xCEq(opt, "*"):
			break loop
		case xCEqualFold(opt, "maxlen") && more > 0, xCEqualFold(opt, "minid") && more > 0:
			if a.trim.strategy != xTrimNone {
				return 0, xErr("syntax error, MAXLEN and MINID options at the same time are not compatible")
			}
			a.trim.approx = false
			if next := args[i+1]; more >= 2 && xCEq(next, "~") {
				a.trim.approx = true
				i++
			} else if more >= 2 && xCEq(next, "=") {
				i++
			}
			if xCEqualFold(opt, "maxlen") {
				v, err := xLongLong(args[i+1], "")
				if err != nil {
					return 0, err
				}
				if v < 0 {
					return 0, xErr("The MAXLEN argument must be >= 0.")
				}
				a.trim.maxLen = v
				a.trim.strategy = xTrimMaxLen
			} else {
				id, err := xParseStrictID(args[i+1])
				if err != nil {
					return 0, err
				}
				a.trim.minID = id
				a.trim.strategy = xTrimMinID
			}
			i++
		case xCEqualFold(opt, "limit") && more > 0:
			v, err := xLongLong(args[i+1], "")
			if err != nil {
				return 0, err
			}
			if v < 0 {
				return 0, xErr("The LIMIT argument must be >= 0.")
			}
			limit = v
			i++
		case xadd && xCEqualFold(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, err := xParseID(opt, 0, true, &a.seqGiven)
			if err != nil {
				return 0, err
			}
			a.id, a.idGiven = id, true
			break loop
		default:
			return 0, ErrSyntax
		}
	}
	if limit != 0 && a.trim.strategy == xTrimNone {
		return 0, xErr("syntax error, LIMIT cannot be used without specifying a trimming strategy")
	}
	if !xadd && a.trim.strategy == xTrimNone {
		return 0, xErr("syntax error, XTRIM must be called with a trimming strategy")
	}
	return i, nil
}

// xErrApproxTrim refuses an approximate trim whose effect depends on node boundaries this
// engine does not know.
func xErrApproxTrim(name string, key []byte) error {
	return &UnsupportedError{Command: name, Key: string(key), Reason: "an approximate (~) trim of a stream loaded from an RDB section or a RESTORE payload removes whole listpack nodes, whose boundaries the input does not record"}
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
func xaddCommand(c *Client, args [][]byte) error {
	var a streamAddTrimArgs
	idpos, err := xParseAddOrTrim(args, &a, true)
	if err != nil {
		return err
	}
	fieldPos := idpos + 1
	if n := len(args) - fieldPos; n < 2 || n%2 == 1 {
		return xErr("wrong number of arguments for 'xadd' command")
	}
	if a.idGiven && a.seqGiven && a.id == (streamID{}) {
		return xErr("The ID specified in XADD must be greater than 0-0")
	}
	s, err := c.xLookupStream(args[1])
	if err != nil {
		return err
	}
	if s == nil {
		if a.noMkStream {
			return nil
		}
		s = &Stream{}
		c.Set(args[1], s, NoExpiry) // stays even if the append fails below, as in Redis
	}
	if s.lastID == streamMaxID {
		return xErr("The stream has exhausted the last possible ID, unable to add more items")
	}
	var id streamID
	switch {
	case a.idGiven && a.seqGiven:
		id = a.id
	case a.idGiven:
		if s.lastID.Ms == a.id.Ms {
			if s.lastID.Seq == math.MaxUint64 {
				return xErrDom
			}
			id = streamID{Ms: s.lastID.Ms, Seq: s.lastID.Seq + 1}
		} else {
			id = a.id
		}
	default: // streamNextID with the replay clock
		if ms := uint64(c.KS.NowMs); ms > s.lastID.Ms {
			id = streamID{Ms: ms}
		} else {
			id, _ = streamIncrID(s.lastID)
		}
	}
	if id.Compare(s.lastID) <= 0 {
		return xErrDom
	}
	fv := args[fieldPos:]
	total := 0
	for _, b := range fv {
		total += len(b)
	}
	if total > streamListpackMaxSize {
		return xErr("Elements are too large to be stored")
	}
	if !s.appendKeepsOrder(id, total) {
		return &UnsupportedError{Command: "xadd", Key: string(args[1]), Reason: fmt.Sprintf("entry %s would be stored after a deleted entry with a greater ID (an earlier XSETID set the last ID below it: Redis 7.0 accepts that, 7.4 refuses it); how Redis then trims and seeks such a stream is not modelled", id)}
	}
	if a.trim.strategy != xTrimNone && a.trim.approx && s.layoutUnknown && xNeedsLayoutAfterAppend(s, id, &a.trim) {
		return xErrApproxTrim("xadd", args[1])
	}
	s.appendEntry(id, fv)
	if a.trim.strategy != xTrimNone {
		s.trim(&a.trim)
	}
	return nil
}

// xNeedsLayoutAfterAppend reports whether an approximate trim right after appending id would
// have to know node boundaries.
func xNeedsLayoutAfterAppend(s *Stream, id streamID, a *streamTrimArgs) bool {
	if a.strategy == xTrimMaxLen {
		return s.length+1 > a.maxLen
	}
	first := id
	if s.length > 0 {
		first = s.firstID()
	}
	return first.Compare(a.minID) < 0
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
func xtrimCommand(c *Client, args [][]byte) error {
	var a streamAddTrimArgs
	if _, err := xParseAddOrTrim(args, &a, false); err != nil {
		return err
	}
	s, err := c.xLookupStream(args[1])
	if s == nil || err != nil {
		return err
	}
	if s.layoutUnknown && s.trimNeedsLayout(&a.trim) {
		return xErrApproxTrim("xtrim", args[1])
	}
	s.trim(&a.trim)
	return nil
}

// XDEL key id ...
func xdelCommand(c *Client, args [][]byte) error {
	s, err := c.xLookupStream(args[1])
	if s == nil || err != nil {
		return err
	}
	ids := make([]streamID, 0, len(args)-2)
	for _, b := range args[2:] {
		id, err := xParseStrictID(b)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if s.deleteEntry(id) && id.Compare(s.maxDeleted) > 0 {
			s.maxDeleted = id
		}
	}
	return nil
}

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
func xsetidCommand(c *Client, args [][]byte) error {
	id, err := xParseStrictID(args[2])
	if err != nil {
		return err
	}
	entriesAdded := int64(-1)
	var maxDel streamID
	for i := 3; i < len(args); i += 2 {
		more := len(args) - 1 - i
		switch opt := args[i]; {
		case xCEqualFold(opt, "ENTRIESADDED") && more > 0:
			if entriesAdded, err = xLongLong(args[i+1], ""); err != nil {
				return err
			}
			if entriesAdded < 0 {
				return xErr("entries_added must be positive")
			}
		case xCEqualFold(opt, "MAXDELETEDID") && more > 0:
			if maxDel, err = xParseStrictID(args[i+1]); err != nil {
				return err
			}
			if id.Compare(maxDel) < 0 {
				return xErr("The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
			}
		default:
			return ErrSyntax
		}
	}
	s, err := c.xLookupStream(args[1])
	if err != nil {
		return err
	}
	if s == nil {
		return ErrNoSuchKey
	}
	if s.length > 0 {
		maxID, _ := s.lastValidID()
		if id.Compare(maxID) < 0 {
			return xErr("The ID specified in XSETID is smaller than the target stream top item")
		}
		if entriesAdded != -1 && s.length > entriesAdded {
			return xErr("The entries_added specified in XSETID is smaller than the target stream length")
		}
	}
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = entriesAdded
	}
	if maxDel != (streamID{}) {
		s.maxDeleted = maxDel
	}
	return nil
}

// ---------------------------------------------------------------------------------------
// Consumer groups

func xSubcommandSyntaxError(args [][]byte) error {
	return xErr(fmt.Sprintf("unknown subcommand or wrong number of arguments for '%.128s'. Try XGROUP HELP.", xCstr(args[1])))
}

// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER key group ... (xgroupCommand)
func xgroupCommand(c *Client, args [][]byte) error {
	opt := args[1]
	create, setid := xCEqualFold(opt, "CREATE"), xCEqualFold(opt, "SETID")
	mkstream := false
	entriesRead := int64(streamEntriesInvalid)
	for i := 5; i < len(args); {
		switch {
		case create && xCEqualFold(args[i], "MKSTREAM"):
			mkstream = true
			i++
		case (create || setid) && xCEqualFold(args[i], "ENTRIESREAD") && i+1 < len(args):
			v, err := xLongLong(args[i+1], "")
			if err != nil {
				return err
			}
			if v < 0 && v != streamEntriesInvalid {
				return xErr("value for ENTRIESREAD must be positive or -1")
			}
			entriesRead = v
			i += 2
		default:
			return xSubcommandSyntaxError(args)
		}
	}
	key, name := args[2], args[3]
	s, err := c.xLookupStream(key)
	if err != nil {
		return err
	}
	var g *streamGroup
	if !mkstream {
		if s == nil {
			return xErr("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
		}
		g = s.group(name)
		if g == nil && (setid || xCEqualFold(opt, "CREATECONSUMER") || xCEqualFold(opt, "DELCONSUMER")) {
			return &CommandError{Msg: fmt.Sprintf("NOGROUP No such consumer group '%s' for key name '%s'", xCstr(name), xCstr(key))}
		}
	}
	now := c.KS.NowMs
	switch argc := len(args); {
	case create && argc >= 5 && argc <= 8:
		var id streamID
		if xCEq(args[4], "$") {
			if s != nil {
				id = s.lastID
			}
		} else if id, err = xParseStrictID(args[4]); err != nil {
			return err
		}
		if s == nil {
			s = &Stream{}
			c.Set(key, s, NoExpiry)
		}
		if s.group(name) != nil {
			return &CommandError{Msg: "BUSYGROUP Consumer Group name already exists"}
		}
		if s.groups == nil {
			s.groups = map[string]*streamGroup{}
		}
		s.groups[string(name)] = &streamGroup{name: Clone(name), lastID: id, entriesRead: entriesRead,
			consumers: map[string]*streamConsumer{}, pel: map[streamID]streamNACK{}}
	case setid && (argc == 5 || argc == 7):
		var id streamID
		if xCEq(args[4], "$") {
			id = s.lastID
		} else if id, err = xParseID(args[4], 0, false, nil); err != nil {
			return err
		}
		g.lastID = id
		g.entriesRead = entriesRead
	case xCEqualFold(opt, "DESTROY") && argc == 4:
		if g != nil {
			delete(s.groups, string(name))
		}
	case xCEqualFold(opt, "CREATECONSUMER") && argc == 5:
		if g.consumer(args[4]) == nil {
			g.createConsumer(args[4], now)
		}
	case xCEqualFold(opt, "DELCONSUMER") && argc == 5:
		if cons := g.consumer(args[4]); cons != nil {
			for id, nack := range g.pel {
				if nack.consumer == cons {
					delete(g.pel, id)
				}
			}
			delete(g.consumers, string(args[4]))
		}
	default:
		return xSubcommandSyntaxError(args)
	}
	return nil
}

// xLookupGroup returns the stream and group for XACK-like commands: nil, nil when the key or
// the group is missing.
func (c *Client) xLookupGroup(key, group []byte) (*Stream, *streamGroup, error) {
	s, err := c.xLookupStream(key)
	if s == nil || err != nil {
		return nil, nil, err
	}
	g := s.group(group)
	if g == nil {
		return nil, nil, nil
	}
	return s, g, nil
}

// XACK key group id ...
func xackCommand(c *Client, args [][]byte) error {
	_, g, err := c.xLookupGroup(args[1], args[2])
	if g == nil || err != nil {
		return err
	}
	ids := make([]streamID, 0, len(args)-3)
	for _, b := range args[3:] {
		id, err := xParseStrictID(b)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		delete(g.pel, id)
	}
	return nil
}

func xErrNoGroup(key, group []byte) error {
	return &CommandError{Msg: fmt.Sprintf("NOGROUP No such key '%s' or consumer group '%s'", xCstr(key), xCstr(group))}
}

func (c *Client) xUnknownDeliveryTime(cmd string, key []byte) error {
	return &UnsupportedError{Command: cmd, Key: string(key), Reason: "a min-idle-time test on a pending entry loaded from an RDB section, whose delivery time the input does not record"}
}

// XCLAIM key group consumer min-idle-time id ... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
// [JUSTID] [LASTID id]
func xclaimCommand(c *Client, args [][]byte) error {
	s, g, err := c.xLookupGroup(args[1], args[2])
	if err != nil {
		return err
	}
	if g == nil {
		return xErrNoGroup(args[1], args[2])
	}
	minIdle, err := xLongLong(args[4], "Invalid min-idle-time argument for XCLAIM")
	if err != nil {
		return err
	}
	if minIdle < 0 {
		minIdle = 0
	}
	j := 5
	var ids []streamID
	for ; j < len(args); j++ {
		id, err := xParseStrictID(args[j])
		if err != nil {
			break
		}
		ids = append(ids, id)
	}
	now := c.KS.NowMs
	retryCount, deliveryTime := int64(-1), int64(-1)
	force, justID := false, false
	var lastID streamID
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := args[j]; {
		case xCEqualFold(opt, "FORCE"):
			force = true
		case xCEqualFold(opt, "JUSTID"):
			justID = true
		case xCEqualFold(opt, "IDLE") && more > 0:
			j++
			v, err := xLongLong(args[j], "Invalid IDLE option argument for XCLAIM")
			if err != nil {
				return err
			}
			deliveryTime = int64(uint64(now) - uint64(v))
		case xCEqualFold(opt, "TIME") && more > 0:
			j++
			if deliveryTime, err = xLongLong(args[j], "Invalid TIME option argument for XCLAIM"); err != nil {
				return err
			}
		case xCEqualFold(opt, "RETRYCOUNT") && more > 0:
			j++
			if retryCount, err = xLongLong(args[j], "Invalid RETRYCOUNT option argument for XCLAIM"); err != nil {
				return err
			}
		case xCEqualFold(opt, "LASTID") && more > 0:
			j++
			if lastID, err = xParseStrictID(args[j]); err != nil {
				return err
			}
		default:
			return xErr(fmt.Sprintf("Unrecognized XCLAIM option '%s'", xCstr(opt)))
		}
	}
	if lastID.Compare(g.lastID) > 0 {
		if len(ids) == 1 && force && justID && lastID == ids[0] {
			// The form Redis 7.0–7.2 log for each entry XREADGROUP delivers: redo that
			// command's read-counter bookkeeping, which those versions do not log (7.4 logs
			// an XGROUP SETID … ENTRIESREAD after the XCLAIMs, which then sets it again). A
			// 7.0 server loading the file leaves entries_read unchanged here; the live server
			// that wrote it had moved it.
			g.advance(s, lastID)
		} else {
			g.lastID = lastID
		}
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	var consumer *streamConsumer
	for _, id := range ids {
		nack, pending := g.pel[id]
		if !s.exists(id) {
			if pending {
				delete(g.pel, id)
			}
			continue
		}
		if force && !pending {
			nack = streamNACK{deliveryTime: now, deliveryCount: 1}
			pending = true
		}
		if !pending {
			continue
		}
		if nack.consumer != nil && minIdle > 0 {
			if nack.deliveryTime == streamTimeUnknown {
				return c.xUnknownDeliveryTime("xclaim", args[1])
			}
			if now-nack.deliveryTime < minIdle {
				continue
			}
		}
		if consumer == nil {
			consumer = g.lookupOrCreateConsumer(args[3], now)
		}
		nack.deliveryTime = deliveryTime
		if retryCount >= 0 {
			nack.deliveryCount = retryCount
		} else if !justID {
			nack.deliveryCount++
		}
		nack.consumer = consumer
		g.pel[id] = nack
	}
	return nil
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
func xautoclaimCommand(c *Client, args [][]byte) error {
	minIdle, err := xLongLong(args[4], "Invalid min-idle-time argument for XAUTOCLAIM")
	if err != nil {
		return err
	}
	if minIdle < 0 {
		minIdle = 0
	}
	var start streamID
	if p := args[5]; len(p) > 1 && p[0] == '(' {
		if start, err = xParseStrictID(p[1:]); err != nil {
			return err
		}
		var ok bool
		if start, ok = streamIncrID(start); !ok {
			return xErr("invalid start ID for the interval")
		}
	} else if start, err = xParseID(p, 0, false, nil); err != nil {
		return err
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := args[j]; {
		case xCEqualFold(opt, "COUNT") && more > 0:
			v, ok := xString2ll(args[j+1])
			if !ok || v < 1 || v > math.MaxInt64/16 {
				return xErr("COUNT must be > 0")
			}
			count = v
			j++
		case xCEqualFold(opt, "JUSTID"):
			justID = true
		default:
			return ErrSyntax
		}
	}
	s, g, err := c.xLookupGroup(args[1], args[2])
	if err != nil {
		return err
	}
	if g == nil {
		return xErrNoGroup(args[1], args[2])
	}
	if count > 1<<26 {
		return &UnsupportedError{Command: "xautoclaim", Key: string(args[1]), Reason: fmt.Sprintf("COUNT %d makes the server allocate %d bytes up front, which fails or not depending on the loading machine's memory", count, count*16)}
	}
	now := c.KS.NowMs
	attempts := count * 10
	var consumer *streamConsumer
	for _, id := range g.sortedPEL(start, nil) {
		if attempts == 0 || count == 0 {
			break
		}
		attempts--
		nack := g.pel[id]
		if !s.exists(id) {
			delete(g.pel, id)
			count--
			continue
		}
		if minIdle > 0 {
			if nack.deliveryTime == streamTimeUnknown {
				return c.xUnknownDeliveryTime("xautoclaim", args[1])
			}
			if now-nack.deliveryTime < minIdle {
				continue
			}
		}
		if consumer == nil {
			consumer = g.lookupOrCreateConsumer(args[3], now)
		}
		nack.consumer = consumer
		nack.deliveryTime = now
		if !justID {
			nack.deliveryCount++
		}
		g.pel[id] = nack
		count--
	}
	return nil
}

// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ...
// The loader's client cannot block: what is not served at once is not served.
func xreadgroupCommand(c *Client, args [][]byte) error {
	var count int64
	streamsArg, nStreams := 0, 0
	noack := false
	var groupName, consumerName []byte
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		switch o := args[i]; {
		case xCEqualFold(o, "BLOCK") && more > 0:
			i++
			v, err := xLongLong(args[i], "timeout is not an integer or out of range")
			if err != nil {
				return err
			}
			if v < 0 {
				return xErr("timeout is negative")
			}
		case xCEqualFold(o, "COUNT") && more > 0:
			i++
			v, err := xLongLong(args[i], "")
			if err != nil {
				return err
			}
			count = max(v, 0)
		case xCEqualFold(o, "STREAMS") && more > 0:
			streamsArg = i + 1
			nStreams = len(args) - streamsArg
			if nStreams%2 != 0 {
				return xErr("Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
			}
			nStreams /= 2
			i = len(args)
		case xCEqualFold(o, "GROUP") && more >= 2:
			groupName, consumerName = args[i+1], args[i+2]
			i += 2
		case xCEqualFold(o, "NOACK"):
			noack = true
		default:
			return ErrSyntax
		}
	}
	if streamsArg == 0 {
		return ErrSyntax
	}
	if groupName == nil {
		return xErr("Missing GROUP option for XREADGROUP")
	}
	streams := make([]*Stream, nStreams)
	groups := make([]*streamGroup, nStreams)
	ids := make([]streamID, nStreams)
	for k := 0; k < nStreams; k++ {
		key, idArg := args[streamsArg+k], args[streamsArg+nStreams+k]
		s, err := c.xLookupStream(key)
		if err != nil {
			return err
		}
		var g *streamGroup
		if s != nil {
			g = s.group(groupName)
		}
		if g == nil {
			return &CommandError{Msg: fmt.Sprintf("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option", xCstr(key), xCstr(groupName))}
		}
		streams[k], groups[k] = s, g
		switch {
		case xCEq(idArg, "$"):
			return xErr("The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
		case xCEq(idArg, ">"):
			ids[k] = streamMaxID
		default:
			if ids[k], err = xParseStrictID(idArg); err != nil {
				return err
			}
		}
	}
	now := c.KS.NowMs
	for k := 0; k < nStreams; k++ {
		s, g, gt := streams[k], groups[k], ids[k]
		history := gt != streamMaxID
		serve := history
		if !history && s.length > 0 {
			if maxID, _ := s.lastValidID(); maxID.Compare(g.lastID) > 0 {
				serve = true
				gt = g.lastID
			}
		}
		if !serve {
			continue
		}
		consumer := g.lookupOrCreateConsumer(consumerName, now)
		start, _ := streamIncrID(gt)
		if history {
			n := int64(0)
			for _, id := range g.sortedPEL(start, consumer) {
				if count > 0 && n == count {
					break
				}
				n++
				if s.exists(id) {
					nack := g.pel[id]
					nack.deliveryTime = now
					nack.deliveryCount++
					g.pel[id] = nack
				}
			}
			continue
		}
		s.deliver(g, consumer, start, count, noack, now)
	}
	return nil
}

// deliver serves entries >= start to a consumer of group g (streamReplyWithRange with a
// group): it moves the group's last ID and read counter and, unless noack, records each entry
// in the PEL as delivered once to consumer.
func (s *Stream) deliver(g *streamGroup, consumer *streamConsumer, start streamID, count int64, noack bool, now int64) {
	n := int64(0)
	for ni := max(s.nodeFor(start), 0); ni < len(s.nodes); ni++ {
		live := s.nodes[ni].live
		j := sort.Search(len(live), func(j int) bool { return live[j].id.Compare(start) >= 0 })
		for ; j < len(live); j++ {
			id := live[j].id
			if id.Compare(g.lastID) > 0 {
				g.advance(s, id)
			}
			if !noack {
				g.pel[id] = streamNACK{consumer: consumer, deliveryTime: now, deliveryCount: 1}
			}
			if n++; count > 0 && n == count {
				return
			}
		}
	}
}

// advance moves the group's last delivered ID forward to id, an entry being delivered, and
// its read counter with it (streamReplyWithRange): incremented when valid and no tombstone
// lies ahead, otherwise estimated.
func (g *streamGroup) advance(s *Stream, id streamID) {
	if g.entriesRead != streamEntriesInvalid && !s.rangeHasTombstones(id) {
		g.entriesRead++
	} else if s.entriesAdded != 0 {
		g.entriesRead = s.estimateDistance(id)
	}
	g.lastID = id
}

// ---------------------------------------------------------------------------------------
// Canonical form (codec)

func streamExport(v Value, k *canon.Key) {
	s := v.(*Stream)
	cs := &canon.Stream{LastID: s.lastID, Entries: make([]canon.StreamEntry, 0, s.length)}
	for _, n := range s.nodes {
		if len(n.live) == 0 {
			continue
		}
		master := n.masterFields()
		for _, e := range n.live {
			cs.Entries = append(cs.Entries, canon.StreamEntry{ID: e.id, Fields: n.fields(e, master, nil)})
		}
	}
	md, ea := s.maxDeleted, s.entriesAdded
	cs.MaxDeletedID, cs.EntriesAdded = &md, &ea
	names := make([]string, 0, len(s.groups))
	for name := range s.groups {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		g := s.groups[name]
		cg := canon.Group{Name: g.name, LastDelivered: g.lastID}
		if g.entriesRead != streamEntriesInvalid {
			er := g.entriesRead
			cg.EntriesRead = &er
		}
		cnames := make([]string, 0, len(g.consumers))
		for cn := range g.consumers {
			cnames = append(cnames, cn)
		}
		sort.Strings(cnames)
		for _, cn := range cnames {
			cg.Consumers = append(cg.Consumers, g.consumers[cn].name)
		}
		for _, id := range g.sortedPEL(streamID{}, nil) {
			nack := g.pel[id]
			cg.Pending = append(cg.Pending, canon.Pending{ID: id, Consumer: nack.consumer.name, DeliveryCount: nack.deliveryCount})
		}
		cs.Groups = append(cs.Groups, cg)
	}
	k.Type = canon.TypeStream
	k.Stream = cs
}

// streamLoad builds a stream from a canonical value, as rdbLoadObject does for stream types 1
// to 3: a nil EntriesAdded (RDB stream v1) means "the length", a nil MaxDeletedID 0-0, and a
// group's nil EntriesRead is estimated for v1 streams and invalid (-1) otherwise.
func streamLoad(k *canon.Key) (Value, error) {
	cs := k.Stream
	s := &Stream{layoutUnknown: true}
	if cs == nil {
		return s, nil
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("keyspace: stream %q: %s", k.Key, fmt.Sprintf(format, a...))
	}
	for i, e := range cs.Entries {
		if len(e.Fields)%2 != 0 {
			return nil, bad("entry %s has an odd number of fields and values", e.ID)
		}
		if i > 0 && e.ID.Compare(s.lastID) <= 0 {
			return nil, bad("entry %s is not after %s", e.ID, s.lastID)
		}
		s.appendEntry(e.ID, e.Fields)
	}
	if s.length > 0 && cs.LastID.Compare(s.lastID) < 0 {
		return nil, bad("last ID %s is before the last entry %s", cs.LastID, s.lastID)
	}
	s.lastID = cs.LastID
	v1 := cs.EntriesAdded == nil
	if !v1 {
		s.entriesAdded = *cs.EntriesAdded
	}
	if cs.MaxDeletedID != nil {
		s.maxDeleted = *cs.MaxDeletedID
	}
	for _, cg := range cs.Groups {
		if s.group(cg.Name) != nil {
			return nil, bad("group %q appears twice", cg.Name)
		}
		g := &streamGroup{name: Clone(cg.Name), lastID: cg.LastDelivered, entriesRead: streamEntriesInvalid,
			consumers: make(map[string]*streamConsumer, len(cg.Consumers)), pel: make(map[streamID]streamNACK, len(cg.Pending))}
		switch {
		case cg.EntriesRead != nil:
			g.entriesRead = *cg.EntriesRead
		case v1:
			g.entriesRead = s.estimateDistance(cg.LastDelivered)
		}
		for _, name := range cg.Consumers {
			if g.consumer(name) != nil {
				return nil, bad("group %q lists consumer %q twice", cg.Name, name)
			}
			g.createConsumer(name, 0)
		}
		for _, p := range cg.Pending {
			owner := g.consumer(p.Consumer)
			if owner == nil {
				return nil, bad("pending entry %s of group %q belongs to %q, not a consumer of the group", p.ID, cg.Name, p.Consumer)
			}
			if _, dup := g.pel[p.ID]; dup {
				return nil, bad("pending entry %s of group %q appears twice", p.ID, cg.Name)
			}
			g.pel[p.ID] = streamNACK{consumer: owner, deliveryTime: streamTimeUnknown, deliveryCount: p.DeliveryCount}
		}
		if s.groups == nil {
			s.groups = map[string]*streamGroup{}
		}
		s.groups[string(cg.Name)] = g
	}
	return s, nil
}

// streamClone is streamDup: the same nodes (so the same trimming behaviour), groups,
// consumers and PEL.
func streamClone(v Value) Value {
	s := v.(*Stream)
	d := *s
	d.nodes = make([]*streamNode, len(s.nodes))
	for i, n := range s.nodes {
		m := *n
		m.buf = bytes.Clone(n.buf)
		m.live = append([]streamEntry(nil), n.live...)
		d.nodes[i] = &m
	}
	if s.groups != nil {
		d.groups = make(map[string]*streamGroup, len(s.groups))
		for name, g := range s.groups {
			ng := &streamGroup{name: g.name, lastID: g.lastID, entriesRead: g.entriesRead,
				consumers: make(map[string]*streamConsumer, len(g.consumers)), pel: make(map[streamID]streamNACK, len(g.pel))}
			remap := make(map[*streamConsumer]*streamConsumer, len(g.consumers))
			for cn, cons := range g.consumers {
				nc := &streamConsumer{name: cons.name, seenTime: cons.seenTime}
				ng.consumers[cn] = nc
				remap[cons] = nc
			}
			for id, nack := range g.pel {
				nack.consumer = remap[nack.consumer]
				ng.pel[id] = nack
			}
			d.groups[name] = ng
		}
	}
	return &d
}
