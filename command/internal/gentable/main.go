// Command gentable writes command/table_gen.go from the command JSON files of a Redis source
// tree (src/commands/*.json, Redis 7.4.1 is the baseline) and, optionally, a Valkey source tree
// whose commands Redis lacks are added with Since "valkey-<major.minor>".
//
// It reads facts only (names, arity, flags, key specs, since, group) and writes Go literals;
// run it by hand when the baseline moves:
//
//	git -C REDIS archive 7.4.1 src/commands | tar -x -C /tmp/r
//	git -C VALKEY archive 8.0.1 src/commands | tar -x -C /tmp/v
//	go run ./command/internal/gentable -redis /tmp/r/src/commands -valkey /tmp/v/src/commands -o command/table_gen.go
//
// Differences between the two trees for commands both have are printed on stderr for review.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type jsonSpec struct {
	Since        string            `json:"since"`
	Group        string            `json:"group"`
	Arity        int               `json:"arity"`
	Container    string            `json:"container"`
	CommandFlags []string          `json:"command_flags"`
	DocFlags     []string          `json:"doc_flags"`
	KeySpecs     []json.RawMessage `json:"key_specs"`
}

type keySpec struct {
	Flags       []string                   `json:"flags"`
	BeginSearch map[string]json.RawMessage `json:"begin_search"`
	FindKeys    map[string]json.RawMessage `json:"find_keys"`
}

type spec struct {
	name, container string // lower case; container "" for top level
	j               jsonSpec
	since           string
	keys            []keySpec
	subs            map[string]*spec
}

var cmdFlags = map[string]string{
	"WRITE": "Write", "READONLY": "ReadOnly", "DENYOOM": "DenyOOM", "ADMIN": "Admin",
	"PUBSUB": "PubSub", "NOSCRIPT": "NoScript", "BLOCKING": "Blocking", "LOADING": "Loading",
	"STALE": "Stale", "SKIP_MONITOR": "SkipMonitor", "SKIP_SLOWLOG": "SkipSlowlog",
	"FAST": "Fast", "NO_AUTH": "NoAuth", "MAY_REPLICATE": "MayReplicate",
	"NO_MANDATORY_KEYS": "NoMandatoryKeys", "PROTECTED": "Protected",
	"NO_ASYNC_LOADING": "NoAsyncLoading", "NO_MULTI": "NoMulti", "ALLOW_BUSY": "AllowBusy",
	"TOUCHES_ARBITRARY_KEYS": "TouchesArbitraryKeys", "ASKING": "Asking",
	"SENTINEL": "", // also available in sentinel mode: irrelevant here
}

var docFlags = map[string]string{"DEPRECATED": "Deprecated", "SYSCMD": "SysCmd"}

var keyFlags = map[string]string{
	"RO": "KeyRO", "RW": "KeyRW", "OW": "KeyOW", "RM": "KeyRM", "ACCESS": "KeyAccess",
	"UPDATE": "KeyUpdate", "INSERT": "KeyInsert", "DELETE": "KeyDelete", "NOT_KEY": "KeyNotKey",
	"INCOMPLETE": "KeyIncomplete", "VARIABLE_FLAGS": "KeyVariableFlags",
}

func majorMinor(v string) string {
	p := strings.Split(v, ".")
	if len(p) < 2 {
		return v
	}
	return p[0] + "." + p[1]
}

func load(dir string) (map[string]*spec, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	top := map[string]*spec{}
	var subs []*spec
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]jsonSpec
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for name, j := range m {
			if has(j.CommandFlags, "ONLY_SENTINEL") || has(j.CommandFlags, "EXPERIMENTAL") {
				continue
			}
			s := &spec{name: strings.ToLower(name), container: strings.ToLower(j.Container), j: j, since: majorMinor(j.Since)}
			for _, raw := range j.KeySpecs {
				var ks keySpec
				if err := json.Unmarshal(raw, &ks); err != nil {
					return nil, fmt.Errorf("%s: key spec: %w", f, err)
				}
				s.keys = append(s.keys, ks)
			}
			if s.container != "" {
				subs = append(subs, s)
			} else {
				top[s.name] = s
			}
		}
	}
	for _, s := range subs {
		c := top[s.container]
		if c == nil {
			// container is sentinel-only
			continue
		}
		if c.subs == nil {
			c.subs = map[string]*spec{}
		}
		c.subs[s.name] = s
	}
	return top, nil
}

