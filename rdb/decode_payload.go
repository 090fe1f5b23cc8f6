package rdb

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// DUMP payloads (createDumpPayload / verifyDumpPayload, src/cluster.c @ 7.4.1; reference §6.5):
//
//	<type byte> <value as in an RDB> <RDB version uint16 LE> <CRC-64 uint64 LE>
//
// FUNCTION DUMP payloads have the same footer around a series of FUNCTION2 records
// (opcode 245 + library source), as rdbSaveFunctions writes them.

// DecodePayload decodes a DUMP (or FUNCTION DUMP) payload and streams it to h as one key
// with a nil name in db 0 (BeginKey ... EndKey), or as Function events. It returns the RDB
// version in the footer. The CRC is always checked, as RESTORE does. A value with an empty
// aggregate is an error here ("Bad data format" for RESTORE), unlike in files, where the
// server skips it. Offsets in errors count from the payload's first byte. Memory and errors
// as Decode.
func DecodePayload(p []byte, h Handler, opt Options) (version int, err error) {
	var x Decoder
	return x.DecodePayload(p, h, opt)
}

// DecodePayload is the package-level DecodePayload, with this Decoder's reusable buffers.
func (x *Decoder) DecodePayload(p []byte, h Handler, opt Options) (int, error) {
	d := &x.d
	opt.Progress = nil
	d.init(p, 0, h, opt)
	d.info = &Info{}
	defer d.release()
	if len(p) < 10 {
		return 0, d.failAt(0, KindTruncated, "DUMP payload of %d bytes is shorter than its 10-byte footer", len(p))
	}
	body := len(p) - 10
	ver := int(binary.LittleEndian.Uint16(p[body:]))
	if sum := binary.LittleEndian.Uint64(p[body+2:]); CRC64(0, p[:body+2]) != sum {
		return ver, d.failAt(int64(body+2), KindChecksum, "DUMP payload checksum mismatch")
	}
	d.version = ver
	switch {
	case ver >= ValkeyVersion80:
		if ver != ValkeyVersion80 {
			return ver, d.unsupported(body, "DUMP payload RDB version %d is not supported", ver)
		}
		d.valkey = true
	case ver > MaxRedisVersion:
		return ver, d.unsupported(body, "DUMP payload RDB version %d is newer than this decoder handles (Redis RDB 1-%d)", ver, MaxRedisVersion)
	case ver < MinVersion:
		return ver, d.corrupt(body, "DUMP payload RDB version %d is not valid", ver)
	}
	d.data = p[:body]
	if p[0] == OpFunction2 {
		for d.pos < len(d.data) {
			at := d.pos
			if d.data[at] != OpFunction2 {
				return ver, d.corrupt(at, "FUNCTION DUMP payload: opcode %d where a library (245) was expected", d.data[at])
			}
			if d.verify {
				if err := d.checkSince(at, OpFunction2); err != nil {
					return ver, err
				}
			}
			d.pos++
			code, err := d.readStr("a FUNCTION library", toTmp)
			if err != nil {
				return ver, err
			}
			if d.verify {
				if _, _, reason := ParseLibraryHeader(code); reason != "" {
					return ver, d.corrupt(at, "function library: %s", reason)
				}
			}
			if err := d.h.Function(code); err != nil {
				return ver, err
			}
		}
		return ver, nil
	}
	t := p[0]
	d.pos = 1
	if err := d.checkType(0, t); err != nil {
		return ver, err
	}
	if d.verify {
		if err := d.checkSince(0, t); err != nil {
			return ver, err
		}
	}
	d.ki = KeyInfo{Type: int(t), Kind: kindOf[t], Encoding: encodingOf[t], ExpireMs: NoExpiry,
		Idle: -1, Freq: -1, Count: -1}
	d.inKey = true
	if err := d.h.BeginKey(&d.ki); err != nil {
		return ver, err
	}
	if err := d.keyValue(int(t)); err != nil {
		return ver, err
	}
	if d.pos != len(d.data) {
		return ver, d.corrupt(d.pos, "DUMP payload has %d bytes after the value", len(d.data)-d.pos)
	}
	if d.info.EmptyKeys > 0 {
		return ver, d.corrupt(1, "DUMP payload holds an empty %s", d.ki.Kind)
	}
	if err := d.h.EndKey(&d.ki); err != nil {
		return ver, err
	}
	d.inKey = false
	return ver, nil
}

// ParseLibraryHeader reads the name and engine of a function library from its first line,
// "#!<engine> name=<name>" (functionExtractLibMetaData, src/functions.c @ 7.4.1). The engine
// is returned upper-cased, as FUNCTION LIST reports it. reason is non-empty when the header is
// malformed. Cost: O(length of the first line).
func ParseLibraryHeader(code []byte) (name, engine []byte, reason string) {
	if !bytes.HasPrefix(code, []byte("#!")) {
		return nil, nil, "missing library metadata (#!<engine> name=<name>)"
	}
	nl := bytes.IndexByte(code, '\n')
	if nl < 0 {
		return nil, nil, "invalid library metadata: no newline after the #! line"
	}
	parts := strings.Fields(string(code[:nl]))
	if len(parts) == 0 {
		return nil, nil, "invalid library metadata"
	}
	engine = []byte(strings.ToUpper(parts[0][2:]))
	for _, part := range parts[1:] {
		if len(part) >= 5 && strings.EqualFold(part[:5], "name=") {
			if name != nil {
				return nil, nil, "invalid library metadata: name given twice"
			}
			name = []byte(part[5:])
			continue
		}
		return nil, nil, "invalid library metadata value " + part
	}
	if name == nil {
		return nil, nil, "library name was not given"
	}
	return name, engine, ""
}
