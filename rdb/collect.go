package rdb

import (
	"github.com/aofkit/aofkit/internal/canon"
)

// Materialising helpers: whole keys as internal/canon values, for callers that want them
// (dump, compact, tests). They hold one key (Collect: every key) in memory.

// Collect decodes the RDB at the start of data (at file offset base) into canonical keys in
// file order, and the function libraries. The keys own their bytes (nothing points into data).
// Semantics are those of a server that loaded the file: expiry and hash field TTLs absolute
// ms (canon.NoExpiry when none), scores float64, stream counters nil where the stream
// encoding lacks them (type 15) or stores them as unknown. Keys with an empty aggregate (the
// server skips them) and module keys (no canonical form; counted in Info.ModuleKeys) are left
// out. Cost: memory proportional to the dataset. Errors: as Decode.
func Collect(data []byte, base int64, opt Options) ([]canon.Key, []canon.Function, *Info, error) {
	var keys []canon.Key
	funcs, info, err := CollectFunc(data, base, opt, func(k *canon.Key) error {
		keys = append(keys, *k)
		return nil
	})
	return keys, funcs, info, err
}

// CollectFunc is Collect calling fn with each key instead of keeping them, so that memory is
// bounded by the largest key. The key and its bytes are fn's to keep. An error from fn stops
// decoding and is returned unchanged.
func CollectFunc(data []byte, base int64, opt Options, fn func(k *canon.Key) error) ([]canon.Function, *Info, error) {
	c := &collector{fn: fn}
	info, err := Decode(data, base, c, opt)
	return c.funcs, info, err
}

// CollectPayload decodes a DUMP payload into a canonical key (DB 0, nil name, no expiry), or
// a FUNCTION DUMP payload into function libraries. The key is nil for a FUNCTION DUMP payload
// and for a module value (no canonical form). It returns the payload's RDB version. Errors:
// as DecodePayload.
func CollectPayload(p []byte, opt Options) (*canon.Key, []canon.Function, int, error) {
	var got *canon.Key
	c := &collector{fn: func(k *canon.Key) error { got = k; return nil }, payload: true}
	ver, err := DecodePayload(p, c, opt)
	return got, c.funcs, ver, err
}

// collector builds canon values from decoder events.
type collector struct {
	NopHandler
	fn      func(k *canon.Key) error
	payload bool
	funcs   []canon.Function

	k        *canon.Key
	mem      byteArena
	skip     bool
	group    *canon.Group
	pending  map[StreamID]int // group PEL index by ID
	consumer []byte
}

// byteArena copies byte strings into shared blocks to avoid one allocation per element.
type byteArena struct{ block []byte }

func (a *byteArena) copy(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	if len(b) > 4<<10 {
		return append([]byte(nil), b...)
	}
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, 64<<10)
	}
	l := len(a.block)
	a.block = append(a.block, b...)
	return a.block[l:len(a.block):len(a.block)]
}

func (c *collector) Function(code []byte) error {
	name, engine, _ := ParseLibraryHeader(code)
	c.funcs = append(c.funcs, canon.Function{Name: name, Engine: engine, Code: append([]byte(nil), code...)})
	return nil
}

func (c *collector) BeginKey(k *KeyInfo) error {
	c.skip = k.Kind == "module"
	c.k = &canon.Key{DB: k.DB, Key: c.mem.copy(k.Key), Type: k.Kind, ExpireMs: k.ExpireMs}
	if k.Key == nil {
		c.k.Key = nil
	}
	if k.Kind == canon.TypeStream {
		c.k.Stream = &canon.Stream{}
	}
	c.group, c.pending, c.consumer = nil, nil, nil
	return nil
}

func (c *collector) StringValue(v []byte) error {
	c.k.String = c.mem.copy(v)
	return nil
}

func (c *collector) ListItems(items [][]byte) error {
	for _, it := range items {
		c.k.List = append(c.k.List, c.mem.copy(it))
	}
	return nil
}

func (c *collector) SetMembers(members [][]byte) error {
	for _, m := range members {
		c.k.Set = append(c.k.Set, c.mem.copy(m))
	}
	return nil
}

func (c *collector) ZsetMembers(members []ZMember) error {
	for _, m := range members {
		c.k.Zset = append(c.k.Zset, canon.ZMember{Member: c.mem.copy(m.Member), Score: m.Score})
	}
	return nil
}

func (c *collector) HashFields(fields []HashField) error {
	for _, f := range fields {
		c.k.Hash = append(c.k.Hash, canon.HField{Field: c.mem.copy(f.Field), Value: c.mem.copy(f.Value), ExpireMs: f.ExpireMs})
	}
	return nil
}

func (c *collector) StreamEntries(entries []StreamEntry) error {
	s := c.k.Stream
	for _, e := range entries {
		fs := make([][]byte, len(e.Fields))
		for i, f := range e.Fields {
			fs[i] = c.mem.copy(f)
		}
		s.Entries = append(s.Entries, canon.StreamEntry{ID: e.ID, Fields: fs})
	}
	return nil
}

func (c *collector) StreamMeta(m *StreamMeta) error {
	s := c.k.Stream
	s.LastID = m.LastID
	if m.V2 {
		md := m.MaxDeletedID
		s.MaxDeletedID = &md
		ea := int64(m.EntriesAdded)
		s.EntriesAdded = &ea
	}
	return nil
}

func (c *collector) StreamGroup(g *StreamGroup) error {
	s := c.k.Stream
	cg := canon.Group{Name: c.mem.copy(g.Name), LastDelivered: g.LastDelivered, Consumers: [][]byte{}, Pending: []canon.Pending{}}
	if g.EntriesRead >= 0 {
		er := g.EntriesRead
		cg.EntriesRead = &er
	}
	s.Groups = append(s.Groups, cg)
	c.group = &s.Groups[len(s.Groups)-1]
	c.pending = make(map[StreamID]int)
	c.consumer = nil
	return nil
}

func (c *collector) StreamPending(nacks []StreamNACK) error {
	for _, n := range nacks {
		c.pending[n.ID] = len(c.group.Pending)
		c.group.Pending = append(c.group.Pending, canon.Pending{ID: n.ID, DeliveryCount: int64(n.DeliveryCount)})
	}
	return nil
}

func (c *collector) StreamConsumer(sc *StreamConsumer) error {
	c.consumer = c.mem.copy(sc.Name)
	c.group.Consumers = append(c.group.Consumers, c.consumer)
	return nil
}

func (c *collector) StreamConsumerPending(ids []StreamID) error {
	for _, id := range ids {
		if i, ok := c.pending[id]; ok {
			c.group.Pending[i].Consumer = c.consumer
		}
	}
	return nil
}

func (c *collector) EndKey(k *KeyInfo) error {
	key := c.k
	c.k, c.group, c.pending = nil, nil, nil
	if c.skip {
		return nil
	}
	if k.Elements == 0 && k.Kind != canon.TypeString && k.Kind != canon.TypeStream && !c.payload {
		return nil // an empty aggregate: the server skips it on load
	}
	return c.fn(key)
}
