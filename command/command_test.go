package command

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

func argv(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

// mixedCase alternates upper and lower case: "xgroup" -> "XgRoUp".
func mixedCase(s string) string {
	b := []byte(s)
	for i := range b {
		if i%2 == 0 {
			b[i] = strings.ToUpper(string(b[i]))[0]
		}
	}
	return string(b)
}

func TestLookupEveryName(t *testing.T) {
	cases := map[string]func(string) string{
		"lower": strings.ToLower,
		"upper": strings.ToUpper,
		"mixed": mixedCase,
	}
	n := 0
	for _, s := range All() {
		n++
		container, sub, isSub := strings.Cut(s.Name, "|")
		for cname, f := range cases {
			var args [][]byte
			if isSub {
				args = argv(f(container), f(sub), "x", "y")
			} else {
				args = argv(f(container))
			}
			got, err := Lookup(args)
			if err != nil {
				t.Errorf("%s %s: Lookup(%q) error %v", s.Name, cname, args, err)
				continue
			}
			if got != s {
				t.Errorf("%s %s: Lookup(%q) = %s", s.Name, cname, args, got.Name)
			}
		}
	}
	if n < 380 {
		t.Errorf("All() has %d specs, expected the whole table (>= 380)", n)
	}
}

func TestLookupSubcommands(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"XGROUP", "CREATE", "k", "g", "$"}, "xgroup|create"},
		{[]string{"xgroup", "setid", "k", "g", "0"}, "xgroup|setid"},
		{[]string{"XGROUP", "DESTROY", "k", "g"}, "xgroup|destroy"},
		{[]string{"XGROUP", "CREATECONSUMER", "k", "g", "c"}, "xgroup|createconsumer"},
		{[]string{"XGROUP", "DELCONSUMER", "k", "g", "c"}, "xgroup|delconsumer"},
		{[]string{"XGROUP", "HELP"}, "xgroup|help"},
		{[]string{"FUNCTION", "LOAD", "#!lua name=x\n"}, "function|load"},
		{[]string{"function", "Delete", "lib"}, "function|delete"},
		{[]string{"FUNCTION", "FLUSH"}, "function|flush"},
		{[]string{"FUNCTION", "RESTORE", "payload"}, "function|restore"},
		{[]string{"FUNCTION", "DUMP"}, "function|dump"},
		{[]string{"FUNCTION", "LIST"}, "function|list"},
		{[]string{"FUNCTION", "STATS"}, "function|stats"},
		{[]string{"FUNCTION", "KILL"}, "function|kill"},
		{[]string{"SCRIPT", "LOAD", "return 1"}, "script|load"},
		{[]string{"SCRIPT", "FLUSH"}, "script|flush"},
		{[]string{"SCRIPT", "EXISTS", "sha"}, "script|exists"},
		{[]string{"SCRIPT", "KILL"}, "script|kill"},
		{[]string{"SCRIPT", "DEBUG", "YES"}, "script|debug"},
		{[]string{"SCRIPT", "SHOW", "sha"}, "script|show"},
		{[]string{"CONFIG", "SET", "a", "b"}, "config|set"},
		{[]string{"CLIENT", "NO-EVICT", "on"}, "client|no-evict"},
		{[]string{"CLIENT", "CAPA", "redirect"}, "client|capa"},
		{[]string{"OBJECT", "ENCODING", "k"}, "object|encoding"},
		{[]string{"MEMORY", "USAGE", "k"}, "memory|usage"},
		{[]string{"XINFO", "STREAM", "k"}, "xinfo|stream"},
		{[]string{"CLUSTER", "SETSLOT", "1", "STABLE"}, "cluster|setslot"},
		{[]string{"CLUSTER", "SLOT-STATS", "ORDERBY", "key-count"}, "cluster|slot-stats"},
		{[]string{"ACL", "SETUSER", "u"}, "acl|setuser"},
		{[]string{"COMMAND", "DOCS"}, "command|docs"},
		{[]string{"PUBSUB", "CHANNELS"}, "pubsub|channels"},
		{[]string{"MODULE", "LOAD", "/x.so"}, "module|load"},
		{[]string{"LATENCY", "RESET"}, "latency|reset"},
		{[]string{"SLOWLOG", "GET"}, "slowlog|get"},
		// DEBUG is not a container: any argv[1] resolves to DEBUG itself.
		{[]string{"DEBUG", "RELOAD"}, "debug"},
		{[]string{"DEBUG", "NO-SUCH-THING"}, "debug"},
		// A bare container resolves to the container.
		{[]string{"XGROUP"}, "xgroup"},
		{[]string{"COMMAND"}, "command"},
		// Legacy and version-specific names.
		{[]string{"RESTORE-ASKING", "k", "0", "p"}, "restore-asking"},
		{[]string{"STRALGO", "LCS", "KEYS", "a", "b"}, "stralgo"},
		{[]string{"HEXPIRE", "k", "10", "FIELDS", "1", "f"}, "hexpire"},
		{[]string{"hgetex", "k", "FIELDS", "1", "f"}, "hgetex"},
		{[]string{"HSETEX", "k", "FIELDS", "1", "f", "v"}, "hsetex"},
		{[]string{"HGETDEL", "k", "FIELDS", "1", "f"}, "hgetdel"},
		{[]string{"GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d"}, "georadius"},
	}
	for _, tt := range tests {
		got, err := Lookup(argv(tt.args...))
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.args, err)
			continue
		}
		if got.Name != tt.want {
			t.Errorf("Lookup(%q) = %s, want %s", tt.args, got.Name, tt.want)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	long := strings.Repeat("a", 100)
	tests := []struct {
		args    [][]byte
		cmd     string // expected UnknownCommandError.Name
		sub     string // expected UnknownSubcommandError.Sub (container in cont)
		cont    string
		wantSub bool
	}{
		{args: argv("EXPIRE "), cmd: "EXPIRE "},
		{args: argv(" GET"), cmd: " GET"},
		{args: argv("xgroup|create", "k", "g", "$"), cmd: "xgroup|create"},
		{args: argv(""), cmd: ""},
		{args: nil, cmd: ""},
		{args: argv(long), cmd: long},
		{args: argv("GET\x00"), cmd: "GET\x00"},
		{args: argv("JSON.SET", "k", "$", "1"), cmd: "JSON.SET"},
		{args: argv("POST"), cmd: "POST"},
		{args: argv("SFLUSH", "0", "100"), cmd: "SFLUSH"},
		{args: argv("SENTINEL", "MASTERS"), cmd: "SENTINEL"},
		{args: argv("XGROUP", "NOPE", "k"), wantSub: true, cont: "xgroup", sub: "NOPE"},
		{args: argv("XGROUP", "CREATE "), wantSub: true, cont: "xgroup", sub: "CREATE "},
		{args: argv("CONFIG", ""), wantSub: true, cont: "config", sub: ""},
		{args: argv("FUNCTION", long), wantSub: true, cont: "function", sub: long},
	}
	for _, tt := range tests {
		s, err := Lookup(tt.args)
		if s != nil {
			t.Errorf("Lookup(%q) = %s, want an error", tt.args, s.Name)
			continue
		}
		if tt.wantSub {
			var e *UnknownSubcommandError
			if !errors.As(err, &e) {
				t.Errorf("Lookup(%q) error %T %v, want *UnknownSubcommandError", tt.args, err, err)
				continue
			}
			if e.Container != tt.cont || e.Sub != tt.sub {
				t.Errorf("Lookup(%q) = %+v", tt.args, e)
			}
			continue
		}
		var e *UnknownCommandError
		if !errors.As(err, &e) {
			t.Errorf("Lookup(%q) error %T %v, want *UnknownCommandError", tt.args, err, err)
			continue
		}
		if e.Name != tt.cmd {
			t.Errorf("Lookup(%q) Name = %q, want %q", tt.args, e.Name, tt.cmd)
		}
	}
	// Error names are capped at 128 bytes, like Redis's %.128s.
	_, err := Lookup(argv(strings.Repeat("z", 1000)))
	if e := (*UnknownCommandError)(nil); !errors.As(err, &e) || len(e.Name) != 128 {
		t.Errorf("1000-byte name: %v", err)
	}
	if got := err.Error(); !strings.HasPrefix(got, "unknown command 'zzz") {
		t.Errorf("message %q", got)
	}
	_, err = Lookup(argv("xgroup", "bad"))
	if got, want := err.Error(), "unknown subcommand 'bad' of 'xgroup'"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestLookupName(t *testing.T) {
	if s := LookupName([]byte("XgRoUp")); s == nil || s.Name != "xgroup" {
		t.Errorf("LookupName(XgRoUp) = %v", s)
	}
	if s := LookupName([]byte("xgroup|create")); s != nil {
		t.Errorf("LookupName(xgroup|create) = %s, want nil", s.Name)
	}
}

func TestArity(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"SET", "k", "v"}, true},
		{[]string{"SET", "k"}, false},
		{[]string{"SET", "k", "v", "PXAT", "1", "GET"}, true},
		{[]string{"GET", "k"}, true},
		{[]string{"GET", "k", "x"}, false},
		{[]string{"MULTI"}, true},
		{[]string{"MULTI", "x"}, false},
		{[]string{"EXEC"}, true},
		{[]string{"SELECT", "3"}, true},
		{[]string{"SELECT"}, false},
		{[]string{"DEL"}, false},
		{[]string{"DEL", "a", "b", "c"}, true},
		{[]string{"MSET", "a", "1"}, true},
		{[]string{"MSET", "a"}, false},
		{[]string{"PEXPIREAT", "k", "1", "NX"}, true},
		{[]string{"XGROUP"}, false}, // the loader segfaults on this one
		{[]string{"XGROUP", "CREATE", "k", "g", "$"}, true},
		{[]string{"XGROUP", "CREATE", "k", "g"}, false},
		{[]string{"XGROUP", "CREATE", "k", "g", "$", "MKSTREAM", "ENTRIESREAD", "3"}, true},
		{[]string{"XGROUP", "HELP"}, true},
		{[]string{"XGROUP", "HELP", "x"}, false},
		{[]string{"FUNCTION", "FLUSH"}, true},
		{[]string{"FUNCTION", "LOAD"}, false},
		{[]string{"COMMAND"}, true},
		{[]string{"CONFIG"}, false},
		{[]string{"HSETEX", "k", "FIELDS", "1", "f", "v"}, true},
		{[]string{"HSETEX", "k", "FIELDS", "1", "f"}, false},
		{[]string{"HGETDEL", "k", "FIELDS", "1", "f"}, true},
		{[]string{"HPEXPIREAT", "k", "1", "FIELDS", "1", "f"}, true},
		{[]string{"HPEXPIREAT", "k", "1", "FIELDS", "1"}, false},
		{[]string{"RESTORE", "k", "0", "payload"}, true},
		{[]string{"ZADD", "z", "1"}, false},
	}
	for _, tt := range tests {
		s, err := Lookup(argv(tt.args...))
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.args, err)
			continue
		}
		if got := s.ArityOK(len(tt.args)); got != tt.ok {
			t.Errorf("%s (arity %d) ArityOK(%d) = %v, want %v", s.Name, s.Arity, len(tt.args), got, tt.ok)
		}
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name     string // top level or "container|sub"
		has, not Flag
	}{
		{"multi", Framing, Write},
		{"exec", Framing, Write},
		{"select", Framing, Write},
		{"discard", 0, Framing},
		{"watch", 0, Framing},
		{"set", Write | DenyOOM, ReadOnly | Framing},
		{"get", ReadOnly | Fast, Write},
		{"del", Write, ReadOnly},
		{"flushall", Write, 0},
		{"swapdb", Write, Framing},
		{"pfcount", ReadOnly | MayReplicate, Write},
		{"eval", Script | MayReplicate | NoScript | MovableKeys, Write},
		{"evalsha", Script, Write},
		{"fcall", Script | MovableKeys, 0},
		{"fcall_ro", Script, Write},
		{"script|load", Script, 0},
		{"script|flush", Script, 0},
		{"script|exists", 0, Script},
		{"function|load", Script | Write, 0},
		{"function|delete", Script | Write, 0},
		{"function|flush", Script | Write, 0},
		{"function|restore", Script | Write, 0},
		{"function|list", 0, Script | Write},
		{"xgroup", Container, Write},
		{"xgroup|create", Write, Container},
		{"config", Container, 0},
		{"debug", Admin | Protected, Container},
		{"blpop", Blocking | Write, 0},
		{"georadius", Write | Deprecated | MovableKeys, 0},
		{"sort", Write | MovableKeys, 0},
		{"migrate", Write | MovableKeys, 0},
		{"xread", ReadOnly | Blocking | MovableKeys, 0},
		{"restore-asking", Write | Asking, 0},
		{"replconf", SysCmd, 0},
		{"stralgo", ReadOnly | Removed, 0},
		{"hexpire", Write, 0},
		{"hsetex", Write | DenyOOM, 0},
		{"hgetdel", Write, 0},
		{"get", 0, MovableKeys},
		{"mset", 0, MovableKeys},
	}
	for _, tt := range tests {
		s := find(t, tt.name)
		if s == nil {
			continue
		}
		if !s.Has(tt.has) {
			t.Errorf("%s flags %v lack %v", s.Name, s.Flags.Names(), tt.has.Names())
		}
		if s.Flags&tt.not != 0 {
			t.Errorf("%s flags %v should not have %v", s.Name, s.Flags.Names(), (s.Flags & tt.not).Names())
		}
	}
	if !find(t, "set").IsWrite() || find(t, "get").IsWrite() || find(t, "pfcount").IsWrite() {
		t.Error("IsWrite wrong for set/get/pfcount")
	}
	if !find(t, "pfcount").MayWrite() || !find(t, "eval").MayWrite() || find(t, "get").MayWrite() {
		t.Error("MayWrite wrong for pfcount/eval/get")
	}
}

