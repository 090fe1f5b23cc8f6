package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Streams: types 15, 19 and 21 (rdbLoadObject and streamValidateListpackIntegrity,
// src/rdb.c and src/t_stream.c @ 7.4.1).
//
// Each node is a 16-byte master ID (ms, seq big-endian) and a listpack:
//
//	master entry: count, deleted, n, field-1 ... field-n, 0
//	each entry:   flags, ms-diff, seq-diff, [n, field-1, value-1 ... | value-1 ... value-n], lp-count
//
// flags bit 0 = deleted, bit 1 = same fields as the master entry.

const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// streamScratch is the per-stream state kept across nodes and groups.
type streamScratch struct {
	master  [][]byte // master field names of the current node
	mbuf    []byte   // text of integer master fields
	pel     []pelRec // the current group's PEL (verify)
	gset    fpSet    // group names (verify)
	lastID  StreamID
	haveID  bool
	live    uint64
	nameBuf [24]byte
}

type pelRec struct {
	id    StreamID
	owned bool
}

func (s *streamScratch) shrink() {
	if cap(s.pel) > 1<<16 {
		s.pel = nil
	}
	if cap(s.mbuf) > arenaKeepCap {
		s.mbuf = nil
	}
	s.gset.shrink()
}

func idLess(a, b StreamID) bool { return a.Ms < b.Ms || a.Ms == b.Ms && a.Seq < b.Seq }

func rawID(b []byte) StreamID {
	return StreamID{Ms: binary.BigEndian.Uint64(b), Seq: binary.BigEndian.Uint64(b[8:])}
}

func (d *decoder) stream(t int) error {
	ss := &d.strm
	ss.haveID, ss.live = false, 0
	nodes, err := d.readCount("a stream node count")
	if err != nil {
		return err
	}
	var prevMaster StreamID
	for i := uint64(0); i < nodes; i++ {
		at := d.pos
		key, err := d.readStr("a stream node master ID", toTmp)
		if err != nil {
			return err
		}
		if len(key) != 16 {
			return d.corrupt(at, "stream node key of %d bytes is not a 16-byte stream ID", len(key))
		}
		master := rawID(key)
		if d.verify && i > 0 && !idLess(prevMaster, master) {
			return d.corrupt(at, "stream node %d-%d is not after the previous node %d-%d", master.Ms, master.Seq, prevMaster.Ms, prevMaster.Seq)
		}
		prevMaster = master
		bl, err := d.readBlob("a stream listpack")
		if err != nil {
			return err
		}
		if err := d.streamNode(bl, master); err != nil {
			return err
		}
	}
	if err := d.flush(); err != nil {
		return err
	}
	return d.streamMeta(t, nodes)
}

// streamInt reads a listpack entry that must be an integer (lpGetIntegerIfValid: an
// integer encoding, or a string that parses as one).
func (d *decoder) streamInt(it *lpIter, bl blob, what string) (int64, int, error) {
	p := it.p
	s, v, isInt, st := it.next()
	switch st {
	case iterBad:
		return 0, p, d.blobErr(bl, it.errAt, "stream listpack: "+it.err)
	case iterEnd:
		return 0, p, d.blobErr(bl, p, "stream listpack ends before its "+what)
	}
	if !isInt {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, p, d.blobErr(bl, p, "stream listpack "+what+" is not an integer")
		}
		v = n
	}
	return v, p, nil
}

// streamText reads a listpack entry as text: strings as they are, integers into buf
// (appended) or the chunk arena when buf is nil.
func (d *decoder) streamText(it *lpIter, bl blob, what string, buf *[]byte) ([]byte, error) {
	p := it.p
	s, v, isInt, st := it.next()
	switch st {
	case iterBad:
		return nil, d.blobErr(bl, it.errAt, "stream listpack: "+it.err)
	case iterEnd:
		return nil, d.blobErr(bl, p, "stream listpack ends inside an entry ("+what+")")
	}
	if !isInt {
		return s, nil
	}
	if buf == nil {
		return d.intText(v, toArena), nil
	}
	l := len(*buf)
	*buf = strconv.AppendInt(*buf, v, 10)
	return (*buf)[l:len(*buf):len(*buf)], nil
}

