package keyspace

import (
	"math"
	"sort"
	"strconv"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
)

// RewriteBatch is how many items one rewritten command carries (AOF_REWRITE_ITEMS_PER_CMD).
const RewriteBatch = 64

// AppendRewrite appends the minimal commands that recreate key k on an empty database, the
// way Redis's RESP rewrite does (reference §4.2: SET, RPUSH/SADD/ZADD/HMSET in batches of 64,
// one HMSET + HPEXPIREAT per field of a hash with field TTLs, XADD/XSETID/XGROUP CREATE …
// ENTRIESREAD/XGROUP CREATECONSUMER/XCLAIM for streams, then PEXPIREAT), except that stream
// pending entries whose entry was deleted or trimmed are kept: the entry is re-added for the
// XCLAIM, then deleted again, and the counters are restored with XSETID and XGROUP SETID.
// The caller writes SELECT before a database's keys. Cost: O(size of the value).
func AppendRewrite(dst []byte, k *canon.Key) []byte {
	key := k.Key
	switch k.Type {
	case canon.TypeString:
		dst = aof.AppendCommand(dst, []byte("SET"), key, k.String)
	case canon.TypeList:
		dst = batches(dst, "RPUSH", key, k.List, 1)
	case canon.TypeSet:
		dst = batches(dst, "SADD", key, k.Set, 1)
	case canon.TypeZset:
		dst = rewriteZset(dst, key, k.Zset)
	case canon.TypeHash:
		dst = rewriteHash(dst, key, k.Hash)
	case canon.TypeStream:
		dst = rewriteStream(dst, key, k.Stream)
	}
	if k.ExpireMs >= 0 {
		dst = aof.AppendCommand(dst, []byte("PEXPIREAT"), key, strconv.AppendInt(nil, k.ExpireMs, 10))
	}
	return dst
}

// Redis 7.0's sorted-set encoding limits (zset-max-listpack-entries / -value defaults).
const (
	zsetListpackEntries = 128
	zsetListpackValue   = 64
)

// rewriteZset writes ZADD batches. A -0 score survives a load only in a skiplist: a listpack
// stores it as the integer 0 (zzlInsertAt @ 7.0.15), and a new sorted set starts as a listpack
// unless its first member is long, converting when it grows past the limits. So when the set
// will be a skiplist once loaded (more than zsetListpackEntries members, or a member longer
// than zsetListpackValue) and holds -0 scores, those members are first added with the score 1
// and set to -0 by a last ZADD, when the set is a skiplist (1 → -0 is a change; 0 → -0 would
// not be). A set small enough to load as a listpack holds 0 there, as the server would.
func rewriteZset(dst []byte, key []byte, zs []canon.ZMember) []byte {
	skiplist := len(zs) > zsetListpackEntries
	negZero := 0
	for _, m := range zs {
		skiplist = skiplist || len(m.Member) > zsetListpackValue
		if m.Score == 0 && math.Signbit(m.Score) {
			negZero++
		}
	}
	flat := make([][]byte, 0, 2*len(zs))
	var fix [][]byte
	for _, m := range zs {
		score := []byte(scoreText(m.Score))
		if skiplist && negZero > 0 && m.Score == 0 && math.Signbit(m.Score) {
			score = []byte("1")
			fix = append(fix, []byte("-0"), m.Member)
		}
		flat = append(flat, score, m.Member)
	}
	dst = batches(dst, "ZADD", key, flat, 2)
	return batches(dst, "ZADD", key, fix, 2)
}

