package rdb

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"slices"

	"github.com/aofkit/aofkit/internal/canon"
)

// Streams as rdbSaveObject writes them (type 15 for version 9, 19 for 10, 21 for 11+), with
// entries packed into listpack nodes the way streamAppendItem (src/t_stream.c @ 7.0.15) packs
// them: each node starts with a master entry (count, deleted, the first entry's field names,
// 0), entries store their ID as a difference from the node's first ID and omit their field
// names when they equal the master's (SAMEFIELDS flag).

const (
	encStreamFlagSameFields = 2
	encStreamInvalidRead    = -1 // SCG_INVALID_ENTRIES_READ
)

func encCompareID(a, b canon.StreamID) int {
	if c := cmp.Compare(a.Ms, b.Ms); c != 0 {
		return c
	}
	return cmp.Compare(a.Seq, b.Seq)
}

func encAppendRawID(dst []byte, id canon.StreamID) []byte {
	dst = binary.BigEndian.AppendUint64(dst, id.Ms)
	return binary.BigEndian.AppendUint64(dst, id.Seq)
}

// encStreamEstimateRead is streamEstimateDistanceFromFirstEverEntry @ 7.0.15 on a stream
// loaded from RDB 9 (entries_added = length, no tombstone): the entries_read a version 9
// loader gives a group whose last delivered ID is id.
func encStreamEstimateRead(s *canon.Stream, id canon.StreamID) int64 {
	n := int64(len(s.Entries))
	if n == 0 {
		return 0
	}
	c := encCompareID(id, s.LastID)
	if c == 0 {
		return n
	} else if c > 0 {
		return encStreamInvalidRead
	}
	switch encCompareID(id, s.Entries[0].ID) {
	case -1:
		return 0
	case 0:
		return 1
	}
	return encStreamInvalidRead
}

// streamMetaLost reports whether a version 9 file loses a counter of s: what a loader derives
// (entries_added = length, max_deleted_id = 0-0, entries_read estimated) differs from a value
// s knows.
func encStreamMetaLost(s *canon.Stream) bool {
	if s.EntriesAdded != nil && *s.EntriesAdded != int64(len(s.Entries)) {
		return true
	}
	if s.MaxDeletedID != nil && (*s.MaxDeletedID != canon.StreamID{}) {
		return true
	}
	for _, g := range s.Groups {
		if g.EntriesRead != nil && *g.EntriesRead != encStreamEstimateRead(s, g.LastDelivered) {
			return true
		}
	}
	return false
}

// encStreamNode accumulates one listpack node: the master field names and the entries, kept
// apart so the master's live count can be written when the node is finished.
type encStreamNode struct {
	master  encListpack // num-fields, field names, 0
	entries encListpack
	fields  [][]byte // master field names
	count   int
	first   canon.StreamID
}

// encListpackIntSize is the size of an integer entry of a listpack, backlen included.
func encListpackIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 2
	case v >= -4096 && v <= 4095:
		return 3
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 4
	case v >= -(1<<23) && v <= 1<<23-1:
		return 5
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 6
	}
	return 10
}

// bytes is the node's listpack size (lpBytes) with its current count.
func (n *encStreamNode) bytes() int {
	return encListpackHeader + encListpackIntSize(int64(n.count)) + 2 +
		len(n.master.b) - encListpackHeader + len(n.entries.b) - encListpackHeader + 1
}

