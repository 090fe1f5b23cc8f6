package rdb

import (
	"bytes"
	"encoding/binary"
	"math"
)

// The file level of an RDB (rdbLoadRioWithLoadingCtx, src/rdb.c @ 7.4.1): the header, the
// opcodes, the keys and the trailer.

func (d *decoder) decodeFile() error {
	if err := d.header(); err != nil {
		return err
	}
	var (
		keyStart       = -1
		expire         = NoExpiry
		idle     int64 = -1
		freq           = -1
	)
	for {
		d.tick()
		at := d.pos
		if keyStart < 0 {
			keyStart = at
		}
		t, err := d.readByte("a type or opcode")
		if err != nil {
			return err
		}
		if d.verify {
			if err := d.checkSince(at, t); err != nil {
				return err
			}
		}
		switch t {
		case OpExpireTime:
			b, err := d.readFixed(4, "an EXPIRETIME")
			if err != nil {
				return err
			}
			expire = int64(int32(binary.LittleEndian.Uint32(b))) * 1000
			continue
		case OpExpireTimeMs:
			v, err := d.readUint64LE("an EXPIRETIME_MS")
			if err != nil {
				return err
			}
			expire = int64(v)
			continue
		case OpFreq:
			b, err := d.readByte("a FREQ")
			if err != nil {
				return err
			}
			freq = int(b)
			continue
		case OpIdle:
			v, err := d.readCount("an IDLE")
			if err != nil {
				return err
			}
			idle = int64(min(v, math.MaxInt64))
			continue
		case OpEOF:
			return d.trailer(at)
		case OpSelectDB:
			v, err := d.readCount("a SELECTDB")
			if err != nil {
				return err
			}
			if v > math.MaxInt32 {
				return d.corrupt(at, "SELECTDB %d: database index out of range", v)
			}
			d.selectDB(int(v))
			if err := d.h.SelectDB(int(v)); err != nil {
				return err
			}
		case OpResizeDB:
			keys, err := d.readCount("a RESIZEDB")
			if err != nil {
				return err
			}
			exp, err := d.readCount("a RESIZEDB")
			if err != nil {
				return err
			}
			st := d.dbStats()
			st.ResizeKeys, st.ResizeExpires = int64(min(keys, math.MaxInt64)), int64(min(exp, math.MaxInt64))
			if err := d.h.ResizeDB(keys, exp); err != nil {
				return err
			}
		case OpAux:
			k, err := d.readStr("an AUX field name", toKey)
			if err != nil {
				return err
			}
			k = append([]byte(nil), k...)
			v, err := d.readStr("an AUX field value", toTmp)
			if err != nil {
				return err
			}
			v = append([]byte(nil), v...)
			d.info.Aux = append(d.info.Aux, AuxField{Key: k, Value: v})
			if err := d.h.Aux(k, v); err != nil {
				return err
			}
		case OpModuleAux:
			if err := d.moduleAux(at); err != nil {
				return err
			}
		case OpFunctionPreG:
			return d.unsupported(at, "pre-release function format (opcode 246, Redis 7.0 release candidates) is not supported")
		case OpFunction2:
			code, err := d.readStr("a FUNCTION library", toTmp)
			if err != nil {
				return err
			}
			if d.verify {
				if _, _, reason := ParseLibraryHeader(code); reason != "" {
					return d.corrupt(at, "function library: %s", reason)
				}
			}
			d.info.Functions++
			if err := d.h.Function(code); err != nil {
				return err
			}
		case OpSlotInfo:
			if d.valkey {
				return d.unsupported(at, "opcode 244 (Valkey 9 SLOT_INFO) is not supported")
			}
			var v [3]uint64
			for i := range v {
				if v[i], err = d.readCount("a SLOT_INFO"); err != nil {
					return err
				}
			}
			if d.verify && v[0] >= 16384 {
				return d.corrupt(at, "SLOT_INFO for slot %d: slots are 0-16383", v[0])
			}
			d.info.SlotInfos++
			if err := d.h.SlotInfo(v[0], v[1], v[2]); err != nil {
				return err
			}
		default:
			if err := d.checkType(at, t); err != nil {
				return err
			}
			if err := d.key(int(t), keyStart, expire, idle, freq); err != nil {
				return err
			}
			expire, idle, freq = NoExpiry, -1, -1
		}
		keyStart = -1
	}
}

