package command

// Flag is a bit set describing a command. Most bits mirror the command_flags of Redis's
// src/commands/*.json; Framing, Script, Container, MovableKeys, Deprecated, SysCmd and Removed
// are ours (derived, see each constant).
type Flag uint32

// Command flags.
const (
	Write                Flag = 1 << iota // may modify the dataset (Redis WRITE)
	ReadOnly                              // only reads data (Redis READONLY)
	DenyOOM                               // may grow memory use (Redis DENYOOM)
	Admin                                 // administrative (Redis ADMIN)
	PubSub                                // publish/subscribe (Redis PUBSUB)
	NoScript                              // not allowed in scripts (Redis NOSCRIPT)
	Blocking                              // may block the client (Redis BLOCKING)
	Loading                               // allowed while loading (Redis LOADING)
	Stale                                 // allowed on a stale replica (Redis STALE)
	SkipMonitor                           // not shown by MONITOR (Redis SKIP_MONITOR)
	SkipSlowlog                           // not logged by SLOWLOG (Redis SKIP_SLOWLOG)
	Fast                                  // O(1) or O(log N) (Redis FAST)
	NoAuth                                // allowed before AUTH (Redis NO_AUTH)
	MayReplicate                          // may be propagated although not WRITE, e.g. PFCOUNT, EVAL (Redis MAY_REPLICATE)
	NoMandatoryKeys                       // may take zero keys, e.g. EVAL with numkeys 0 (Redis NO_MANDATORY_KEYS)
	Protected                             // refused unless enabled by config, e.g. DEBUG, MODULE (Redis PROTECTED)
	NoAsyncLoading                        // refused during async loading (Redis NO_ASYNC_LOADING)
	NoMulti                               // refused inside MULTI (Redis NO_MULTI)
	AllowBusy                             // allowed while a script is busy (Redis ALLOW_BUSY)
	TouchesArbitraryKeys                  // may touch keys not in argv, e.g. SCRIPT/FUNCTION effects (Redis TOUCHES_ARBITRARY_KEYS)
	Asking                                // accepted for a migrating slot without ASKING, i.e. RESTORE-ASKING (Redis ASKING)
	MovableKeys                           // key positions depend on the arguments (computed like Redis's populateCommandLegacyRangeSpec)
	Framing                               // AOF framing: MULTI, EXEC and SELECT (ours)
	Script                                // runs, loads or removes server-side scripts or functions (ours)
	Container                             // has sub-commands; argv[1] selects one (ours)
	Deprecated                            // documented as deprecated (Redis doc flag DEPRECATED)
	SysCmd                                // internal/system command such as PSYNC, REPLCONF (Redis doc flag SYSCMD)
	Removed                               // no longer exists in the newest version covered, see Spec.Removed (ours)
)

var flagNames = [...]string{
	"write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading",
	"stale", "skip_monitor", "skip_slowlog", "fast", "no_auth", "may_replicate",
	"no_mandatory_keys", "protected", "no_async_loading", "no_multi", "allow_busy",
	"touches_arbitrary_keys", "asking", "movablekeys", "framing", "script", "container",
	"deprecated", "syscmd", "removed",
}

// Names returns the lower-case names of the set bits in bit order (Redis's own names for the
// Redis flags, e.g. "write", "movablekeys"). Cost: one small allocation.
func (f Flag) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<uint(i)) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// KeyFlag describes how a key spec's keys are used (Redis key-spec flags).
type KeyFlag uint16

// Key-spec flags.
const (
	KeyRO            KeyFlag = 1 << iota // read only
	KeyRW                                // read and write
	KeyOW                                // overwrite without reading
	KeyRM                                // removes the key
	KeyAccess                            // returns or exposes user data
	KeyUpdate                            // updates data (not only insert or delete)
	KeyInsert                            // adds data
	KeyDelete                            // deletes data
	KeyNotKey                            // a shard channel, not a key (SPUBLISH and friends): hashes to a slot, holds no data
	KeyIncomplete                        // the spec may miss keys (a proc completes it)
	KeyVariableFlags                     // the real flags depend on the arguments
)

// BeginKind says how a key spec finds its first argument.
type BeginKind uint8

// Begin-search kinds.
const (
	BeginUnknown BeginKind = iota // cannot be found from the spec alone
	BeginIndex                    // at a fixed position: Pos
	BeginKeyword                  // after Keyword, searched from StartFrom (negative: backwards from argc+StartFrom)
)