// find returns the spec with a full name ("get", "xgroup|create").
func find(t *testing.T, name string) *Spec {
	t.Helper()
	for _, s := range allSpecs {
		if s.Name == name {
			return s
		}
	}
	t.Errorf("no spec %q", name)
	return nil
}

func TestTableInvariants(t *testing.T) {
	all := All()
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("All() not sorted")
	}
	all[0], all[1] = all[1], all[0] // All returns a copy
	if All()[0] != allSpecs[0] {
		t.Error("All() shares its slice")
	}
	for _, s := range allSpecs {
		if s.Name != strings.ToLower(s.Name) {
			t.Errorf("%s: name not lower case", s.Name)
		}
		parent, sub, isSub := strings.Cut(s.Name, "|")
		for _, part := range []string{parent, sub} {
			if len(part) > maxNameLen {
				t.Errorf("%s: name part longer than maxNameLen", s.Name)
			}
		}
		if isSub != (s.Parent != nil) {
			t.Errorf("%s: Parent %v", s.Name, s.Parent)
		}
		if isSub && (s.Parent.Name != parent || s.Parent.Subcommands[sub] != s) {
			t.Errorf("%s: not linked from its container", s.Name)
		}
		if s.Arity == 0 {
			t.Errorf("%s: arity 0", s.Name)
		}
		if isSub && s.Arity > 0 && s.Arity < 2 || isSub && s.Arity < 0 && s.Arity > -2 {
			t.Errorf("%s: sub-command arity %d does not count the container", s.Name, s.Arity)
		}
		if _, err := ParseVersion(s.Since); err != nil {
			t.Errorf("%s: Since %q: %v", s.Name, s.Since, err)
		}
		if s.IsContainer() != s.Has(Container) {
			t.Errorf("%s: Container flag and Subcommands disagree", s.Name)
		}
	}
}

