package rdb

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/aofkit/aofkit/internal/canon"
)

// DUMP payloads (createDumpPayload in src/cluster.c @ 7.4.1, functionDumpCommand in
// src/functions.c @ 7.0.15): [type byte][value as in an RDB][RDB version uint16 LE][CRC-64 LE
// of everything before it].

// DumpPayload returns the payload DUMP would return for k on a server writing RDB version
// version (9..12): what RESTORE of that version accepts. The key's name, database and TTL are
// not part of a payload. Data the version cannot hold is an error; DumpPayloadLossy drops it.
// Cost: O(size of the key). Errors: ErrEncodeVersion, or *EncodeError wrapping
// ErrEncodeInvalid or ErrNotRepresentable.
func DumpPayload(k *canon.Key, version int) ([]byte, error) {
	p, _, err := dumpPayload(k, version, false)
	return p, err
}

// DumpPayloadLossy is DumpPayload that leaves out what the version cannot hold (hash field
// TTLs before 12, stream counters before 10) and reports it.
func DumpPayloadLossy(k *canon.Key, version int) ([]byte, DropReport, error) {
	return dumpPayload(k, version, true)
}

// encStatePool keeps scratch space (64 KB of compressor table and the container buffers)
// between payloads.
var encStatePool = sync.Pool{New: func() any { return new(encState) }}

// encStatePut returns st to the pool without buffers grown by an unusually large key.
func encStatePut(st *encState) {
	const keep = 1 << 20
	if cap(st.body) > keep || cap(st.lp.b) > keep || cap(st.zl.b) > keep ||
		cap(st.snode.master.b) > keep || cap(st.snode.entries.b) > keep ||
		(st.lz != nil && cap(st.lz.out) > keep) {
		return
	}
	encStatePool.Put(st)
}

func dumpPayload(k *canon.Key, version int, drop bool) ([]byte, DropReport, error) {
	var dropped DropReport
	if version < MinEncodeVersion || version > MaxEncodeVersion {
		return nil, dropped, fmt.Errorf("%w: %d (writes %d..%d)", ErrEncodeVersion, version, MinEncodeVersion, MaxEncodeVersion)
	}
	st := encStatePool.Get().(*encState)
	defer encStatePut(st)
	st.init(version, EncoderOptions{Now: time.Now()})
	p := make([]byte, 1, 64)
	typ, p, err := st.appendValue(p, k, drop, &dropped)
	if err != nil {
		return nil, DropReport{}, &EncodeError{DB: k.DB, Key: k.Key, Err: err}
	}
	p[0] = typ
	return encPayloadFooter(p, version), dropped, nil
}

// encPayloadFooter appends the RDB version and the CRC-64 of everything before the CRC.
func encPayloadFooter(p []byte, version int) []byte {
	p = binary.LittleEndian.AppendUint16(p, uint16(version))
	return binary.LittleEndian.AppendUint64(p, CRC64(0, p))
}

// FunctionDumpPayload returns the payload FUNCTION DUMP would return for these libraries on a
// server writing RDB version version (10..12): one FUNCTION2 opcode and library source per
// library, then version and CRC. FUNCTION RESTORE accepts it. Cost: O(total code size).
// Errors: ErrEncodeVersion, or ErrNotRepresentable before version 10.
func FunctionDumpPayload(funcs []canon.Function, version int) ([]byte, error) {
	if version < MinEncodeVersion || version > MaxEncodeVersion {
		return nil, fmt.Errorf("%w: %d (writes %d..%d)", ErrEncodeVersion, version, MinEncodeVersion, MaxEncodeVersion)
	}
	if version < 10 {
		return nil, encNotRepresentable(version, "functions")
	}
	st := encStatePool.Get().(*encState)
	defer encStatePut(st)
	st.init(version, EncoderOptions{Now: time.Now()})
	lz := st.lz
	var p []byte
	for _, f := range funcs {
		p = append(p, OpFunction2)
		p = encAppendString(p, f.Code, lz)
	}
	return encPayloadFooter(p, version), nil
}