// FindKind says how a key spec finds its keys once it knows where they begin.
type FindKind uint8

// Find-keys kinds.
const (
	FindUnknown FindKind = iota // cannot be found from the spec alone
	FindRange                   // LastKey, Step, Limit (Redis "range")
	FindKeynum                  // a count at KeynumIdx, keys from FirstKey, every Step (Redis "keynum")
)

// KeySpec is one Redis 7 key specification (src/commands/*.json "key_specs"): where to start
// looking (Begin) and how to collect keys from there (Find). Positions count argv[0].
type KeySpec struct {
	Flags KeyFlag

	Begin     BeginKind
	Pos       int    // BeginIndex: absolute index of the first key
	Keyword   string // BeginKeyword: upper-case keyword
	StartFrom int    // BeginKeyword: index to start searching (negative: from the end, backwards)

	Find FindKind
	// FindRange: LastKey is relative to the first key (>= 0), or counts from the end of argv
	// (-1 = last argument) when negative; Limit > 1 with a negative LastKey means "1/Limit of
	// the remaining arguments" (XREAD STREAMS: Limit 2).
	LastKey, Step, Limit int
	// FindKeynum: the number of keys is at begin+KeynumIdx, the first key at begin+FirstKey;
	// Step is shared with FindRange.
	KeynumIdx, FirstKey int
}

// Spec describes one command or one sub-command. Specs are shared, read-only values: never
// modify one returned by this package.
type Spec struct {
	Name  string // lower case; sub-commands as "xgroup|create"
	Arity int    // >0 exact argc, <0 minimum -argc; argc counts argv[0] (and the container for a sub-command)
	Flags Flag
	Group string // Redis command group: "string", "hash", "generic", "server", ...
	// Since is the version that introduced the command: "1.0", "3.2", "7.4", "8.0", ... for
	// Redis (a Valkey release contains every Redis command up to 7.2), "valkey-8.0" for a
	// command only Valkey has.
	Since string
	// Removed is the first Redis version without the command ("7.0" for STRALGO), "" if it
	// still exists.
	Removed string

	// FirstKey, LastKey, Step are the legacy key range COMMAND reports (LastKey -1 = last
	// argument, -2 = the one before, ...; all 0 when there is none). They are computed from
	// KeySpecs the way Redis 7 computes them and may miss keys: use Keys.
	FirstKey, LastKey, Step int

	// KeySpecs are the Redis 7 key specs. Keys uses them, plus a hand-written rule for the
	// commands whose keys the specs cannot describe exactly (SORT, MIGRATE, GEORADIUS*,
	// XREAD, XREADGROUP).
	KeySpecs []KeySpec

	// Subcommands is set for containers only, keyed by lower-case sub-command name.
	Subcommands map[string]*Spec

	// Parent is the container of a sub-command, nil otherwise.
	Parent *Spec

	keysProc keysProc
}

// ArityOK reports whether argc arguments (argv[0] included) satisfy the arity, the way Redis's
// processCommand checks it. A container spec (returned for a bare container name) whose
// arity is -2 fails for argc 1, which is how the AOF loader's crash on "*1 XGROUP" is
// reported. Cost: O(1).
func (s *Spec) ArityOK(argc int) bool {
	if s.Arity >= 0 {
		return argc == s.Arity
	}
	return argc >= -s.Arity
}

// IsWrite reports whether Redis flags the command WRITE: it may change the dataset. Commands
// flagged only MayReplicate (PFCOUNT, EVAL, EVALSHA, FCALL, SCRIPT LOAD/FLUSH, PUBLISH...) are
// not included; see MayWrite. Cost: O(1).
func (s *Spec) IsWrite() bool { return s.Flags&Write != 0 }

// MayWrite reports whether replaying the command may change the dataset or the server's
// scripts: IsWrite, or flagged MayReplicate (PFCOUNT refreshes the HLL cache, verbatim EVAL in
// old AOFs, FCALL, SCRIPT LOAD). Cost: O(1).
func (s *Spec) MayWrite() bool { return s.Flags&(Write|MayReplicate) != 0 }

// Has reports whether every bit of f is set. Cost: O(1).
func (s *Spec) Has(f Flag) bool { return s.Flags&f == f }

// IsContainer reports whether the command has sub-commands. Cost: O(1).
func (s *Spec) IsContainer() bool { return s.Subcommands != nil }
