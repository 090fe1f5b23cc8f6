// Package livedump reads the whole dataset of a live Redis or Valkey server (3.2 and later) into
// the canonical form of package canon, doing what shared/tools/keyspace_dump.py does: SCAN every
// database, then per key TYPE, the expiry (PEXPIRETIME on 7.0+, else server TIME + PTTL) and
// the value (GET, LRANGE, SMEMBERS/SSCAN, ZRANGE WITHSCORES, HGETALL/HSCAN plus HPEXPIRETIME on
// 7.4+, XRANGE + XINFO STREAM/GROUPS/CONSUMERS + XPENDING), and FUNCTION LIST WITHCODE on 7.0+.
// Features are detected with COMMAND INFO, as the script detects them with COMMAND.
//
// Large values are read in pages (Options.Chunk elements per reply) rather than one giant
// reply. The dump is not a snapshot: a key written while it runs may be seen before or after.
package livedump

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/redis/go-redis/v9"
)

// Options says what to dump.
type Options struct {
	// DB is the first database to dump.
	DB int
	// DBs is how many databases to dump, starting at DB; 0 means every database the server
	// has from DB on (CONFIG GET databases, 16 when CONFIG is refused).
	DBs int
	// Match is a SCAN MATCH glob; "" dumps every key. Functions are dumped either way.
	Match string
	// Chunk is the page size for SCAN and for reading big values; 0 means 1000.
	Chunk int
}

// ErrReply is wrapped by the errors Dump returns when the server answers with an unexpected
// reply shape (a proxy or an unknown server speaking a different dialect).
var ErrReply = errors.New("livedump: unexpected reply")

// KeyError is a failure while reading one key (or one database when Key is nil).
type KeyError struct {
	DB  int
	Key []byte
	Op  string // the command that failed
	Err error
}

