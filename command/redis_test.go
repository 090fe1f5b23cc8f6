package command

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestAgainstRealServer starts the real redis-server, reads COMMAND and checks that every
// command and sub-command it knows is in our table with the same arity, legacy key range,
// key specs and main flags, and that every command our table says this version has is in
// COMMAND. Skipped without redis-server unless AOFKIT_REQUIRE_REDIS=1.
func TestAgainstRealServer(t *testing.T) {
	addr := startRedis(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)

	info, err := call(conn, r, "INFO", "server")
	if err != nil {
		t.Fatal(err)
	}
	ver := serverVersion(t, info.(string))
	t.Logf("redis-server %d.%d", ver.Major, ver.Minor)

	reply, err := call(conn, r, "COMMAND")
	if err != nil {
		t.Fatal(err)
	}
	top, ok := reply.([]any)
	if !ok || len(top) < 100 {
		t.Fatalf("COMMAND reply: %T with %d entries", reply, len(top))
	}

	// What changed after 7.0 (src/commands/*.json @ 7.2+): the table follows the newest.
	older := map[string]int{}
	keyFlagsChanged := map[string]bool{} // key-spec flags fixed later
	flagsChanged := map[string]Flag{}    // flags added later
	if ver.Major == 7 && ver.Minor < 2 {
		keyFlagsChanged["sinterstore"] = true // destination RW|UPDATE in 7.0, OW|UPDATE since 7.2
		flagsChanged["wait"] = Blocking       // WAIT flagged blocking since 7.2
		older = map[string]int{
			"command|getkeys":         -4, // -3 since 7.2
			"command|getkeysandflags": -4, // -3 since 7.2
			"zrank":                   3,  // -3 since 7.2 (WITHSCORE)
			"zrevrank":                3,  // -3 since 7.2 (WITHSCORE)
		}
	}

	seen := map[string]bool{}
	var check func(e []any)
	check = func(e []any) {
		if len(e) < 10 {
			t.Errorf("short COMMAND entry %v", e)
			return
		}
		name := e[0].(string)
		seen[name] = true
		var args [][]byte
		if c, sub, ok := strings.Cut(name, "|"); ok {
			args = argv(c, sub)
		} else {
			args = argv(name)
		}
		s, err := Lookup(args)
		if err != nil {
			t.Errorf("%s: not in our table: %v", name, err)
			return
		}
		if s.Name != name {
			t.Errorf("%s: Lookup gave %s", name, s.Name)
		}
		arity := int(e[1].(int64))
		if want, ok := older[name]; ok {
			if arity != want {
				t.Errorf("%s: server arity %d, expected the pre-7.2 arity %d", name, arity, want)
			}
		} else if arity != s.Arity {
			t.Errorf("%s: arity %d, server %d", name, s.Arity, arity)
		}
		fk, lk, st := int(e[3].(int64)), int(e[4].(int64)), int(e[5].(int64))
		if fk != s.FirstKey || lk != s.LastKey || st != s.Step {
			t.Errorf("%s: first/last/step %d/%d/%d, server %d/%d/%d", name, s.FirstKey, s.LastKey, s.Step, fk, lk, st)
		}
		checkFlags(t, s, e[2].([]any), flagsChanged[name])
		checkKeySpecs(t, s, e[8].([]any), keyFlagsChanged[name])
		for _, sub := range e[9].([]any) {
			check(sub.([]any))
		}
	}
	for _, e := range top {
		check(e.([]any))
	}

	for _, s := range allSpecs {
		if s.AvailableIn(ver) && !seen[s.Name] {
			t.Errorf("%s (since %s) should exist in %d.%d but COMMAND lacks it", s.Name, s.Since, ver.Major, ver.Minor)
		}
	}
	t.Logf("%d commands and sub-commands checked", len(seen))
}

// checkFlags compares the flags that did not change between 7.0 and 7.4. (7.0 does not report
// may_replicate; 7.2 dropped noscript from blocking commands; CLUSTER SLOTS/SHARDS gained
// loading.)
func checkFlags(t *testing.T, s *Spec, server []any, ignore Flag) {
	t.Helper()
	compared := map[string]Flag{
		"write": Write, "readonly": ReadOnly, "denyoom": DenyOOM, "admin": Admin,
		"pubsub": PubSub, "fast": Fast, "blocking": Blocking, "movablekeys": MovableKeys,
		"no_auth": NoAuth, "asking": Asking, "skip_monitor": SkipMonitor, "no_multi": NoMulti,
	}
	var got Flag
	for _, f := range server {
		got |= compared[f.(string)]
	}
	var mask Flag
	for _, f := range compared {
		mask |= f
	}
	mask &^= ignore
	got &^= ignore
	if want := s.Flags & mask; got != want {
		t.Errorf("%s: flags %v, server %v", s.Name, want.Names(), got.Names())
	}
}

