// Package rdb reads and writes Redis and Valkey RDB files and DUMP payloads.
//
// Formats follow src/rdb.h and src/rdb.c of Redis 3.2 through 8.0-m01 and Valkey 8.0.1, as
// summarised in reference §6 (shared/reference/aof-format.md).
package rdb

// Value type codes (the byte before a key, and the first byte of a DUMP payload).
const (
	TypeString              = 0
	TypeList                = 1
	TypeSet                 = 2
	TypeZset                = 3
	TypeHash                = 4
	TypeZset2               = 5
	TypeModulePreGA         = 6
	TypeModule2             = 7
	TypeHashZipmap          = 9
	TypeListZiplist         = 10
	TypeSetIntset           = 11
	TypeZsetZiplist         = 12
	TypeHashZiplist         = 13
	TypeListQuicklist       = 14
	TypeStreamListpacks     = 15
	TypeHashListpack        = 16
	TypeZsetListpack        = 17
	TypeListQuicklist2      = 18
	TypeStreamListpacks2    = 19
	TypeSetListpack         = 20
	TypeStreamListpacks3    = 21
	TypeHashMetadataPreGA   = 22
	TypeHashListpackExPreGA = 23
	TypeHashMetadata        = 24
	TypeHashListpackEx      = 25
)

// Opcodes that can stand where a value type is expected.
const (
	OpSlotInfo     = 244
	OpFunction2    = 245
	OpFunctionPreG = 246
	OpModuleAux    = 247
	OpIdle         = 248
	OpFreq         = 249
	OpAux          = 250
	OpResizeDB     = 251
	OpExpireTimeMs = 252
	OpExpireTime   = 253
	OpSelectDB     = 254
	OpEOF          = 255
)

// Quicklist v2 container kinds.
const (
	QuicklistNodePlain  = 1
	QuicklistNodePacked = 2
)

// Versions this package knows. MaxRedisVersion is the newest Redis RDB version decoded;
// ValkeyVersion80 is the first version written under the "VALKEY" magic.
const (
	MinVersion      = 1
	MaxRedisVersion = 12
	ValkeyVersion80 = 80
)