func (d *decoder) streamNode(bl blob, master StreamID) error {
	ss := &d.strm
	it, reason := lpOpen(bl.b, d.verify)
	if reason != "" {
		return d.blobErr(bl, 0, "stream "+reason)
	}
	if bl.b[lpHeaderSize] == lpEOF {
		return d.blobErr(bl, lpHeaderSize, "empty listpack inside a stream")
	}
	count, _, err := d.streamInt(&it, bl, "entry count")
	if err != nil {
		return err
	}
	deleted, _, err := d.streamInt(&it, bl, "deleted count")
	if err != nil {
		return err
	}
	nf, p, err := d.streamInt(&it, bl, "master field count")
	if err != nil {
		return err
	}
	if nf < 0 || uint64(nf) > uint64(len(bl.b)) {
		return d.blobErr(bl, p, fmt.Sprintf("stream master field count %d is impossible", nf))
	}
	ss.master, ss.mbuf = ss.master[:0], ss.mbuf[:0]
	for j := int64(0); j < nf; j++ {
		f, err := d.streamText(&it, bl, "master field", &ss.mbuf)
		if err != nil {
			return err
		}
		ss.master = append(ss.master, f)
	}
	zero, p, err := d.streamInt(&it, bl, "master entry terminator")
	if err != nil {
		return err
	}
	if zero != 0 {
		return d.blobErr(bl, p, "stream master entry does not end with 0")
	}
	var entries, live int64
	for {
		p := it.p
		if d.verify && entries == count+deleted {
			// Past the announced entries, only the terminator may follow.
			_, _, _, st := it.next()
			if st == iterBad {
				return d.blobErr(bl, it.errAt, "stream listpack: "+it.err)
			}
			if st != iterEnd {
				return d.blobErr(bl, p, fmt.Sprintf("stream listpack holds more than its %d+%d entries", count, deleted))
			}
			break
		}
		if bl.b[p] == lpEOF {
			if d.verify {
				return d.blobErr(bl, p, fmt.Sprintf("stream listpack holds %d entries, its master entry counts %d+%d", entries, count, deleted))
			}
			if _, _, _, st := it.next(); st == iterBad {
				return d.blobErr(bl, it.errAt, "stream listpack: "+it.err)
			}
			break
		}
		flags, _, err := d.streamInt(&it, bl, "entry flags")
		if err != nil {
			return err
		}
		msd, _, err := d.streamInt(&it, bl, "entry ID")
		if err != nil {
			return err
		}
		seqd, _, err := d.streamInt(&it, bl, "entry ID")
		if err != nil {
			return err
		}
		id := StreamID{Ms: master.Ms + uint64(msd), Seq: master.Seq + uint64(seqd)}
		if d.verify {
			if ss.haveID && !idLess(ss.lastID, id) {
				return d.blobErr(bl, p, fmt.Sprintf("stream entry %d-%d is not after %d-%d", id.Ms, id.Seq, ss.lastID.Ms, ss.lastID.Seq))
			}
		}
		ss.lastID, ss.haveID = id, true
		fields := int64(len(ss.master))
		extra := int64(3)
		same := flags&streamFlagSameFields != 0
		if !same {
			var fp int
			if fields, fp, err = d.streamInt(&it, bl, "field count"); err != nil {
				return err
			}
			if fields < 0 || uint64(fields) > uint64(len(bl.b)) {
				return d.blobErr(bl, fp, fmt.Sprintf("stream entry field count %d is impossible", fields))
			}
			extra += fields + 1
		}
		del := flags&streamFlagDeleted != 0
		start := len(d.sfields)
		for j := int64(0); j < fields; j++ {
			if !same {
				f, err := d.streamText(&it, bl, "field", nil)
				if err != nil {
					return err
				}
				if !del {
					d.sfields = append(d.sfields, f)
				}
			} else if !del {
				d.sfields = append(d.sfields, ss.master[j])
			}
			v, err := d.streamText(&it, bl, "value", nil)
			if err != nil {
				return err
			}
			if !del {
				d.sfields = append(d.sfields, v)
			}
		}
		lpc, lpp, err := d.streamInt(&it, bl, "lp-count")
		if err != nil {
			return err
		}
		if d.verify && lpc != fields+extra {
			return d.blobErr(bl, lpp, fmt.Sprintf("stream entry lp-count %d, expected %d", lpc, fields+extra))
		}
		entries++
		if del {
			continue
		}
		live++
		d.sitems = append(d.sitems, StreamEntry{ID: id, Fields: d.sfields[start:len(d.sfields):len(d.sfields)]})
		d.ki.Elements++
		if d.chunkFull(len(d.sitems)) || len(d.sfields) >= 8*d.chunk {
			if err := d.flush(); err != nil {
				return err
			}
		}
	}
	if d.verify && live != count {
		return d.blobErr(bl, lpHeaderSize, fmt.Sprintf("stream master entry counts %d live entries, the listpack holds %d", count, live))
	}
	ss.live += uint64(live)
	if !bl.raw || len(ss.mbuf) > 0 {
		// Entries of the pending chunk point into the container or the master field text.
		return d.flush()
	}
	return nil
}