var keyFlagNames = map[string]KeyFlag{
	"ro": KeyRO, "rw": KeyRW, "ow": KeyOW, "rm": KeyRM, "access": KeyAccess, "update": KeyUpdate,
	"insert": KeyInsert, "delete": KeyDelete, "not_key": KeyNotKey, "incomplete": KeyIncomplete,
	"variable_flags": KeyVariableFlags,
}

func checkKeySpecs(t *testing.T, s *Spec, server []any, ignoreFlags bool) {
	t.Helper()
	if len(server) != len(s.KeySpecs) {
		t.Errorf("%s: %d key specs, server %d", s.Name, len(s.KeySpecs), len(server))
		return
	}
	for i, raw := range server {
		m := pairs(raw)
		var ks KeySpec
		for _, f := range m["flags"].([]any) {
			fl, ok := keyFlagNames[strings.ToLower(f.(string))]
			if !ok {
				t.Errorf("%s: unknown key flag %v", s.Name, f)
			}
			ks.Flags |= fl
		}
		bs := pairs(m["begin_search"])
		bspec := pairs(bs["spec"])
		switch bs["type"] {
		case "index":
			ks.Begin, ks.Pos = BeginIndex, num(bspec["index"])
		case "keyword":
			ks.Begin = BeginKeyword
			ks.Keyword = strings.ToUpper(bspec["keyword"].(string))
			ks.StartFrom = num(bspec["startfrom"])
		}
		fkm := pairs(m["find_keys"])
		fspec := pairs(fkm["spec"])
		switch fkm["type"] {
		case "range":
			ks.Find = FindRange
			ks.LastKey, ks.Step, ks.Limit = num(fspec["lastkey"]), num(fspec["keystep"]), num(fspec["limit"])
		case "keynum":
			ks.Find = FindKeynum
			ks.KeynumIdx, ks.FirstKey, ks.Step = num(fspec["keynumidx"]), num(fspec["firstkey"]), num(fspec["keystep"])
		}
		ours := s.KeySpecs[i]
		if ignoreFlags {
			ks.Flags, ours.Flags = 0, 0
		}
		if ks != ours {
			t.Errorf("%s: key spec %d is %+v, server %+v", s.Name, i, s.KeySpecs[i], ks)
		}
	}
}

// pairs turns a RESP2 flat [k1, v1, k2, v2, ...] array into a map.
func pairs(v any) map[string]any {
	m := map[string]any{}
	a, _ := v.([]any)
	for i := 0; i+1 < len(a); i += 2 {
		if k, ok := a[i].(string); ok {
			m[k] = a[i+1]
		}
	}
	return m
}

func num(v any) int {
	n, _ := v.(int64)
	return int(n)
}

func serverVersion(t *testing.T, info string) Version {
	t.Helper()
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			ver, err := ParseVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			return ver
		}
	}
	t.Fatal("no redis_version in INFO")
	return Version{}
}

// startRedis starts a redis-server on a free 127.0.0.1 port and returns its address once it
// logs that it accepts connections. The server is killed when the test ends.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("AOFKIT_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server required (AOFKIT_REQUIRE_REDIS=1): %v", err)
		}
		t.Skip("redis-server not installed")
	}
	var lastErr error
	for range 3 { // the port we picked may be taken before the server binds it
		addr, err := tryStartRedis(t, bin)
		if err == nil {
			return addr
		}
		lastErr = err
	}
	t.Fatal(lastErr)
	return ""
}

func tryStartRedis(t *testing.T, bin string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--enable-debug-command", "yes", "--daemonize", "no",
		"--logfile", "", "--dir", t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return "", err
	}
	var log strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if strings.Contains(line, "Ready to accept connections") {
			go io.Copy(io.Discard, out) // keep draining so the server never blocks on its log
			t.Cleanup(func() {
				cmd.Process.Kill()
				cmd.Wait()
			})
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	return "", fmt.Errorf("redis-server on port %d did not start:\n%s", port, log.String())
}

// call sends one command and reads one RESP2 reply: string, int64, nil, []any or an error.
func call(w io.Writer, r *bufio.Reader, args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return nil, err
	}
	return readReply(r)
}

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty RESP line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, errors.New(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected RESP line %q", line)
}
