package canon

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrFormat is wrapped by every error ReadJSONL returns for malformed input.
var ErrFormat = errors.New("canon: malformed dataset line")

// LineError is a malformed line of a dataset file: its 1-based number and the reason.
// errors.Is(err, ErrFormat) holds for it.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string   { return fmt.Sprintf("canon: line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() []error { return []error{ErrFormat, e.Err} }

// ReadJSONL parses a dataset in keyspace_dump.py's schema: one key object per line and an
// optional {"functions": [...]} line; blank lines are skipped. Keys are returned in file order
// and values as written (call Normalize/Sort for canonical order). Byte strings are JSON
// strings or {"b64": ...}; scores are strings (or numbers) parsed with ParseScore; null
// expire_ms, field TTLs, stream counters and max_deleted_id become NoExpiry / nil.
// Cost: the whole input is held in memory as []Key. Errors: *LineError (wrapping ErrFormat)
// for a malformed line, or the reader's error.
func ReadJSONL(r io.Reader) ([]Key, []Function, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var keys []Key
	var funcs []Function
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			k, fs, isFuncs, perr := parseLine(line)
			if perr != nil {
				return nil, nil, &LineError{Line: n, Err: perr}
			}
			if isFuncs {
				funcs = append(funcs, fs...)
			} else {
				keys = append(keys, k)
			}
		}
		if err == io.EOF {
			return keys, funcs, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// jbytes is a byte string in the schema: a JSON string or {"b64": "..."}.
type jbytes []byte

func (b *jbytes) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var o struct {
			B64 *string `json:"b64"`
		}
		if err := json.Unmarshal(data, &o); err != nil {
			return err
		}
		if o.B64 == nil {
			return errors.New(`byte string object without "b64"`)
		}
		v, err := base64.StdEncoding.DecodeString(*o.B64)
		if err != nil {
			return fmt.Errorf("bad base64: %w", err)
		}
		*b = v
		return nil
	}
	if bytes.Equal(data, []byte("null")) {
		*b = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*b = jbytes(s)
	return nil
}

type jid StreamID

func (id *jid) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := ParseStreamID(s)
	*id = jid(v)
	return err
}

type jline struct {
	DB        *int            `json:"db"`
	ExpireMs  *int64          `json:"expire_ms"`
	Key       *jbytes         `json:"key"`
	Type      string          `json:"type"`
	Value     json.RawMessage `json:"value"`
	Functions *[]struct {
		Code   jbytes `json:"code"`
		Engine jbytes `json:"engine"`
		Name   jbytes `json:"name"`
	} `json:"functions"`
}

type jstream struct {
	Entries      [][2]json.RawMessage `json:"entries"`
	LastID       jid                  `json:"last_id"`
	MaxDeletedID *jid                 `json:"max_deleted_id"`
	EntriesAdded *int64               `json:"entries_added"`
	Groups       []struct {
		Name          jbytes               `json:"name"`
		LastDelivered jid                  `json:"last_delivered_id"`
		EntriesRead   *int64               `json:"entries_read"`
		Consumers     []jbytes             `json:"consumers"`
		Pending       [][3]json.RawMessage `json:"pending"`
	} `json:"groups"`
}

func parseLine(line []byte) (k Key, fs []Function, isFuncs bool, err error) {
	var l jline
	if err = json.Unmarshal(line, &l); err != nil {
		return
	}
	if l.Functions != nil {
		for _, f := range *l.Functions {
			fs = append(fs, Function{Name: f.Name, Engine: f.Engine, Code: f.Code})
		}
		return k, fs, true, nil
	}
	if l.DB == nil || l.Key == nil || l.Type == "" {
		err = errors.New(`key line needs "db", "key" and "type"`)
		return
	}
	k = Key{DB: *l.DB, Key: *l.Key, Type: l.Type, ExpireMs: NoExpiry}
	if l.ExpireMs != nil {
		k.ExpireMs = *l.ExpireMs
	}
	err = parseValue(&k, l.Value)
	return k, nil, false, err
}

func toBytes(l []jbytes) [][]byte {
	out := make([][]byte, len(l))
	for i, b := range l {
		out[i] = b
	}
	return out
}

func parseValue(k *Key, v json.RawMessage) error {
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil
	}
	switch k.Type {
	case TypeString:
		var s jbytes
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		k.String = s
	case TypeList, TypeSet:
		var l []jbytes
		if err := json.Unmarshal(v, &l); err != nil {
			return err
		}
		if k.Type == TypeList {
			k.List = toBytes(l)
		} else {
			k.Set = toBytes(l)
		}
	case TypeZset:
		var l [][2]json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil {
			return err
		}
		k.Zset = make([]ZMember, len(l))
		for i, p := range l {
			var m jbytes
			if err := json.Unmarshal(p[0], &m); err != nil {
				return err
			}
			score, err := parseJSONScore(p[1])
			if err != nil {
				return err
			}
			k.Zset[i] = ZMember{Member: m, Score: score}
		}
	case TypeHash:
		var l [][]json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil {
			return err
		}
		k.Hash = make([]HField, len(l))
		for i, row := range l {
			if len(row) != 2 && len(row) != 3 {
				return fmt.Errorf("hash row has %d elements", len(row))
			}
			var f, val jbytes
			if err := json.Unmarshal(row[0], &f); err != nil {
				return err
			}
			if err := json.Unmarshal(row[1], &val); err != nil {
				return err
			}
			h := HField{Field: f, Value: val, ExpireMs: NoExpiry}
			if len(row) == 3 {
				var t *int64
				if err := json.Unmarshal(row[2], &t); err != nil {
					return err
				}
				if t != nil {
					h.ExpireMs = *t
				}
			}
			k.Hash[i] = h
		}
	case TypeStream:
		var s jstream
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		st := &Stream{LastID: StreamID(s.LastID), EntriesAdded: s.EntriesAdded}
		if s.MaxDeletedID != nil {
			id := StreamID(*s.MaxDeletedID)
			st.MaxDeletedID = &id
		}
		st.Entries = make([]StreamEntry, len(s.Entries))
		for i, e := range s.Entries {
			var id jid
			var fields []jbytes
			if err := json.Unmarshal(e[0], &id); err != nil {
				return err
			}
			if err := json.Unmarshal(e[1], &fields); err != nil {
				return err
			}
			st.Entries[i] = StreamEntry{ID: StreamID(id), Fields: toBytes(fields)}
		}
		for _, g := range s.Groups {
			grp := Group{Name: g.Name, LastDelivered: StreamID(g.LastDelivered), EntriesRead: g.EntriesRead,
				Consumers: toBytes(g.Consumers)}
			for _, p := range g.Pending {
				var id jid
				var c jbytes
				var n int64
				if err := json.Unmarshal(p[0], &id); err != nil {
					return err
				}
				if err := json.Unmarshal(p[1], &c); err != nil {
					return err
				}
				if err := json.Unmarshal(p[2], &n); err != nil {
					return err
				}
				grp.Pending = append(grp.Pending, Pending{ID: StreamID(id), Consumer: c, DeliveryCount: n})
			}
			st.Groups = append(st.Groups, grp)
		}
		k.Stream = st
	}
	return nil
}

func parseJSONScore(raw json.RawMessage) (float64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return ParseScore(s)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, fmt.Errorf("score is neither a string nor a number: %s", raw)
	}
	return f, nil
}
