package command

import (
	"fmt"
	"sort"
)

// maxNameLen bounds the stack buffer Lookup lowers names into. No command or sub-command name
// is longer (checked by a test); a longer argv[0] is unknown without a map lookup.
const maxNameLen = 32

// errNameCap is how many bytes of an unknown name an error keeps (Redis prints %.128s).
const errNameCap = 128

// UnknownCommandError is returned by Lookup for a name that no covered Redis or Valkey
// version knows. The AOF loader treats it as fatal ("Unknown command '<name>' reading the
// append only file").
type UnknownCommandError struct {
	Name string // argv[0] as found (case kept), cut to 128 bytes
}

func (e *UnknownCommandError) Error() string {
	return fmt.Sprintf("unknown command '%s'", e.Name)
}

// UnknownSubcommandError is returned by Lookup when argv[0] is a container and argv[1] is
// none of its sub-commands. Redis 7's loader reports it as an unknown command too.
type UnknownSubcommandError struct {
	Container string // the container's lower-case name, e.g. "xgroup"
	Sub       string // argv[1] as found (case kept), cut to 128 bytes
}

func (e *UnknownSubcommandError) Error() string {
	return fmt.Sprintf("unknown subcommand '%s' of '%s'", e.Sub, e.Container)
}

var (
	commands map[string]*Spec // top level, by lower-case name
	allSpecs []*Spec          // every spec incl. sub-commands, sorted by Name
)

func init() {
	specs := append(generatedSpecs(), extraSpecs()...)
	commands = make(map[string]*Spec, len(specs))
	for _, s := range specs {
		if _, dup := commands[s.Name]; dup {
			panic("command: duplicate spec " + s.Name)
		}
		commands[s.Name] = s
	}
	annotate(commands)
	for _, s := range commands {
		finish(s)
		allSpecs = append(allSpecs, s)
		for _, sub := range s.Subcommands {
			sub.Parent = s
			finish(sub)
			allSpecs = append(allSpecs, sub)
		}
	}
	sort.Slice(allSpecs, func(i, j int) bool { return allSpecs[i].Name < allSpecs[j].Name })
}

// finish derives the computed fields of a spec: Container, the legacy key range and
// MovableKeys, and the key procedure.
func finish(s *Spec) {
	if len(s.Subcommands) > 0 {
		s.Flags |= Container
	}
	if s.Removed != "" {
		s.Flags |= Removed
	}
	s.FirstKey, s.LastKey, s.Step = 0, 0, 0
	first, last, step, movable := legacyRange(s.KeySpecs)
	s.FirstKey, s.LastKey, s.Step = first, last, step
	if movable {
		s.Flags |= MovableKeys
	}
	s.keysProc = procFor(s.Name)
	if s.keysProc != nil {
		s.Flags |= MovableKeys
	}
}

// legacyRange computes what COMMAND reports as first/last/step, following the rules of
// Redis 7's populateCommandLegacyRangeSpec (server.c @ 7.4.1): one plain range spec is taken
// as is; otherwise consecutive index+range specs with step 1 are merged; anything else makes
// the command "movable".
func legacyRange(specs []KeySpec) (first, last, step int, movable bool) {
	if len(specs) == 0 {
		return 0, 0, 0, false
	}
	abs := func(ks KeySpec) int {
		if ks.LastKey >= 0 {
			return ks.Pos + ks.LastKey
		}
		return ks.LastKey
	}
	if len(specs) == 1 && specs[0].Begin == BeginIndex && specs[0].Find == FindRange {
		ks := specs[0]
		return ks.Pos, abs(ks), ks.Step, ks.Flags&KeyIncomplete != 0
	}
	const none = int(^uint(0) >> 1)
	first = none
	var lastU, prevLast uint
	for _, ks := range specs {
		if ks.Begin != BeginIndex || ks.Find != FindRange {
			movable = true
			continue
		}
		if ks.Step != 1 || (prevLast != 0 && prevLast != uint(ks.Pos-1)) {
			movable = true
			continue
		}
		if ks.Flags&KeyIncomplete != 0 {
			movable = true
		}
		first = min(first, ks.Pos)
		// Redis compares as unsigned so that a negative (from the end) last key wins.
		lastU = max(lastU, uint(abs(ks)))
		prevLast = lastU
	}
	if first == none {
		return 0, 0, 0, true
	}
	return first, int(lastU), 1, movable
}

// Lookup resolves a record's command the way Redis 7's lookupCommand does: argv[0] is
// matched case-insensitively (ASCII) and exactly ("EXPIRE " is unknown); for a container
// with at least two arguments, argv[1] selects the sub-command, and an unknown sub-command is
// an *UnknownSubcommandError. A container with argc 1 returns the container's own Spec, whose
// ArityOK(1) is then false except for COMMAND (arity -1). Empty args give an
// *UnknownCommandError with an empty Name.
//
// The table is the union of Redis 3.2 through 8.0 and Valkey 8.0: use AvailableIn to ask
// whether a given server version knows the command. Loaders before 7.0 looked up argv[0]
// only (an unknown sub-command was a command error, not fatal): use LookupName for them.
//
// Cost: one map lookup per level; no allocation when the command is found (errors allocate).
func Lookup(args [][]byte) (*Spec, error) {
	if len(args) == 0 {
		return nil, &UnknownCommandError{}
	}
	s := lookupIn(commands, args[0])
	if s == nil {
		return nil, &UnknownCommandError{Name: capName(args[0])}
	}
	if s.Subcommands == nil || len(args) < 2 {
		return s, nil
	}
	sub := lookupIn(s.Subcommands, args[1])
	if sub == nil {
		return nil, &UnknownSubcommandError{Container: s.Name, Sub: capName(args[1])}
	}
	return sub, nil
}

// LookupName returns the top-level command named name (case-insensitive, exact), or nil.
// It does not descend into sub-commands; a full name such as "xgroup|create" is not a
// command name and gives nil. Cost: one map lookup, no allocation.
func LookupName(name []byte) *Spec {
	return lookupIn(commands, name)
}

// lookupIn lowers name into a stack buffer and looks it up; the string(buf) conversion in
// the index expression does not allocate.
func lookupIn(m map[string]*Spec, name []byte) *Spec {
	if len(name) == 0 || len(name) > maxNameLen {
		return nil
	}
	var buf [maxNameLen]byte
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return m[string(buf[:len(name)])]
}

func capName(b []byte) string {
	if len(b) > errNameCap {
		b = b[:errNameCap]
	}
	return string(b)
}

// All returns every spec, containers and sub-commands included, sorted by Name. The slice is
// fresh (callers may reorder it); the Specs are shared and read-only. Cost: one copy of the
// table (a few hundred pointers).
func All() []*Spec {
	return append([]*Spec(nil), allSpecs...)
}
