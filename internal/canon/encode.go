package canon

import (
	"io"
	"slices"
	"strconv"
	"strings"
)

// Encoder writes keys and functions as JSON lines, byte for byte what keyspace_dump.py prints
// (Python json.dumps(obj, sort_keys=True, ensure_ascii=False)). It writes one line per call
// with a single Write, so it needs no Flush; wrap w in a bufio.Writer for many small keys.
type Encoder struct {
	w   io.Writer
	buf []byte
	err error
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// EncodeKey writes k as one line. Unordered parts (set members, hash fields, sorted-set
// members, groups, consumers, pending entries) are printed in canonical order without
// modifying k (a sorted copy is made only when k is not already normalized). A key of a type
// this package does not model prints "value": null, as the script does. Cost: O(size of the
// key). Errors: the writer's error, which is sticky (later calls return it without writing).
func (e *Encoder) EncodeKey(k *Key) error {
	if e.err != nil {
		return e.err
	}
	e.buf = AppendKey(e.buf[:0], k)
	e.buf = append(e.buf, '\n')
	_, e.err = e.w.Write(e.buf)
	return e.err
}

// EncodeFunctions writes the {"functions": [...]} line; with no functions it writes nothing
// (the script prints the line only when libraries exist). Libraries are sorted as the script
// sorts them (by json.dumps of the name, ASCII-escaped); fs is not modified. Errors as
// EncodeKey.
func (e *Encoder) EncodeFunctions(fs []Function) error {
	if e.err != nil || len(fs) == 0 {
		return e.err
	}
	e.buf = AppendFunctions(e.buf[:0], fs)
	e.buf = append(e.buf, '\n')
	_, e.err = e.w.Write(e.buf)
	return e.err
}

// WriteJSONL writes a whole dataset: keys in (db, key) order (a sorted copy of the slice is
// made when keys is not sorted; keys itself is not modified), then the functions line.
// Cost: O(total size). Errors: the writer's first error.
func WriteJSONL(w io.Writer, keys []Key, funcs []Function) error {
	if !slices.IsSortedFunc(keys, cmpKey) {
		keys = slices.Clone(keys)
		Sort(keys)
	}
	e := NewEncoder(w)
	for i := range keys {
		if err := e.EncodeKey(&keys[i]); err != nil {
			return err
		}
	}
	return e.EncodeFunctions(funcs)
}

// AppendKey appends k's JSON object (no newline) to dst and returns the extended slice, with
// the same rules as Encoder.EncodeKey.
func AppendKey(dst []byte, k *Key) []byte {
	return appendKey(dst, normalized(k), false)
}

// AppendFunctions appends the {"functions": [...]} object (no newline) for fs, sorted as the
// script sorts them. fs is not modified.
func AppendFunctions(dst []byte, fs []Function) []byte {
	return appendFunctions(dst, fs, false)
}

func sortedFunctions(fs []Function) []Function {
	type kf struct {
		key string
		f   Function
	}
	s := make([]kf, len(fs))
	for i, f := range fs {
		s[i] = kf{jsonKey(f.Name), f}
	}
	slices.SortStableFunc(s, func(a, b kf) int { return strings.Compare(a.key, b.key) })
	out := make([]Function, len(fs))
	for i := range s {
		out[i] = s[i].f
	}
	return out
}

func appendFunctions(dst []byte, fs []Function, ascii bool) []byte {
	dst = append(dst, `{"functions": [`...)
	for i, f := range sortedFunctions(fs) {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, `{"code": `...)
		dst = appendBytes(dst, f.Code, ascii)
		dst = append(dst, `, "engine": `...)
		dst = appendBytes(dst, f.Engine, ascii)
		dst = append(dst, `, "name": `...)
		dst = appendBytes(dst, f.Name, ascii)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

func appendKey(dst []byte, k *Key, ascii bool) []byte {
	dst = append(dst, `{"db": `...)
	dst = strconv.AppendInt(dst, int64(k.DB), 10)
	dst = append(dst, `, "expire_ms": `...)
	dst = appendExpire(dst, k.ExpireMs)
	dst = append(dst, `, "key": `...)
	dst = appendBytes(dst, k.Key, ascii)
	dst = append(dst, `, "type": `...)
	dst = appendPyString(dst, []byte(k.Type), ascii)
	dst = append(dst, `, "value": `...)
	dst = appendValue(dst, k, ascii)
	return append(dst, '}')
}

func appendExpire(dst []byte, ms int64) []byte {
	if ms < 0 {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, ms, 10)
}

func appendOptInt(dst []byte, p *int64) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, *p, 10)
}

