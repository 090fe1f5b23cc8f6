package keyspace

// Function libraries (src/functions.c @ 7.0.15): FUNCTION LOAD [REPLACE], FUNCTION DELETE,
// FUNCTION FLUSH [ASYNC|SYNC] and FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE].
//
// A library is its code, verbatim, under the name its first line declares
// ("#!<engine> name=<name>", split the way sdssplitargs splits it). The engine does not run
// Lua, so it cannot know which functions a library registers: the checks that need them
// (a library that registers none, or a function name another library already uses) are not
// made. A real AOF only holds FUNCTION commands that succeeded, so replay is unaffected;
// FCALL itself never reaches an AOF (its effects do) and the core refuses it.

import (
	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/rdb"
)

// LuaEngine is the only function engine Redis 7.x registers, as FUNCTION LIST names it.
const LuaEngine = "LUA"

func init() {
	register("function|load", cmdFunctionLoad)
	register("function|delete", cmdFunctionDelete)
	register("function|flush", cmdFunctionFlush)
	register("function|restore", cmdFunctionRestore)
	register("script|flush", cmdScriptFlush)
}

// SCRIPT FLUSH [ASYNC|SYNC]: Redis 3.2 to 6.2 log it (scripting.c @ 6.2.16: dirty++) even
// when scripts replicate their effects. It empties the script cache only, which nothing the
// engine replays depends on (EVALSHA and SCRIPT LOAD are refused): no effect.
func cmdScriptFlush(c *Client, args [][]byte) error {
	if len(args) > 3 || len(args) == 3 && !strOpt(args[2], "sync") && !strOpt(args[2], "async") {
		return fnErr("SCRIPT FLUSH only support SYNC|ASYNC option")
	}
	return nil
}

// fnErr is an error reply whose text comes from an sds (addReplyErrorSds: not sanitized).
func fnErr(msg string) *CommandError { return &CommandError{"ERR " + msg} }

// SplitArgs splits line the way Redis's sdssplitargs does (aof.SplitArgs), the line ending at
// its first NUL byte as a C string does. ok is false where sdssplitargs returns NULL
// (unbalanced quotes, a closing quote followed by something else). Cost: O(len(line)).
func SplitArgs(line []byte) (args [][]byte, ok bool) {
	if i := indexNUL(line); i >= 0 {
		line = line[:i]
	}
	args, reason := aof.SplitArgs(line)
	return args, reason == ""
}

func indexNUL(b []byte) int {
	for i, ch := range b {
		if ch == 0 {
			return i
		}
	}
	return -1
}

// LibraryMeta reads the name and engine of a library from its first line exactly as
// functionExtractLibMetaData and functionsCreateWithLibraryCtx (functions.c @ 7.0.15) do,
// and returns Redis's error text (without "ERR ") when they refuse it: missing "#!", no
// newline before a NUL, bad quoting, an option other than name=, name given twice or not at
// all, a name that is not [A-Za-z0-9_]+, an engine other than Lua (case-insensitive). The
// engine returned is LuaEngine. Cost: O(length of the first line).
func LibraryMeta(code []byte) (name string, engine string, reason string) {
	if len(code) < 2 || code[0] != '#' || code[1] != '!' {
		return "", "", "Missing library metadata"
	}
	nl := -1
	for i, ch := range code { // strchr: stops at the first NUL
		if ch == 0 {
			break
		}
		if ch == '\n' {
			nl = i
			break
		}
	}
	if nl < 0 {
		return "", "", "Invalid library metadata"
	}
	parts, ok := SplitArgs(code[:nl])
	if !ok || len(parts) == 0 {
		return "", "", "Invalid library metadata"
	}
	eng := ""
	if len(parts[0]) > 2 {
		eng = string(parts[0][2:])
	}
	var nm []byte
	for _, part := range parts[1:] {
		if len(part) >= 5 && strOpt(part[:5], "name=") {
			if nm != nil {
				return "", "", "Invalid metadata value, name argument was given multiple times"
			}
			nm = part[5:]
			continue
		}
		return "", "", "Invalid metadata value given: " + string(strCString(part))
	}
	if nm == nil {
		return "", "", "Library name was not given"
	}
	if !fnValidName(nm) {
		return "", "", "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
	}
	if !strOpt([]byte(eng), "lua") || indexNUL([]byte(eng)) >= 0 {
		return "", "", "Engine '" + eng + "' not found"
	}
	return string(nm), LuaEngine, ""
}