// scoreText prints a score so that Redis's parser reads back the same double.
func scoreText(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// batches writes CMD key item… with at most RewriteBatch items (of width values) per command.
func batches(dst []byte, cmd string, key []byte, flat [][]byte, width int) []byte {
	args := make([][]byte, 0, 2+RewriteBatch*width)
	for i := 0; i < len(flat); i += RewriteBatch * width {
		end := i + RewriteBatch*width
		if end > len(flat) {
			end = len(flat)
		}
		args = append(args[:0], []byte(cmd), key)
		args = append(args, flat[i:end]...)
		dst = aof.AppendCommand(dst, args...)
	}
	return dst
}

func rewriteHash(dst []byte, key []byte, fields []canon.HField) []byte {
	ttl := false
	for _, f := range fields {
		if f.ExpireMs >= 0 {
			ttl = true
			break
		}
	}
	if !ttl {
		flat := make([][]byte, 0, 2*len(fields))
		for _, f := range fields {
			flat = append(flat, f.Field, f.Value)
		}
		return batches(dst, "HMSET", key, flat, 2)
	}
	for _, f := range fields {
		dst = aof.AppendCommand(dst, []byte("HMSET"), key, f.Field, f.Value)
		if f.ExpireMs >= 0 {
			dst = aof.AppendCommand(dst, []byte("HPEXPIREAT"), key, strconv.AppendInt(nil, f.ExpireMs, 10), []byte("FIELDS"), []byte("1"), f.Field)
		}
	}
	return dst
}

func idText(id canon.StreamID) []byte { return []byte(id.String()) }

func rewriteStream(dst []byte, key []byte, s *canon.Stream) []byte {
	// Pending entries whose stream entry is gone: re-add them (placeholder fields) so XCLAIM
	// can create their PEL entries, and delete them again afterwards.
	present := make(map[canon.StreamID]bool, len(s.Entries))
	for _, e := range s.Entries {
		present[e.ID] = true
	}
	var dangling []canon.StreamID
	seen := map[canon.StreamID]bool{}
	for _, g := range s.Groups {
		for _, p := range g.Pending {
			if !present[p.ID] && !seen[p.ID] {
				seen[p.ID] = true
				dangling = append(dangling, p.ID)
			}
		}
	}
	sort.Slice(dangling, func(i, j int) bool { return dangling[i].Compare(dangling[j]) < 0 })
	entries := s.Entries
	if len(dangling) > 0 {
		entries = make([]canon.StreamEntry, 0, len(s.Entries)+len(dangling))
		i, j := 0, 0
		for i < len(s.Entries) || j < len(dangling) {
			if j == len(dangling) || (i < len(s.Entries) && s.Entries[i].ID.Compare(dangling[j]) < 0) {
				entries = append(entries, s.Entries[i])
				i++
				continue
			}
			entries = append(entries, canon.StreamEntry{ID: dangling[j], Fields: [][]byte{[]byte("aofkit"), []byte("pending")}})
			j++
		}
	}
	if len(entries) == 0 {
		// An empty stream: create it without entries.
		dst = aof.AppendCommand(dst, []byte("XADD"), key, []byte("MAXLEN"), []byte("0"), []byte("0-1"), []byte("x"), []byte("y"))
	}
	args := make([][]byte, 0, 8)
	for _, e := range entries {
		args = append(args[:0], []byte("XADD"), key, idText(e.ID))
		args = append(args, e.Fields...)
		dst = aof.AppendCommand(dst, args...)
	}
	for _, g := range s.Groups {
		dst = aof.AppendCommand(dst, []byte("XGROUP"), []byte("CREATE"), key, g.Name, idText(g.LastDelivered))
		inPEL := map[string]bool{}
		for _, p := range g.Pending {
			inPEL[string(p.Consumer)] = true
			// XCLAIM key group consumer 0 id TIME 0 RETRYCOUNT n FORCE JUSTID: recreates the
			// PEL entry and its consumer, delivery count exact.
			dst = aof.AppendCommand(dst, []byte("XCLAIM"), key, g.Name, p.Consumer, []byte("0"), idText(p.ID),
				[]byte("RETRYCOUNT"), strconv.AppendInt(nil, p.DeliveryCount, 10), []byte("FORCE"), []byte("JUSTID"))
		}
		for _, c := range g.Consumers {
			if !inPEL[string(c)] {
				dst = aof.AppendCommand(dst, []byte("XGROUP"), []byte("CREATECONSUMER"), key, g.Name, c)
			}
		}
	}
	// Remove the re-added entries again. Those before the first real entry go with one XTRIM,
	// which (unlike XDEL) leaves max_deleted_id alone: it is 0-0 when the entries were only
	// ever trimmed, and XSETID cannot set it back to 0-0 (t_stream.c @ 7.0.15 ignores a zero
	// MAXDELETEDID). The others need XDEL. Still not representable: a deleted entry between
	// real entries with max_deleted_id 0-0, which only a version 9 RDB can leave behind.
	var xdel []canon.StreamID
	if len(dangling) > 0 {
		if len(s.Entries) == 0 {
			dst = aof.AppendCommand(dst, []byte("XTRIM"), key, []byte("MAXLEN"), []byte("="), []byte("0"))
		} else {
			first := s.Entries[0].ID
			trim := false
			for _, id := range dangling {
				if id.Compare(first) < 0 {
					trim = true
				} else {
					xdel = append(xdel, id)
				}
			}
			if trim {
				dst = aof.AppendCommand(dst, []byte("XTRIM"), key, []byte("MINID"), []byte("="), idText(first))
			}
		}
	}
	for _, id := range xdel {
		dst = aof.AppendCommand(dst, []byte("XDEL"), key, idText(id))
	}
	// Counters: last ID, entries added, max deleted ID; then each group's entries_read.
	// XSETID refuses a last ID below the MAXDELETEDID it is given, but a stream can hold one
	// (an XSETID that lowers the last ID of an empty stream keeps max_deleted_id): then the
	// first XSETID sets max_deleted_id with a last ID as high, and a second one (whose zero
	// MAXDELETEDID XSETID ignores) lowers the last ID.
	last := s.LastID
	lower := s.MaxDeletedID != nil && s.MaxDeletedID.Compare(last) > 0
	if lower {
		last = *s.MaxDeletedID
	}
	setid := [][]byte{[]byte("XSETID"), key, idText(last)}
	if s.EntriesAdded != nil {
		setid = append(setid, []byte("ENTRIESADDED"), strconv.AppendInt(nil, *s.EntriesAdded, 10))
	}
	if s.MaxDeletedID != nil {
		setid = append(setid, []byte("MAXDELETEDID"), idText(*s.MaxDeletedID))
	}
	dst = aof.AppendCommand(dst, setid...)
	if lower {
		dst = aof.AppendCommand(dst, []byte("XSETID"), key, idText(s.LastID))
	}
	for _, g := range s.Groups {
		if g.EntriesRead != nil {
			dst = aof.AppendCommand(dst, []byte("XGROUP"), []byte("SETID"), key, g.Name, idText(g.LastDelivered),
				[]byte("ENTRIESREAD"), strconv.AppendInt(nil, *g.EntriesRead, 10))
		}
	}
	return dst
}

// AppendFunctionLoad appends FUNCTION LOAD for each library (written first, before any SELECT).
func AppendFunctionLoad(dst []byte, funcs []canon.Function) []byte {
	for _, f := range funcs {
		dst = aof.AppendCommand(dst, []byte("FUNCTION"), []byte("LOAD"), f.Code)
	}
	return dst
}