func appendID(dst []byte, id StreamID) []byte {
	dst = append(dst, '"')
	dst = strconv.AppendUint(dst, id.Ms, 10)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, id.Seq, 10)
	return append(dst, '"')
}

func appendByteList(dst []byte, l [][]byte, ascii bool) []byte {
	dst = append(dst, '[')
	for i, b := range l {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendBytes(dst, b, ascii)
	}
	return append(dst, ']')
}

// appendValue writes the "value" of k; k must already be normalized.
func appendValue(dst []byte, k *Key, ascii bool) []byte {
	switch k.Type {
	case TypeString:
		return appendBytes(dst, k.String, ascii)
	case TypeList:
		return appendByteList(dst, k.List, ascii)
	case TypeSet:
		return appendByteList(dst, k.Set, ascii)
	case TypeZset:
		dst = append(dst, '[')
		for i, m := range k.Zset {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, '[')
			dst = appendBytes(dst, m.Member, ascii)
			dst = append(dst, `, "`...)
			dst = append(dst, FormatScore(m.Score)...)
			dst = append(dst, `"]`...)
		}
		return append(dst, ']')
	case TypeHash:
		dst = append(dst, '[')
		for i, h := range k.Hash {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, '[')
			dst = appendBytes(dst, h.Field, ascii)
			dst = append(dst, ", "...)
			dst = appendBytes(dst, h.Value, ascii)
			dst = append(dst, ", "...)
			dst = appendExpire(dst, h.ExpireMs)
			dst = append(dst, ']')
		}
		return append(dst, ']')
	case TypeStream:
		if k.Stream == nil {
			return append(dst, "null"...)
		}
		return appendStream(dst, k.Stream, ascii)
	}
	return append(dst, "null"...)
}

func appendStream(dst []byte, s *Stream, ascii bool) []byte {
	dst = append(dst, `{"entries": [`...)
	for i, en := range s.Entries {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, '[')
		dst = appendID(dst, en.ID)
		dst = append(dst, ", "...)
		dst = appendByteList(dst, en.Fields, ascii)
		dst = append(dst, ']')
	}
	dst = append(dst, `], "entries_added": `...)
	dst = appendOptInt(dst, s.EntriesAdded)
	dst = append(dst, `, "groups": [`...)
	for i := range s.Groups {
		g := &s.Groups[i]
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, `{"consumers": `...)
		dst = appendByteList(dst, g.Consumers, ascii)
		dst = append(dst, `, "entries_read": `...)
		dst = appendOptInt(dst, g.EntriesRead)
		dst = append(dst, `, "last_delivered_id": `...)
		dst = appendID(dst, g.LastDelivered)
		dst = append(dst, `, "name": `...)
		dst = appendBytes(dst, g.Name, ascii)
		dst = append(dst, `, "pending": [`...)
		for j, p := range g.Pending {
			if j > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, '[')
			dst = appendID(dst, p.ID)
			dst = append(dst, ", "...)
			dst = appendBytes(dst, p.Consumer, ascii)
			dst = append(dst, ", "...)
			dst = strconv.AppendInt(dst, p.DeliveryCount, 10)
			dst = append(dst, ']')
		}
		dst = append(dst, "]}"...)
	}
	dst = append(dst, `], "last_id": `...)
	dst = appendID(dst, s.LastID)
	dst = append(dst, `, "max_deleted_id": `...)
	if s.MaxDeletedID == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendID(dst, *s.MaxDeletedID)
	}
	return append(dst, '}')
}