// header reads the magic and the version.
func (d *decoder) header() error {
	b := d.data
	switch {
	case len(b) >= 5 && string(b[:5]) == "REDIS":
		d.info.Magic = "REDIS"
		if len(b) < 9 {
			return d.truncated(0, "the RDB header")
		}
		v, ok := digits(b[5:9])
		if !ok {
			return d.corrupt(5, "RDB version %q is not a number", b[5:9])
		}
		d.version = v
		if v < MinVersion {
			return d.corrupt(5, "RDB version %d is not valid", v)
		}
		if v > MaxRedisVersion {
			return d.unsupported(5, "RDB version %d is newer than this decoder handles (Redis RDB 1-%d)", v, MaxRedisVersion)
		}
	case len(b) >= 6 && string(b[:6]) == "VALKEY":
		d.info.Magic, d.valkey = "VALKEY", true
		if len(b) < 9 {
			return d.truncated(0, "the RDB header")
		}
		v, ok := digits(b[6:9])
		if !ok {
			return d.corrupt(6, "RDB version %q is not a number", b[6:9])
		}
		d.version = v
		if v != ValkeyVersion80 && (v < MinVersion || v > 11) {
			return d.unsupported(6, "Valkey RDB version %d is not supported (Valkey RDB 80 is)", v)
		}
	case len(b) < 9 && (bytes.HasPrefix([]byte("REDIS"), b) || bytes.HasPrefix([]byte("VALKEY"), b)):
		return d.truncated(0, "the RDB header")
	default:
		return d.corrupt(0, "not an RDB file: no REDIS or VALKEY signature")
	}
	d.info.Version = d.version
	d.pos = 9
	return nil
}

func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// checkType accepts the value types this decoder knows for the file's magic.
func (d *decoder) checkType(at int, t byte) error {
	switch {
	case t == TypeModulePreGA:
		return d.unsupported(at, "pre-release module value format (type 6, Redis 4.0 release candidates) is not supported")
	case d.valkey && t == TypeHashMetadataPreGA:
		return d.unsupported(at, "value type 22 (Valkey 9 HASH_2, hash with field expiry) is not supported")
	case d.valkey && t == 243:
		return d.unsupported(at, "opcode 243 (Valkey 9 SLOT_IMPORT) is not supported")
	case t <= TypeModule2, t >= TypeHashZipmap && t <= TypeHashListpackEx:
		return nil
	}
	return d.corrupt(at, "unknown value type or opcode %d", t)
}

// sinceVersion is the first RDB version that has each type or opcode (rdb.h at each release).
var sinceVersion = [256]uint8{
	TypeZset2: 8, TypeModule2: 8, TypeHashZipmap: 2, TypeListZiplist: 2, TypeSetIntset: 2,
	TypeZsetZiplist: 2, TypeHashZiplist: 2, TypeListQuicklist: 7, TypeStreamListpacks: 9,
	TypeHashListpack: 10, TypeZsetListpack: 10, TypeListQuicklist2: 10, TypeStreamListpacks2: 10,
	TypeSetListpack: 11, TypeStreamListpacks3: 11, TypeHashMetadataPreGA: 12,
	TypeHashListpackExPreGA: 12, TypeHashMetadata: 12, TypeHashListpackEx: 12,
	OpSlotInfo: 12, OpFunction2: 10, OpModuleAux: 9, OpIdle: 9, OpFreq: 9, OpAux: 7,
	OpResizeDB: 7, OpExpireTimeMs: 3,
}

// checkSince rejects, under Verify, a type or opcode newer than the version the header (or a
// payload footer) claims: no server writes one, so the header or the byte is damaged.
func (d *decoder) checkSince(at int, t byte) error {
	if v := int(sinceVersion[t]); !d.valkey && d.version < v {
		return d.corrupt(at, "type or opcode %d needs RDB version %d or later, the version is %d", t, v, d.version)
	}
	return nil
}

