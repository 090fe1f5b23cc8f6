package canon

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
)

// DiffOptions tunes Diff.
type DiffOptions struct {
	// TTLSlackMs is the allowed difference between two key expiry times when both are set
	// (dumps of servers before 7.0 derive expire_ms from TIME + PTTL). Field TTLs are exact.
	TTLSlackMs int64
}

// Diff compares two datasets by meaning, with the rules of shared/tools/jsonl_diff.py: key
// order and the order of set members, hash fields, groups, consumers and pending entries do
// not matter; sorted-set scores compare as numbers (0 and -0 are equal); stream counters that
// the expected side did not report (nil EntriesAdded, MaxDeletedID, or a group's EntriesRead)
// are not compared; expiry times may differ by opt.TTLSlackMs; everything else exactly.
// It returns one message per difference, in (db, key) order, worded as jsonl_diff.py words
// them ("db 0 key \"k\": missing", "... value differs: expected ..., got ...", "functions
// differ: ..."); none means the datasets are the same. A key present twice on one side is
// reported too. Inputs are not modified. Cost: O(total size) plus sorting.
func Diff(expected, actual []Key, ef, af []Function, opt DiffOptions) []string {
	var diffs []string
	em, dupE := index(expected)
	am, dupA := index(actual)
	for _, d := range dupE {
		diffs = append(diffs, fmt.Sprintf("db %d key %s: present twice in expected", d.DB, jsonKey(d.Key)))
	}
	for _, d := range dupA {
		diffs = append(diffs, fmt.Sprintf("db %d key %s: present twice in actual", d.DB, jsonKey(d.Key)))
	}
	type ref struct {
		db   int
		name string // jsonl_diff's sort key: json.dumps(key)
		raw  string
	}
	var all []ref
	for id, k := range em {
		all = append(all, ref{id.db, jsonKey(k.Key), id.key})
	}
	for id, k := range am {
		if _, ok := em[id]; !ok {
			all = append(all, ref{id.db, jsonKey(k.Key), id.key})
		}
	}
	slices.SortFunc(all, func(a, b ref) int {
		if c := cmp.Compare(a.db, b.db); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	for _, r := range all {
		id := keyID{r.db, r.raw}
		e, g := em[id], am[id]
		switch {
		case e == nil:
			diffs = append(diffs, fmt.Sprintf("db %d key %s: not expected, but present", r.db, r.name))
			continue
		case g == nil:
			diffs = append(diffs, fmt.Sprintf("db %d key %s: missing", r.db, r.name))
			continue
		}
		e, g = diffNorm(e), diffNorm(g)
		unreported(e, g)
		if e.Type != g.Type {
			diffs = append(diffs, differs(r.db, r.name, "type",
				string(appendPyString(nil, []byte(e.Type), true)), string(appendPyString(nil, []byte(g.Type), true))))
		}
		if e.ExpireMs != g.ExpireMs {
			both := e.ExpireMs >= 0 && g.ExpireMs >= 0
			if !both || abs64(e.ExpireMs-g.ExpireMs) > opt.TTLSlackMs {
				diffs = append(diffs, differs(r.db, r.name, "expire_ms",
					string(appendExpire(nil, e.ExpireMs)), string(appendExpire(nil, g.ExpireMs))))
			}
		}
		ev, gv := appendValue(nil, e, true), appendValue(nil, g, true)
		if !bytes.Equal(ev, gv) {
			diffs = append(diffs, differs(r.db, r.name, "value", string(ev), string(gv)))
		}
	}
	es, as := appendFunctionList(ef), appendFunctionList(af)
	if !bytes.Equal(es, as) {
		diffs = append(diffs, fmt.Sprintf("functions differ: expected %s, got %s", trunc(string(es)), trunc(string(as))))
	}
	return diffs
}

type keyID struct {
	db  int
	key string
}

func index(keys []Key) (map[keyID]*Key, []*Key) {
	m := make(map[keyID]*Key, len(keys))
	var dups []*Key
	for i := range keys {
		id := keyID{keys[i].DB, string(keys[i].Key)}
		if _, ok := m[id]; ok {
			dups = append(dups, &keys[i])
			continue
		}
		m[id] = &keys[i]
	}
	return m, dups
}

func differs(db int, name, field, e, g string) string {
	return fmt.Sprintf("db %d key %s: %s differs: expected %s, got %s", db, name, field, trunc(e), trunc(g))
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// diffNorm returns a normalized copy of k whose zero scores are all +0 (Python: -0.0 == 0.0).
func diffNorm(k *Key) *Key {
	c := cloneShallow(k)
	for i := range c.Zset {
		if c.Zset[i].Score == 0 {
			c.Zset[i].Score = 0
		}
	}
	Normalize(c)
	return c
}

// unreported copies into e (a private copy) the stream counters its source did not report, so
// they compare equal.
func unreported(e, g *Key) {
	if e.Type != TypeStream || e.Stream == nil || g.Stream == nil {
		return
	}
	if e.Stream.EntriesAdded == nil {
		e.Stream.EntriesAdded = g.Stream.EntriesAdded
	}
	if e.Stream.MaxDeletedID == nil {
		e.Stream.MaxDeletedID = g.Stream.MaxDeletedID
	}
	for i := range e.Stream.Groups {
		x := &e.Stream.Groups[i]
		if x.EntriesRead != nil {
			continue
		}
		for j := range g.Stream.Groups {
			if bytes.Equal(g.Stream.Groups[j].Name, x.Name) {
				x.EntriesRead = g.Stream.Groups[j].EntriesRead
				break
			}
		}
	}
}

// appendFunctionList is the functions as a JSON list (ASCII), sorted by every field so that
// equal multisets print equally.
func appendFunctionList(fs []Function) []byte {
	fs = slices.Clone(fs)
	slices.SortFunc(fs, func(a, b Function) int {
		if c := bytes.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := bytes.Compare(a.Engine, b.Engine); c != 0 {
			return c
		}
		return bytes.Compare(a.Code, b.Code)
	})
	dst := []byte{'['}
	for i, f := range fs {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, `{"code": `...)
		dst = appendBytes(dst, f.Code, true)
		dst = append(dst, `, "engine": `...)
		dst = appendBytes(dst, f.Engine, true)
		dst = append(dst, `, "name": `...)
		dst = appendBytes(dst, f.Name, true)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}