func (e *KeyError) Error() string {
	if e.Key == nil {
		return fmt.Sprintf("livedump: db %d: %s: %v", e.DB, e.Op, e.Err)
	}
	return fmt.Sprintf("livedump: db %d key %q: %s: %v", e.DB, e.Key, e.Op, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// Dump reads the dataset selected by opt: keys sorted by (db, raw key), each normalized (see
// canon.Normalize), and the function libraries. Keys that vanish between SCAN and reading
// (deleted or expired meanwhile) are left out. It uses one dedicated connection of c (SELECT
// does not leak into c's pool). Cost: one SCAN pass per database holding every key name of
// that database in memory, a few round trips per key (pipelined per batch of keys for
// TYPE/expiry), and the whole dataset in memory; use Walk to stream keys instead. Errors: the
// context's error, network errors, or *KeyError (wrapping ErrReply or the server's error).
func Dump(ctx context.Context, c *redis.Client, opt Options) ([]canon.Key, []canon.Function, error) {
	var keys []canon.Key
	funcs, err := Walk(ctx, c, opt, func(k *canon.Key) error {
		keys = append(keys, *k)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return keys, funcs, nil
}

// Walk is Dump without holding the dataset: fn receives each key in (db, raw key) order (the
// *Key is fn's to keep), and Walk returns the function libraries at the end. An error from
// fn stops the walk and is returned as is. Cost: key names of one database at a time, plus
// one key's value.
func Walk(ctx context.Context, c *redis.Client, opt Options, fn func(*canon.Key) error) ([]canon.Function, error) {
	if opt.Chunk <= 0 {
		opt.Chunk = 1000
	}
	conn := c.Conn()
	defer conn.Close()
	d := &dumper{ctx: ctx, conn: conn, opt: opt}
	if err := d.detect(); err != nil {
		return nil, err
	}
	last := opt.DB + opt.DBs
	if opt.DBs <= 0 {
		last = d.databases()
	}
	for db := opt.DB; db < last; db++ {
		if _, err := conn.Do(ctx, "SELECT", db).Result(); err != nil {
			if db > 0 && strings.Contains(strings.ToLower(err.Error()), "cluster") {
				break // cluster mode: only db 0 exists
			}
			return nil, &KeyError{DB: db, Op: "SELECT", Err: err}
		}
		if err := d.dumpDB(db, fn); err != nil {
			return nil, err
		}
	}
	if !d.hasFunctions {
		return nil, nil
	}
	return d.functions()
}

type dumper struct {
	ctx                        context.Context
	conn                       *redis.Conn
	opt                        Options
	hasExpireTime, hasFieldTTL bool
	hasFunctions               bool
	db                         int
}

func (d *dumper) do(key []byte, args ...any) (any, error) {
	v, err := d.conn.Do(d.ctx, args...).Result()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, &KeyError{DB: d.db, Key: key, Op: fmt.Sprint(args[0]), Err: err}
	}
	return v, nil
}

func (d *dumper) badReply(key []byte, op string, v any) error {
	return &KeyError{DB: d.db, Key: key, Op: op, Err: fmt.Errorf("%w: %T %.200v", ErrReply, v, v)}
}

// detect asks COMMAND INFO which of the commands the schema depends on exist.
func (d *dumper) detect() error {
	v, err := d.do(nil, "COMMAND", "INFO", "pexpiretime", "hpexpiretime", "function")
	if err != nil {
		return err
	}
	l, ok := v.([]any)
	if !ok || len(l) != 3 {
		return d.badReply(nil, "COMMAND INFO", v)
	}
	d.hasExpireTime, d.hasFieldTTL, d.hasFunctions = l[0] != nil, l[1] != nil, l[2] != nil
	return nil
}

func (d *dumper) databases() int {
	v, err := d.conn.Do(d.ctx, "CONFIG", "GET", "databases").Result()
	if err == nil {
		switch r := v.(type) {
		case []any:
			if len(r) == 2 {
				if n, err := strconv.Atoi(fmt.Sprint(r[1])); err == nil && n > 0 {
					return n
				}
			}
		case map[any]any: // RESP3
			if n, err := strconv.Atoi(fmt.Sprint(r["databases"])); err == nil && n > 0 {
				return n
			}
		}
	}
	return 16
}

func (d *dumper) dumpDB(db int, fn func(*canon.Key) error) error {
	d.db = db
	names := map[string]struct{}{}
	cursor := "0"
	for {
		args := []any{"SCAN", cursor}
		if d.opt.Match != "" {
			args = append(args, "MATCH", d.opt.Match)
		}
		args = append(args, "COUNT", d.opt.Chunk)
		v, err := d.do(nil, args...)
		if err != nil {
			return err
		}
		l, ok := v.([]any)
		if !ok || len(l) != 2 {
			return d.badReply(nil, "SCAN", v)
		}
		batch, ok := l[1].([]any)
		cur, ok2 := l[0].(string)
		if !ok || !ok2 {
			return d.badReply(nil, "SCAN", v)
		}
		for _, k := range batch {
			s, ok := k.(string)
			if !ok {
				return d.badReply(nil, "SCAN", v)
			}
			names[s] = struct{}{}
		}
		if cur == "0" {
			break
		}
		cursor = cur
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	const batch = 128
	for i := 0; i < len(sorted); i += batch {
		part := sorted[i:min(i+batch, len(sorted))]
		heads, err := d.heads(part)
		if err != nil {
			return err
		}
		// One pipeline for the first page of every key's value; big values continue alone.
		var keys []*canon.Key
		var cmds [][]any
		var owners [][]byte
		for j, name := range part {
			h := heads[j]
			if h.typ == "none" {
				continue
			}
			k := &canon.Key{DB: db, Key: []byte(name), Type: h.typ, ExpireMs: h.expire}
			keys = append(keys, k)
			if c := d.firstPage(k); c != nil {
				cmds = append(cmds, c)
				owners = append(owners, k.Key)
			}
		}
		replies, err := d.pipeline(owners, cmds)
		if err != nil {
			return err
		}
		r := 0
		for _, k := range keys {
			var first any
			if d.firstPage(k) != nil {
				first = replies[r]
				r++
			}
			present, err := d.value(k, first)
			if err != nil {
				return err
			}
			if !present {
				continue
			}
			canon.Normalize(k)
			if err := fn(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// pipeline runs cmds in one round trip and returns each reply (nil for a nil reply). keys
// name the key of each command, for errors.
func (d *dumper) pipeline(keys [][]byte, cmds [][]any) ([]any, error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	out := make([]*redis.Cmd, len(cmds))
	_, _ = d.conn.Pipelined(d.ctx, func(p redis.Pipeliner) error {
		for i, c := range cmds {
			out[i] = p.Do(d.ctx, c...)
		}
		return nil
	})
	vals := make([]any, len(cmds))
	for i, c := range out {
		v, err := c.Result()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			return nil, &KeyError{DB: d.db, Key: keys[i], Op: fmt.Sprint(cmds[i][0]), Err: err}
		}
		vals[i] = v
	}
	return vals, nil
}

type head struct {
	typ    string
	expire int64
}

// heads reads TYPE and the absolute expiry of a batch of keys in one pipeline.
func (d *dumper) heads(names []string) ([]head, error) {
	per := 2
	if !d.hasExpireTime {
		per = 3
	}
	cmds := make([][]any, 0, per*len(names))
	owners := make([][]byte, 0, per*len(names))
	for _, n := range names {
		cmds = append(cmds, []any{"TYPE", n})
		if d.hasExpireTime {
			cmds = append(cmds, []any{"PEXPIRETIME", n})
		} else {
			cmds = append(cmds, []any{"PTTL", n}, []any{"TIME"})
		}
		for i := 0; i < per; i++ {
			owners = append(owners, []byte(n))
		}
	}
	vals, err := d.pipeline(owners, cmds)
	if err != nil {
		return nil, err
	}
	out := make([]head, len(names))
	for i, n := range names {
		c := vals[i*per : i*per+per]
		typ, ok := c[0].(string)
		if !ok {
			return nil, d.badReply([]byte(n), "TYPE", c[0])
		}
		h := head{typ: typ, expire: canon.NoExpiry}
		if d.hasExpireTime {
			at, ok := c[1].(int64)
			if !ok {
				return nil, d.badReply([]byte(n), "PEXPIRETIME", c[1])
			}
			if at >= 0 {
				h.expire = at
			}
		} else {
			ttl, ok := c[1].(int64)
			t, ok2 := c[2].([]any)
			if !ok || !ok2 || len(t) != 2 {
				return nil, d.badReply([]byte(n), "PTTL/TIME", c[1:])
			}
			sec, err1 := strconv.ParseInt(fmt.Sprint(t[0]), 10, 64)
			usec, err2 := strconv.ParseInt(fmt.Sprint(t[1]), 10, 64)
			if err1 != nil || err2 != nil {
				return nil, d.badReply([]byte(n), "TIME", t)
			}
			if ttl >= 0 {
				h.expire = sec*1000 + usec/1000 + ttl
			}
		}
		out[i] = h
	}
	return out, nil
}

// firstPage is the command that reads the first page of k's value, or nil for types read
// otherwise (streams) or not at all (module types).
func (d *dumper) firstPage(k *canon.Key) []any {
	key := string(k.Key)
	switch k.Type {
	case canon.TypeString:
		return []any{"GET", key}
	case canon.TypeList:
		return []any{"LRANGE", key, 0, d.opt.Chunk - 1}
	case canon.TypeZset:
		return []any{"ZRANGE", key, 0, d.opt.Chunk - 1, "WITHSCORES"}
	case canon.TypeSet:
		return []any{"SSCAN", key, "0", "COUNT", d.opt.Chunk}
	case canon.TypeHash:
		return []any{"HSCAN", key, "0", "COUNT", d.opt.Chunk}
	}
	return nil
}

// value fills k's value from the reply to firstPage (first) and further pages. It reports
// false when the key vanished meanwhile.
func (d *dumper) value(k *canon.Key, first any) (bool, error) {
	key := string(k.Key)
	switch k.Type {
	case canon.TypeString:
		if first == nil {
			return false, nil
		}
		s, ok := first.(string)
		if !ok {
			return false, d.badReply(k.Key, "GET", first)
		}
		k.String = []byte(s)
	case canon.TypeList:
		reply := first
		for start := 0; ; start += d.opt.Chunk {
			if start > 0 {
				var err error
				if reply, err = d.do(k.Key, "LRANGE", key, start, start+d.opt.Chunk-1); err != nil {
					return false, err
				}
			}
			l, err := d.toStrings(k.Key, "LRANGE", reply)
			if err != nil {
				return false, err
			}
			k.List = append(k.List, l...)
			if len(l) < d.opt.Chunk {
				break
			}
		}
		if len(k.List) == 0 {
			return false, nil
		}
	case canon.TypeZset:
		reply := first
		for start := 0; ; start += d.opt.Chunk {
			if start > 0 {
				var err error
				if reply, err = d.do(k.Key, "ZRANGE", key, start, start+d.opt.Chunk-1, "WITHSCORES"); err != nil {
					return false, err
				}
			}
			l, err := d.toStrings(k.Key, "ZRANGE", reply)
			if err != nil {
				return false, err
			}
			if len(l)%2 != 0 {
				return false, d.badReply(k.Key, "ZRANGE", reply)
			}
			for i := 0; i < len(l); i += 2 {
				f, err := canon.ParseScore(string(l[i+1]))
				if err != nil {
					return false, &KeyError{DB: d.db, Key: k.Key, Op: "ZRANGE", Err: err}
				}
				k.Zset = append(k.Zset, canon.ZMember{Member: l[i], Score: f})
			}
			if len(l) < 2*d.opt.Chunk {
				break
			}
		}
		if len(k.Zset) == 0 {
			return false, nil
		}
	case canon.TypeSet:
		l, err := d.scan(k.Key, "SSCAN", 1, first)
		if err != nil || len(l) == 0 {
			return false, err
		}
		k.Set = l
	case canon.TypeHash:
		l, err := d.scan(k.Key, "HSCAN", 2, first)
		if err != nil || len(l) == 0 {
			return false, err
		}
		k.Hash = make([]canon.HField, 0, len(l)/2)
		for i := 0; i+1 < len(l); i += 2 {
			k.Hash = append(k.Hash, canon.HField{Field: l[i], Value: l[i+1], ExpireMs: canon.NoExpiry})
		}
		if d.hasFieldTTL {
			if err := d.fieldTTLs(k); err != nil {
				return false, err
			}
		}
	case canon.TypeStream:
		return d.stream(k)
	}
	return true, nil
}

// toStrings converts an array-of-bulk-strings reply (nil: empty).
func (d *dumper) toStrings(key []byte, op string, v any) ([][]byte, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, d.badReply(key, op, v)
	}
	out := make([][]byte, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, d.badReply(key, op, v)
		}
		out[i] = []byte(s)
	}
	return out, nil
}

// scan reads a set (width 1) or hash (width 2) with SSCAN / HSCAN, given the reply to the
// first call (cursor 0). A value that fits one page (every small encoding) takes that one
// call; a bigger one is read page by page, dropping the duplicates SCAN may return.
func (d *dumper) scan(key []byte, op string, width int, reply any) ([][]byte, error) {
	var out [][]byte
	var seen map[string]struct{}
	for {
		l, ok := reply.([]any)
		if !ok || len(l) != 2 {
			return nil, d.badReply(key, op, reply)
		}
		cur, ok1 := l[0].(string)
		items, ok2 := l[1].([]any)
		if !ok1 || !ok2 || len(items)%width != 0 {
			return nil, d.badReply(key, op, reply)
		}
		if cur != "0" && seen == nil {
			seen = make(map[string]struct{})
		}
		for i := 0; i < len(items); i += width {
			first, ok := items[i].(string)
			if !ok {
				return nil, d.badReply(key, op, reply)
			}
			if seen != nil {
				if _, dup := seen[first]; dup {
					continue
				}
				seen[first] = struct{}{}
			}
			out = append(out, []byte(first))
			if width == 2 {
				s, ok := items[i+1].(string)
				if !ok {
					return nil, d.badReply(key, op, reply)
				}
				out = append(out, []byte(s))
			}
		}
		if cur == "0" {
			return out, nil
		}
		var err error
		if reply, err = d.do(key, op, string(key), cur, "COUNT", d.opt.Chunk); err != nil {
			return nil, err
		}
	}
}

// fieldTTLs asks HPEXPIRETIME (7.4+) for every field, a page at a time.
func (d *dumper) fieldTTLs(k *canon.Key) error {
	for start := 0; start < len(k.Hash); start += d.opt.Chunk {
		part := k.Hash[start:min(start+d.opt.Chunk, len(k.Hash))]
		args := []any{"HPEXPIRETIME", string(k.Key), "FIELDS", len(part)}
		for _, h := range part {
			args = append(args, string(h.Field))
		}
		v, err := d.do(k.Key, args...)
		if err != nil {
			return err
		}
		l, ok := v.([]any)
		if !ok || len(l) != len(part) {
			return d.badReply(k.Key, "HPEXPIRETIME", v)
		}
		for i, x := range l {
			t, ok := x.(int64)
			if !ok {
				return d.badReply(k.Key, "HPEXPIRETIME", v)
			}
			if t >= 0 {
				part[i].ExpireMs = t
			}
		}
	}
	return nil
}

// infoMap turns a flat [name, value, ...] reply into a map.
func infoMap(v any) (map[string]any, bool) {
	switch r := v.(type) {
	case []any:
		if len(r)%2 != 0 {
			return nil, false
		}
		m := make(map[string]any, len(r)/2)
		for i := 0; i < len(r); i += 2 {
			name, ok := r[i].(string)
			if !ok {
				return nil, false
			}
			m[name] = r[i+1]
		}
		return m, true
	case map[any]any:
		m := make(map[string]any, len(r))
		for k, x := range r {
			name, ok := k.(string)
			if !ok {
				return nil, false
			}
			m[name] = x
		}
		return m, true
	}
	return nil, false
}

func nextID(id canon.StreamID) (canon.StreamID, bool) {
	if id.Seq < math.MaxUint64 {
		return canon.StreamID{Ms: id.Ms, Seq: id.Seq + 1}, true
	}
	if id.Ms < math.MaxUint64 {
		return canon.StreamID{Ms: id.Ms + 1}, true
	}
	return id, false
}

func (d *dumper) stream(k *canon.Key) (bool, error) {
	key := string(k.Key)
	st := &canon.Stream{}
	// Entries, a page at a time; the next page starts just after the last ID read (works on
	// 5.0, which has no exclusive "(" ranges).
	start := "-"
	for {
		v, err := d.do(k.Key, "XRANGE", key, start, "+", "COUNT", d.opt.Chunk)
		if err != nil {
			return false, err
		}
		l, ok := v.([]any)
		if !ok {
			return false, d.badReply(k.Key, "XRANGE", v)
		}
		for _, x := range l {
			e, err := d.entry(k.Key, x)
			if err != nil {
				return false, err
			}
			st.Entries = append(st.Entries, e)
		}
		if len(l) < d.opt.Chunk {
			break
		}
		next, ok := nextID(st.Entries[len(st.Entries)-1].ID)
		if !ok {
			break
		}
		start = next.String()
	}
	v, err := d.do(k.Key, "XINFO", "STREAM", key)
	if err != nil {
		return false, err
	}
	info, ok := infoMap(v)
	if !ok {
		return false, d.badReply(k.Key, "XINFO STREAM", v)
	}
	if st.LastID, err = d.id(k.Key, "XINFO STREAM", info["last-generated-id"]); err != nil {
		return false, err
	}
	if x, ok := info["max-deleted-entry-id"]; ok && x != nil {
		id, err := d.id(k.Key, "XINFO STREAM", x)
		if err != nil {
			return false, err
		}
		st.MaxDeletedID = &id
	}
	if st.EntriesAdded, err = d.optInt(k.Key, "XINFO STREAM", info["entries-added"]); err != nil {
		return false, err
	}
	v, err = d.do(k.Key, "XINFO", "GROUPS", key)
	if err != nil {
		return false, err
	}
	groups, ok := v.([]any)
	if !ok && v != nil {
		return false, d.badReply(k.Key, "XINFO GROUPS", v)
	}
	for _, x := range groups {
		g, err := d.group(k.Key, x)
		if err != nil {
			return false, err
		}
		st.Groups = append(st.Groups, g)
	}
	k.Stream = st
	return true, nil
}

func (d *dumper) entry(key []byte, x any) (canon.StreamEntry, error) {
	e, ok := x.([]any)
	if !ok || len(e) != 2 {
		return canon.StreamEntry{}, d.badReply(key, "XRANGE", x)
	}
	id, err := d.id(key, "XRANGE", e[0])
	if err != nil {
		return canon.StreamEntry{}, err
	}
	fl, ok := e[1].([]any)
	if !ok && e[1] != nil {
		return canon.StreamEntry{}, d.badReply(key, "XRANGE", x)
	}
	out := canon.StreamEntry{ID: id, Fields: make([][]byte, len(fl))}
	for i, f := range fl {
		s, ok := f.(string)
		if !ok {
			return canon.StreamEntry{}, d.badReply(key, "XRANGE", x)
		}
		out.Fields[i] = []byte(s)
	}
	return out, nil
}

func (d *dumper) id(key []byte, op string, x any) (canon.StreamID, error) {
	s, ok := x.(string)
	if !ok {
		return canon.StreamID{}, d.badReply(key, op, x)
	}
	id, err := canon.ParseStreamID(s)
	if err != nil {
		return id, &KeyError{DB: d.db, Key: key, Op: op, Err: fmt.Errorf("%w: %w", ErrReply, err)}
	}
	return id, nil
}

func (d *dumper) optInt(key []byte, op string, x any) (*int64, error) {
	if x == nil {
		return nil, nil
	}
	n, ok := x.(int64)
	if !ok {
		return nil, d.badReply(key, op, x)
	}
	return &n, nil
}

func (d *dumper) group(key []byte, x any) (canon.Group, error) {
	info, ok := infoMap(x)
	if !ok {
		return canon.Group{}, d.badReply(key, "XINFO GROUPS", x)
	}
	nameS, ok := info["name"].(string)
	if !ok {
		return canon.Group{}, d.badReply(key, "XINFO GROUPS", x)
	}
	g := canon.Group{Name: []byte(nameS)}
	var err error
	if g.LastDelivered, err = d.id(key, "XINFO GROUPS", info["last-delivered-id"]); err != nil {
		return g, err
	}
	if g.EntriesRead, err = d.optInt(key, "XINFO GROUPS", info["entries-read"]); err != nil {
		return g, err
	}
	v, err := d.do(key, "XINFO", "CONSUMERS", string(key), nameS)
	if err != nil {
		return g, err
	}
	cl, ok := v.([]any)
	if !ok && v != nil {
		return g, d.badReply(key, "XINFO CONSUMERS", v)
	}
	for _, c := range cl {
		m, ok := infoMap(c)
		name, ok2 := m["name"].(string)
		if !ok || !ok2 {
			return g, d.badReply(key, "XINFO CONSUMERS", c)
		}
		g.Consumers = append(g.Consumers, []byte(name))
	}
	start := "-"
	for {
		v, err := d.do(key, "XPENDING", string(key), nameS, start, "+", d.opt.Chunk)
		if err != nil {
			return g, err
		}
		pl, ok := v.([]any)
		if !ok && v != nil {
			return g, d.badReply(key, "XPENDING", v)
		}
		for _, p := range pl {
			e, ok := p.([]any)
			if !ok || len(e) != 4 {
				return g, d.badReply(key, "XPENDING", p)
			}
			id, err := d.id(key, "XPENDING", e[0])
			if err != nil {
				return g, err
			}
			consumer, ok1 := e[1].(string)
			count, ok2 := e[3].(int64)
			if !ok1 || !ok2 {
				return g, d.badReply(key, "XPENDING", p)
			}
			g.Pending = append(g.Pending, canon.Pending{ID: id, Consumer: []byte(consumer), DeliveryCount: count})
		}
		if len(pl) < d.opt.Chunk {
			break
		}
		next, ok := nextID(g.Pending[len(g.Pending)-1].ID)
		if !ok {
			break
		}
		start = next.String()
	}
	return g, nil
}

func (d *dumper) functions() ([]canon.Function, error) {
	d.db = -1
	v, err := d.do(nil, "FUNCTION", "LIST", "WITHCODE")
	if err != nil {
		return nil, err
	}
	libs, ok := v.([]any)
	if !ok && v != nil {
		return nil, d.badReply(nil, "FUNCTION LIST", v)
	}
	var out []canon.Function
	for _, l := range libs {
		m, ok := infoMap(l)
		if !ok {
			return nil, d.badReply(nil, "FUNCTION LIST", l)
		}
		name, ok1 := m["library_name"].(string)
		engine, ok2 := m["engine"].(string)
		code, ok3 := m["library_code"].(string)
		if !ok1 || !ok2 || !ok3 {
			return nil, d.badReply(nil, "FUNCTION LIST", l)
		}
		out = append(out, canon.Function{Name: []byte(name), Engine: []byte(engine), Code: []byte(code)})
	}
	return out, nil
}

// ParseURL parses redis://[user:pass@]host:port[/db] (rediss:// for TLS; a bare host:port is
// taken as redis://host:port) into go-redis options with RESP2. When the URL carries no
// password, the environment variable REDISCLI_AUTH supplies it (as redis-cli does), so
// credentials need not appear on a command line. Errors: go-redis's URL parsing errors.
func ParseURL(s string) (*redis.Options, error) {
	if !strings.Contains(s, "://") {
		s = "redis://" + s
	}
	o, err := redis.ParseURL(s)
	if err != nil {
		return nil, err
	}
	if o.Password == "" {
		o.Password = os.Getenv("REDISCLI_AUTH")
	}
	o.Protocol = 2
	o.DisableIdentity = true
	return o, nil
}