// trailer reads the checksum after the EOF opcode at eof.
func (d *decoder) trailer(eof int) error {
	info := d.info
	if d.version < 5 {
		info.ChecksumStatus = ChecksumAbsent
		info.End = d.base + int64(d.pos)
		d.finalTick()
		return nil
	}
	sum, err := d.readUint64LE("the checksum")
	if err != nil {
		return err
	}
	info.Checksum = sum
	switch {
	case sum == 0:
		info.ChecksumStatus = ChecksumDisabled
	case d.opt.Checksum:
		d.crc = CRC64(d.crc, d.data[d.crcPos:eof+1])
		d.crcPos = eof + 1
		info.Computed = d.crc
		if d.crc != sum {
			info.ChecksumStatus = ChecksumMismatch
			return d.failAt(d.base+int64(eof+1), KindChecksum,
				"RDB checksum mismatch: stored %016x, computed %016x", sum, d.crc)
		}
		info.ChecksumStatus = ChecksumOK
	default:
		info.ChecksumStatus = ChecksumNotChecked
	}
	info.End = d.base + int64(d.pos)
	d.finalTick()
	return nil
}

func (d *decoder) finalTick() {
	if d.opt.Progress != nil {
		d.opt.Progress(d.base + int64(d.pos))
	}
}

func (d *decoder) selectDB(db int) {
	d.db, d.dbIdx = db, -1
	for i := range d.info.DBs {
		if d.info.DBs[i].DB == db {
			d.dbIdx = i
			return
		}
	}
}

func (d *decoder) dbStats() *DBStats {
	if d.dbIdx < 0 {
		d.info.DBs = append(d.info.DBs, DBStats{DB: d.db, ResizeKeys: -1, ResizeExpires: -1})
		d.dbIdx = len(d.info.DBs) - 1
	}
	return &d.info.DBs[d.dbIdx]
}

// moduleAux reads a MODULE_AUX record: module id, when-opcode (2), when, value.
func (d *decoder) moduleAux(at int) error {
	id, err := d.readCount("a MODULE_AUX module id")
	if err != nil {
		return err
	}
	whenOp, err := d.readCount("a MODULE_AUX")
	if err != nil {
		return err
	}
	when, err := d.readCount("a MODULE_AUX")
	if err != nil {
		return err
	}
	if whenOp != moduleOpUint {
		return d.corrupt(at, "MODULE_AUX for module %s: bad when-opcode %d", ModuleName(id), whenOp)
	}
	start := d.pos
	if err := d.skipModuleValue(id); err != nil {
		return err
	}
	return d.h.ModuleAux(id, when, d.data[start:d.pos:d.pos])
}

// Module value opcodes (RDB_MODULE_OPCODE_*, rdb.h).
const (
	moduleOpEOF    = 0
	moduleOpSint   = 1
	moduleOpUint   = 2
	moduleOpFloat  = 3
	moduleOpDouble = 4
	moduleOpString = 5
)

// skipModuleValue walks a module value's self-describing opcodes up to and including EOF
// (rdbLoadCheckModuleValue).
func (d *decoder) skipModuleValue(id uint64) error {
	for {
		at := d.pos
		op, err := d.readCount("a module value opcode")
		if err != nil {
			return err
		}
		switch op {
		case moduleOpEOF:
			return nil
		case moduleOpSint, moduleOpUint:
			if _, err := d.readCount("a module integer"); err != nil {
				return err
			}
		case moduleOpFloat:
			if _, err := d.readFixed(4, "a module float"); err != nil {
				return err
			}
		case moduleOpDouble:
			if _, err := d.readFixed(8, "a module double"); err != nil {
				return err
			}
		case moduleOpString:
			if err := d.skipStr("a module string"); err != nil {
				return err
			}
		default:
			return d.corrupt(at, "unknown opcode %d in a value of module %s", op, ModuleName(id))
		}
	}
}

// skipStr steps over an RDB string without decoding it (LZF data is not decompressed).
func (d *decoder) skipStr(what string) error {
	start := d.pos
	n, enc, err := d.readLen(what)
	if err != nil {
		return err
	}
	if enc {
		switch n {
		case 0, 1, 2:
			_, err = d.readFixed(1<<n, what)
			return err
		case 3:
			clen, err := d.readCount(what)
			if err != nil {
				return err
			}
			if _, err := d.readCount(what); err != nil {
				return err
			}
			if uint64(len(d.data)-d.pos) < clen {
				return d.truncated(start, what)
			}
			d.pos += int(clen)
			return nil
		}
		return d.corrupt(start, "unknown string encoding %d in %s", n, what)
	}
	if uint64(len(d.data)-d.pos) < n {
		return d.truncated(start, what)
	}
	d.pos += int(n)
	return nil
}