// appendStream writes a stream. Consumer seen/active times and PEL delivery times, which the
// canonical form does not carry, are the encoder's Now.
func (st *encState) appendStream(dst []byte, s *canon.Stream, drop bool, dropped *DropReport) (byte, []byte, error) {
	if s == nil {
		return 0, dst, encInvalid("stream without value")
	}
	if err := encCheckStream(s); err != nil {
		return 0, dst, err
	}
	if st.version < 10 && encStreamMetaLost(s) {
		if !drop {
			return 0, dst, encNotRepresentable(st.version, "stream entries_added, max_deleted_id or group entries_read")
		}
		dropped.StreamMeta++
	}

	// Nodes.
	body := st.body[:0]
	nodes := 0
	node := &st.snode
	node.count = 0
	final := &st.lp
	flush := func() error {
		if node.count == 0 {
			return nil
		}
		final.reset()
		final.appendInt(int64(node.count))
		final.appendInt(0) // deleted
		final.b = append(final.b, node.master.b[encListpackHeader:]...)
		final.b = append(final.b, node.entries.b[encListpackHeader:]...)
		final.n += node.master.n + node.entries.n
		blob, err := final.finish()
		if err != nil {
			return err
		}
		var key [16]byte
		encAppendRawID(key[:0], node.first)
		body = encAppendString(body, key[:], st.lz)
		body = encAppendString(body, blob, st.lz)
		nodes++
		node.count = 0
		return nil
	}
	maxBytes, maxEntries := st.limits.StreamNodeMaxBytes, st.limits.StreamNodeMaxEntries
	if maxBytes <= 0 || maxBytes > 1<<30 {
		maxBytes = 1 << 30
	}
	for _, e := range s.Entries {
		numFields := len(e.Fields) / 2
		tot := 0
		for _, f := range e.Fields {
			tot += len(f)
		}
		if node.count > 0 && (node.bytes()+tot >= maxBytes || (maxEntries > 0 && node.count >= maxEntries)) {
			if err := flush(); err != nil {
				return 0, dst, err
			}
		}
		flags := int64(0)
		if node.count == 0 {
			node.master.reset()
			node.entries.reset()
			node.first = e.ID
			node.fields = node.fields[:0]
			node.master.appendInt(int64(numFields))
			for i := 0; i < numFields; i++ {
				node.master.appendString(e.Fields[2*i])
				node.fields = append(node.fields, e.Fields[2*i])
			}
			node.master.appendInt(0)
			flags = encStreamFlagSameFields
		} else if numFields == len(node.fields) {
			same := true
			for i := 0; i < numFields && same; i++ {
				same = bytes.Equal(e.Fields[2*i], node.fields[i])
			}
			if same {
				flags = encStreamFlagSameFields
			}
		}
		lp := &node.entries
		lp.appendInt(flags)
		lp.appendInt(int64(e.ID.Ms - node.first.Ms))
		lp.appendInt(int64(e.ID.Seq - node.first.Seq))
		if flags == 0 {
			lp.appendInt(int64(numFields))
		}
		for i := 0; i < numFields; i++ {
			if flags == 0 {
				lp.appendString(e.Fields[2*i])
			}
			lp.appendString(e.Fields[2*i+1])
		}
		lpCount := int64(numFields + 3)
		if flags == 0 {
			lpCount += int64(numFields + 1)
		}
		lp.appendInt(lpCount)
		node.count++
	}
	if err := flush(); err != nil {
		return 0, dst, err
	}
	st.body = body

	dst = encAppendLen(dst, uint64(nodes))
	dst = append(dst, body...)
	dst = encAppendLen(dst, uint64(len(s.Entries)))
	dst = encAppendLen(dst, s.LastID.Ms)
	dst = encAppendLen(dst, s.LastID.Seq)
	if st.version >= 10 {
		var first canon.StreamID
		if len(s.Entries) > 0 {
			first = s.Entries[0].ID
		}
		var maxDel canon.StreamID
		if s.MaxDeletedID != nil {
			maxDel = *s.MaxDeletedID
		}
		added := int64(len(s.Entries))
		if s.EntriesAdded != nil {
			added = *s.EntriesAdded
		}
		dst = encAppendLen(dst, first.Ms)
		dst = encAppendLen(dst, first.Seq)
		dst = encAppendLen(dst, maxDel.Ms)
		dst = encAppendLen(dst, maxDel.Seq)
		dst = encAppendLen(dst, uint64(added))
	}

	// Groups, sorted by name as the server's radix tree iterates them.
	groups := make([]*canon.Group, len(s.Groups))
	for i := range s.Groups {
		groups[i] = &s.Groups[i]
	}
	slices.SortFunc(groups, func(a, b *canon.Group) int { return bytes.Compare(a.Name, b.Name) })
	dst = encAppendLen(dst, uint64(len(groups)))
	for _, g := range groups {
		dst = encAppendString(dst, g.Name, st.lz)
		dst = encAppendLen(dst, g.LastDelivered.Ms)
		dst = encAppendLen(dst, g.LastDelivered.Seq)
		if st.version >= 10 {
			read := int64(encStreamInvalidRead)
			if g.EntriesRead != nil {
				read = *g.EntriesRead
			}
			dst = encAppendLen(dst, uint64(read))
		}
		pel := slices.Clone(g.Pending)
		slices.SortFunc(pel, func(a, b canon.Pending) int { return encCompareID(a.ID, b.ID) })
		dst = encAppendLen(dst, uint64(len(pel)))
		for _, p := range pel {
			dst = encAppendRawID(dst, p.ID)
			dst = encAppendMillis(dst, st.nowMs)
			dst = encAppendLen(dst, uint64(p.DeliveryCount))
		}
		// Consumers: the listed ones plus any that only appear as a PEL owner, each with the
		// IDs it owns (walked in step: both lists are sorted by consumer name).
		names := slices.Clone(g.Consumers)
		for _, p := range pel {
			names = append(names, p.Consumer)
		}
		slices.SortFunc(names, bytes.Compare)
		names = slices.CompactFunc(names, bytes.Equal)
		slices.SortStableFunc(pel, func(a, b canon.Pending) int { return bytes.Compare(a.Consumer, b.Consumer) })
		dst = encAppendLen(dst, uint64(len(names)))
		j := 0
		for _, name := range names {
			dst = encAppendString(dst, name, st.lz)
			dst = encAppendMillis(dst, st.nowMs) // seen time
			if st.version >= 11 {
				dst = encAppendMillis(dst, st.nowMs) // active time
			}
			k := j
			for k < len(pel) && bytes.Equal(pel[k].Consumer, name) {
				k++
			}
			dst = encAppendLen(dst, uint64(k-j))
			for ; j < k; j++ {
				dst = encAppendRawID(dst, pel[j].ID)
			}
		}
	}
	if st.version >= 11 {
		return TypeStreamListpacks3, dst, nil
	}
	if st.version == 10 {
		return TypeStreamListpacks2, dst, nil
	}
	return TypeStreamListpacks, dst, nil
}