func TestAvailableIn(t *testing.T) {
	tests := []struct {
		name, version string
		want          bool
	}{
		{"get", "3.2", true},
		{"get", "valkey-8.0", true},
		{"georadius", "3.2", true},
		{"xadd", "4.0", false},
		{"xadd", "5.0.14", true},
		{"xgroup|createconsumer", "6.0", false},
		{"xgroup|createconsumer", "6.2", true},
		{"stralgo", "6.0", true},
		{"stralgo", "6.2", true},
		{"stralgo", "7.0", false},
		{"stralgo", "valkey-8.0", false},
		{"lcs", "6.2", false},
		{"lcs", "7.0", true},
		{"function|load", "6.2", false},
		{"function|load", "redis-7.0.15", true},
		{"waitaof", "7.0", false},
		{"waitaof", "7.2", true},
		{"waitaof", "valkey-8.0", true},
		{"hexpire", "7.2", false},
		{"hexpire", "7.4", true},
		{"hexpire", "valkey-8.0", false},
		{"hsetex", "7.4", false},
		{"hsetex", "8.0", true},
		{"client|capa", "8.0", false},
		{"client|capa", "valkey-8.0.1", true},
		{"client|capa", "valkey-7.2", false},
		{"script|show", "valkey-8.0", true},
		{"cluster|slot-stats", "7.4", false},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.version)
		if err != nil {
			t.Fatal(err)
		}
		if got := find(t, tt.name).AvailableIn(v); got != tt.want {
			t.Errorf("%s AvailableIn(%s) = %v, want %v", tt.name, tt.version, got, tt.want)
		}
	}
	for _, bad := range []string{"", "7", "x.y", "valkey-", "7.0.1.2", "-1.0"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}

func TestLookupNoAlloc(t *testing.T) {
	recs := [][][]byte{
		argv("SET", "k", "v"),
		argv("xgroup", "CREATECONSUMER", "k", "g", "c"),
		argv("PEXPIREAT", "k", "1"),
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, r := range recs {
			if _, err := Lookup(r); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Lookup allocates %v times per run", allocs)
	}
}

func BenchmarkLookup(b *testing.B) {
	recs := [][][]byte{
		argv("SET", "k", "v"),
		argv("hset", "h", "f", "v"),
		argv("PEXPIREAT", "k", "1"),
		argv("XGROUP", "CREATE", "k", "g", "$"),
		argv("MULTI"),
		argv("ZADD", "z", "1", "m"),
		argv("Select", "0"),
		argv("FUNCTION", "LOAD", "x"),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Lookup(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
}