func (d *decoder) streamMeta(t int, nodes uint64) error {
	ss := &d.strm
	at := d.pos
	var m StreamMeta
	var err error
	if m.Length, err = d.readCount("a stream length"); err != nil {
		return err
	}
	if m.LastID.Ms, err = d.readCount("a stream last ID"); err != nil {
		return err
	}
	if m.LastID.Seq, err = d.readCount("a stream last ID"); err != nil {
		return err
	}
	if t >= TypeStreamListpacks2 {
		m.V2 = true
		var v [5]uint64
		for i := range v {
			if v[i], err = d.readCount("stream metadata"); err != nil {
				return err
			}
		}
		m.FirstID = StreamID{Ms: v[0], Seq: v[1]}
		m.MaxDeletedID = StreamID{Ms: v[2], Seq: v[3]}
		m.EntriesAdded = v[4]
	}
	d.ki.Count = clampCount(m.Length)
	if d.verify {
		if m.Length != 0 && nodes == 0 {
			return d.corrupt(at, "stream length %d but no listpack nodes", m.Length)
		}
		if m.Length != ss.live {
			return d.corrupt(at, "stream length %d, its listpacks hold %d live entries", m.Length, ss.live)
		}
		if ss.haveID && idLess(m.LastID, ss.lastID) {
			return d.corrupt(at, "stream last ID %d-%d is before its entry %d-%d", m.LastID.Ms, m.LastID.Seq, ss.lastID.Ms, ss.lastID.Seq)
		}
	}
	gat := d.pos
	groups, err := d.readCount("a stream group count")
	if err != nil {
		return err
	}
	m.Groups = groups
	if err := d.h.StreamMeta(&m); err != nil {
		return err
	}
	if d.verify {
		ss.gset.reset(int(min(groups, 64)), math.MaxInt)
	}
	for g := uint64(0); g < groups; g++ {
		if err := d.streamGroup(t); err != nil {
			return err
		}
	}
	_ = gat
	return nil
}