// encCheckStream rejects what no server holds: entry IDs not strictly increasing, an odd
// field list, a last ID below the last entry, duplicate groups, consumers or pending IDs,
// negative counters.
func encCheckStream(s *canon.Stream) error {
	for i, e := range s.Entries {
		if len(e.Fields)%2 != 0 {
			return encInvalid("stream entry %d-%d has an odd number of fields and values", e.ID.Ms, e.ID.Seq)
		}
		if i > 0 && encCompareID(s.Entries[i-1].ID, e.ID) >= 0 {
			return encInvalid("stream entry IDs not increasing at %d-%d", e.ID.Ms, e.ID.Seq)
		}
		if len(e.Fields) > math.MaxInt32 {
			return encInvalid("stream entry with too many fields")
		}
	}
	if n := len(s.Entries); n > 0 && encCompareID(s.LastID, s.Entries[n-1].ID) < 0 {
		return encInvalid("stream last ID %d-%d below its last entry", s.LastID.Ms, s.LastID.Seq)
	}
	if s.EntriesAdded != nil && *s.EntriesAdded < 0 {
		return encInvalid("negative entries_added")
	}
	names := make([][]byte, 0, len(s.Groups))
	for _, g := range s.Groups {
		names = append(names, g.Name)
		if g.EntriesRead != nil && *g.EntriesRead < 0 && *g.EntriesRead != encStreamInvalidRead {
			return encInvalid("group %q: negative entries_read", g.Name)
		}
		ids := make([]canon.StreamID, 0, len(g.Pending))
		for _, p := range g.Pending {
			if p.DeliveryCount < 0 {
				return encInvalid("group %q: negative delivery count", g.Name)
			}
			ids = append(ids, p.ID)
		}
		slices.SortFunc(ids, encCompareID)
		for i := 1; i < len(ids); i++ {
			if ids[i] == ids[i-1] {
				return encInvalid("group %q: duplicate pending entry %d-%d", g.Name, ids[i].Ms, ids[i].Seq)
			}
		}
		cs := slices.Clone(g.Consumers)
		slices.SortFunc(cs, bytes.Compare)
		for i := 1; i < len(cs); i++ {
			if bytes.Equal(cs[i], cs[i-1]) {
				return encInvalid("group %q: duplicate consumer %q", g.Name, cs[i])
			}
		}
	}
	slices.SortFunc(names, bytes.Compare)
	for i := 1; i < len(names); i++ {
		if bytes.Equal(names[i], names[i-1]) {
			return encInvalid("duplicate consumer group %q", names[i])
		}
	}
	return nil
}