func has(list []string, x string) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func main() {
	redisDir := flag.String("redis", "", "Redis src/commands directory")
	valkeyDir := flag.String("valkey", "", "Valkey src/commands directory (optional)")
	valkeyVer := flag.String("valkey-version", "8.0", "Valkey version for Since of Valkey-only commands")
	out := flag.String("o", "table_gen.go", "output file")
	flag.Parse()
	top, err := load(*redisDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *valkeyDir != "" {
		vk, err := load(*valkeyDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		merge(top, vk, "valkey-"+*valkeyVer)
	}
	src, err := render(top)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func merge(top, vk map[string]*spec, since string) {
	for _, name := range sortedKeys(vk) {
		v := vk[name]
		r := top[name]
		if r == nil {
			v.since = since
			for _, s := range v.subs {
				s.since = since
			}
			top[name] = v
			fmt.Fprintf(os.Stderr, "valkey-only command %s\n", name)
			continue
		}
		compare(r, v)
		for _, sn := range sortedKeys(v.subs) {
			vs := v.subs[sn]
			rs := r.subs[sn]
			if rs == nil {
				vs.since = since
				if r.subs == nil {
					r.subs = map[string]*spec{}
				}
				r.subs[sn] = vs
				fmt.Fprintf(os.Stderr, "valkey-only subcommand %s|%s\n", name, sn)
				continue
			}
			compare(rs, vs)
		}
	}
	for _, name := range sortedKeys(top) {
		if vk[name] == nil && top[name].since <= "7.2" {
			fmt.Fprintf(os.Stderr, "note: %s (since %s) absent from valkey\n", name, top[name].since)
		}
	}
}

func compare(r, v *spec) {
	full := r.name
	if r.container != "" {
		full = r.container + "|" + r.name
	}
	if r.j.Arity != v.j.Arity {
		fmt.Fprintf(os.Stderr, "diff %s arity redis %d valkey %d\n", full, r.j.Arity, v.j.Arity)
	}
	if a, b := strings.Join(r.j.CommandFlags, ","), strings.Join(v.j.CommandFlags, ","); a != b {
		fmt.Fprintf(os.Stderr, "diff %s flags redis %s valkey %s\n", full, a, b)
	}
	ka, _ := json.Marshal(r.keys)
	kb, _ := json.Marshal(v.keys)
	if !bytes.Equal(ka, kb) {
		fmt.Fprintf(os.Stderr, "diff %s keyspecs redis %s valkey %s\n", full, ka, kb)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

func render(top map[string]*spec) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by command/internal/gentable from Redis 7.4.1 and Valkey 8.0.1 src/commands/*.json; DO NOT EDIT.\n\n")
	b.WriteString("package command\n\n")
	b.WriteString("func generatedSpecs() []*Spec {\n\treturn []*Spec{\n")
	for _, name := range sortedKeys(top) {
		if err := writeSpec(&b, top[name], ""); err != nil {
			return nil, err
		}
		b.WriteString(",\n")
	}
	b.WriteString("\t}\n}\n")
	return format.Source(b.Bytes())
}

func writeSpec(b *bytes.Buffer, s *spec, parent string) error {
	full := s.name
	if parent != "" {
		full = parent + "|" + s.name
	}
	fmt.Fprintf(b, "{Name: %q, Arity: %d", full, s.j.Arity)
	var fl []string
	for _, f := range s.j.CommandFlags {
		g, ok := cmdFlags[f]
		if !ok {
			return fmt.Errorf("%s: unknown command flag %s", full, f)
		}
		if g != "" {
			fl = append(fl, g)
		}
	}
	for _, f := range s.j.DocFlags {
		g, ok := docFlags[f]
		if !ok {
			return fmt.Errorf("%s: unknown doc flag %s", full, f)
		}
		fl = append(fl, g)
	}
	if len(fl) > 0 {
		fmt.Fprintf(b, ", Flags: %s", strings.Join(fl, "|"))
	}
	fmt.Fprintf(b, ", Group: %q, Since: %q", s.j.Group, s.since)
	if len(s.keys) > 0 {
		b.WriteString(", KeySpecs: []KeySpec{")
		for _, ks := range s.keys {
			if err := writeKeySpec(b, ks, full); err != nil {
				return err
			}
			b.WriteString(", ")
		}
		b.WriteString("}")
	}
	if len(s.subs) > 0 {
		b.WriteString(",\nSubcommands: map[string]*Spec{\n")
		for _, sn := range sortedKeys(s.subs) {
			fmt.Fprintf(b, "%q: ", sn)
			if err := writeSpec(b, s.subs[sn], s.name); err != nil {
				return err
			}
			b.WriteString(",\n")
		}
		b.WriteString("}")
	}
	b.WriteString("}")
	return nil
}

func writeKeySpec(b *bytes.Buffer, ks keySpec, full string) error {
	var fl []string
	for _, f := range ks.Flags {
		g, ok := keyFlags[f]
		if !ok {
			return fmt.Errorf("%s: unknown key flag %s", full, f)
		}
		fl = append(fl, g)
	}
	b.WriteString("{")
	if len(fl) > 0 {
		fmt.Fprintf(b, "Flags: %s, ", strings.Join(fl, "|"))
	}
	switch {
	case ks.BeginSearch["index"] != nil:
		var x struct{ Pos int }
		if err := json.Unmarshal(ks.BeginSearch["index"], &x); err != nil {
			return err
		}
		fmt.Fprintf(b, "Begin: BeginIndex, Pos: %d", x.Pos)
	case ks.BeginSearch["keyword"] != nil:
		var x struct {
			Keyword   string
			Startfrom int
		}
		if err := json.Unmarshal(ks.BeginSearch["keyword"], &x); err != nil {
			return err
		}
		fmt.Fprintf(b, "Begin: BeginKeyword, Keyword: %q, StartFrom: %d", strings.ToUpper(x.Keyword), x.Startfrom)
	default:
		b.WriteString("Begin: BeginUnknown")
	}
	switch {
	case ks.FindKeys["range"] != nil:
		var x struct{ Lastkey, Step, Limit int }
		if err := json.Unmarshal(ks.FindKeys["range"], &x); err != nil {
			return err
		}
		fmt.Fprintf(b, ", Find: FindRange, LastKey: %d, Step: %d", x.Lastkey, x.Step)
		if x.Limit != 0 {
			fmt.Fprintf(b, ", Limit: %d", x.Limit)
		}
	case ks.FindKeys["keynum"] != nil:
		var x struct{ Keynumidx, Firstkey, Step int }
		if err := json.Unmarshal(ks.FindKeys["keynum"], &x); err != nil {
			return err
		}
		fmt.Fprintf(b, ", Find: FindKeynum, KeynumIdx: %d, FirstKey: %d, Step: %d", x.Keynumidx, x.Firstkey, x.Step)
	default:
		b.WriteString(", Find: FindUnknown")
	}
	b.WriteString("}")
	return nil
}