func (d *decoder) streamGroup(t int) error {
	ss := &d.strm
	at := d.pos
	name, err := d.readStr("a consumer group name", toGroup)
	if err != nil {
		return err
	}
	if d.verify && ss.gset.add(fingerprint(name), int64(at), func(r int64) bool { return bytes.Equal(d.reread(int(r)), name) }) {
		return d.corrupt(at, "duplicate consumer group %q", name)
	}
	var g StreamGroup
	g.Name = name
	if g.LastDelivered.Ms, err = d.readCount("a consumer group ID"); err != nil {
		return err
	}
	if g.LastDelivered.Seq, err = d.readCount("a consumer group ID"); err != nil {
		return err
	}
	g.EntriesRead = -1
	if t >= TypeStreamListpacks2 {
		v, err := d.readCount("a consumer group entries-read")
		if err != nil {
			return err
		}
		if v <= math.MaxInt64 {
			g.EntriesRead = int64(v)
		}
	}
	if g.PELSize, err = d.readCount("a consumer group PEL size"); err != nil {
		return err
	}
	if err := d.h.StreamGroup(&g); err != nil {
		return err
	}
	// The group PEL: raw ID, delivery time, delivery count.
	ss.pel = ss.pel[:0]
	d.nacks = d.nacks[:0]
	for i := uint64(0); i < g.PELSize; i++ {
		at := d.pos
		b, err := d.readFixed(24, "a PEL entry")
		if err != nil {
			return err
		}
		n := StreamNACK{ID: rawID(b), DeliveryTime: int64(binary.LittleEndian.Uint64(b[16:]))}
		if n.DeliveryCount, err = d.readCount("a PEL delivery count"); err != nil {
			return err
		}
		if d.verify {
			if k := len(ss.pel); k > 0 && !idLess(ss.pel[k-1].id, n.ID) {
				return d.corrupt(at, "group PEL entry %d-%d is not after %d-%d (unsorted or duplicate)", n.ID.Ms, n.ID.Seq, ss.pel[k-1].id.Ms, ss.pel[k-1].id.Seq)
			}
			ss.pel = append(ss.pel, pelRec{id: n.ID})
		}
		d.nacks = append(d.nacks, n)
		if len(d.nacks) >= d.chunk {
			if err := d.h.StreamPending(d.nacks); err != nil {
				return err
			}
			d.nacks = d.nacks[:0]
		}
	}
	if len(d.nacks) > 0 {
		if err := d.h.StreamPending(d.nacks); err != nil {
			return err
		}
		d.nacks = d.nacks[:0]
	}
	cat := d.pos
	consumers, err := d.readCount("a consumer count")
	if err != nil {
		return err
	}
	if d.verify {
		d.fps.reset(int(min(consumers, uint64(len(d.data)-d.pos))), math.MaxInt)
	}
	for c := uint64(0); c < consumers; c++ {
		if err := d.streamConsumer(t); err != nil {
			return err
		}
	}
	if d.verify {
		for _, r := range ss.pel {
			if !r.owned {
				return d.corrupt(cat, "group %q PEL entry %d-%d has no consumer", name, r.id.Ms, r.id.Seq)
			}
		}
	}
	return nil
}

func (d *decoder) streamConsumer(t int) error {
	ss := &d.strm
	at := d.pos
	name, err := d.readStr("a consumer name", toConsumer)
	if err != nil {
		return err
	}
	if d.verify && d.fps.add(fingerprint(name), int64(at), func(r int64) bool { return bytes.Equal(d.reread(int(r)), name) }) {
		return d.corrupt(at, "duplicate consumer %q", name)
	}
	c := StreamConsumer{Name: name, ActiveTime: -1}
	v, err := d.readUint64LE("a consumer seen time")
	if err != nil {
		return err
	}
	c.SeenTime = int64(v)
	if t >= TypeStreamListpacks3 {
		if v, err = d.readUint64LE("a consumer active time"); err != nil {
			return err
		}
		c.ActiveTime = int64(v)
	}
	if c.PELSize, err = d.readCount("a consumer PEL size"); err != nil {
		return err
	}
	if err := d.h.StreamConsumer(&c); err != nil {
		return err
	}
	d.ids = d.ids[:0]
	var prev StreamID
	for i := uint64(0); i < c.PELSize; i++ {
		at := d.pos
		b, err := d.readFixed(16, "a consumer PEL ID")
		if err != nil {
			return err
		}
		id := rawID(b)
		if d.verify {
			if i > 0 && !idLess(prev, id) {
				return d.corrupt(at, "consumer %q PEL entry %d-%d is not after %d-%d (unsorted or duplicate)", name, id.Ms, id.Seq, prev.Ms, prev.Seq)
			}
			k, found := slices.BinarySearchFunc(ss.pel, id, func(r pelRec, id StreamID) int {
				switch {
				case idLess(r.id, id):
					return -1
				case idLess(id, r.id):
					return 1
				}
				return 0
			})
			if !found {
				return d.corrupt(at, "consumer %q PEL entry %d-%d is not in the group PEL", name, id.Ms, id.Seq)
			}
			if ss.pel[k].owned {
				return d.corrupt(at, "PEL entry %d-%d belongs to two consumers", id.Ms, id.Seq)
			}
			ss.pel[k].owned = true
		}
		prev = id
		d.ids = append(d.ids, id)
		if len(d.ids) >= d.chunk {
			if err := d.h.StreamConsumerPending(d.ids); err != nil {
				return err
			}
			d.ids = d.ids[:0]
		}
	}
	if len(d.ids) > 0 {
		if err := d.h.StreamConsumerPending(d.ids); err != nil {
			return err
		}
		d.ids = d.ids[:0]
	}
	return nil
}