// fnValidName is functionsVerifyName: one or more of [A-Za-z0-9_].
func fnValidName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, ch := range b {
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '_') {
			return false
		}
	}
	return true
}

// FUNCTION LOAD [REPLACE] code
func cmdFunctionLoad(c *Client, args [][]byte) error {
	replace := false
	pos := 2
	for pos < len(args)-1 {
		a := args[pos]
		pos++
		if strOpt(a, "replace") {
			replace = true
			continue
		}
		return genFmtErr("ERR Unknown option given: ", a)
	}
	code := args[pos]
	name, engine, reason := LibraryMeta(code)
	if reason != "" {
		return fnErr(reason)
	}
	if _, exists := c.KS.Libraries[name]; exists && !replace {
		return fnErr("Library '" + name + "' already exists")
	}
	c.KS.Libraries[name] = &Library{Name: name, Engine: engine, Code: Clone(code)}
	return nil
}

// FUNCTION DELETE library-name
func cmdFunctionDelete(c *Client, args [][]byte) error {
	if _, ok := c.KS.Libraries[string(args[2])]; !ok {
		return fnErr("Library not found")
	}
	delete(c.KS.Libraries, string(args[2]))
	return nil
}

// fnSubcommandErr is addReplySubcommandSyntaxError.
func fnSubcommandErr(args [][]byte) *CommandError {
	sub := string(strCString(args[1]))
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return &CommandError{"ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try " +
		string(bytesUpper(strCString(args[0]))) + " HELP."}
}

func bytesUpper(b []byte) []byte {
	out := make([]byte, len(b))
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		out[i] = ch
	}
	return out
}

// FUNCTION FLUSH [ASYNC|SYNC]
func cmdFunctionFlush(c *Client, args [][]byte) error {
	if len(args) > 3 {
		return fnSubcommandErr(args)
	}
	if len(args) == 3 && !strOpt(args[2], "sync") && !strOpt(args[2], "async") {
		return fnErr("FUNCTION FLUSH only supports SYNC|ASYNC option")
	}
	c.KS.Libraries = map[string]*Library{}
	return nil
}

// fnPayload collects the library sources of a FUNCTION DUMP payload.
type fnPayload struct {
	rdb.NopHandler
	codes [][]byte
}

func (f *fnPayload) Function(code []byte) error {
	f.codes = append(f.codes, Clone(code))
	return nil
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (functionRestoreCommand): the payload's
// libraries are checked as FUNCTION LOAD checks them (a name twice in the payload fails),
// then FLUSH replaces every library, APPEND fails on a name that exists, REPLACE overwrites.
func cmdFunctionRestore(c *Client, args [][]byte) error {
	if len(args) > 4 {
		return fnSubcommandErr(args)
	}
	const (
		appendPolicy = iota
		replacePolicy
		flushPolicy
	)
	policy := appendPolicy
	if len(args) == 4 {
		switch {
		case strOpt(args[3], "append"):
		case strOpt(args[3], "replace"):
			policy = replacePolicy
		case strOpt(args[3], "flush"):
			policy = flushPolicy
		default:
			return fnErr("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
		}
	}
	p := args[2]
	if err := genCheckPayload(p); err != nil {
		return err
	}
	var h fnPayload
	if len(p) > 10 {
		switch p[0] {
		case rdb.OpFunction2:
		case 246:
			return &UnsupportedError{Command: "function|restore", Reason: "pre-release (7.0 RC) FUNCTION payload format"}
		default:
			return fnErr("given type is not a function")
		}
		if _, err := rdb.DecodePayload(p, &h, rdb.Options{}); err != nil {
			return fnErr("Failed loading library payload")
		}
	}
	libs := make(map[string]*Library, len(h.codes))
	order := make([]string, 0, len(h.codes))
	for _, code := range h.codes {
		name, engine, reason := LibraryMeta(code)
		if reason != "" {
			return fnErr(reason)
		}
		if _, dup := libs[name]; dup {
			return fnErr("Library '" + name + "' already exists")
		}
		libs[name] = &Library{Name: name, Engine: engine, Code: code}
		order = append(order, name)
	}
	switch policy {
	case flushPolicy:
		c.KS.Libraries = libs
		return nil
	case appendPolicy:
		for _, name := range order {
			if _, exists := c.KS.Libraries[name]; exists {
				return fnErr("Library " + name + " already exists")
			}
		}
	}
	for _, name := range order {
		c.KS.Libraries[name] = libs[name]
	}
	return nil
}
