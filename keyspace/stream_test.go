package keyspace

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
)

// xNowMs is the replay clock of the table tests.
const xNowMs = 1_700_000_000_000

func xArgv(line string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(line) {
		if f == `""` {
			f = ""
		}
		out = append(out, []byte(f))
	}
	return out
}

// xRun applies lines on a fresh keyspace and fails the test on any error.
func xRun(t *testing.T, lines ...string) (*Keyspace, *Client) {
	t.Helper()
	ks := New(xNowMs)
	c := ks.NewClient()
	for _, l := range lines {
		if err := c.Apply(xArgv(l)); err != nil {
			t.Fatalf("setup %q: %v", l, err)
		}
	}
	return ks, c
}

// xSummary describes a key compactly: entries, counters, groups with consumers and PEL.
func xSummary(ks *Keyspace, key string) string {
	e := ks.Lookup(0, []byte(key))
	if e == nil {
		return "none"
	}
	if e.V.Kind() != KindStream {
		return e.V.Kind().String()
	}
	var k canon.Key
	ExportKey(0, key, e, &k)
	st := k.Stream
	var b strings.Builder
	b.WriteString("entries=[")
	for i, en := range st.Entries {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(en.ID.String())
	}
	fmt.Fprintf(&b, "] last=%s maxdel=%s added=%d", st.LastID, *st.MaxDeletedID, *st.EntriesAdded)
	for _, g := range st.Groups {
		read := "nil"
		if g.EntriesRead != nil {
			read = fmt.Sprint(*g.EntriesRead)
		}
		fmt.Fprintf(&b, " %s{last=%s read=%s cons=[%s] pel=[", g.Name, g.LastDelivered, read, bytesJoin(g.Consumers))
		for i, p := range g.Pending {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s/%s/%d", p.ID, p.Consumer, p.DeliveryCount)
		}
		b.WriteString("]}")
	}
	if e.Expire != NoExpiry {
		fmt.Fprintf(&b, " ttl=%d", e.Expire)
	}
	return b.String()
}

func bytesJoin(bs [][]byte) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = string(b)
	}
	return strings.Join(s, " ")
}

type xCase struct {
	name  string
	setup []string
	cmd   string
	err   string // substring of the error; "" for success; "UNSUPPORTED" for an *UnsupportedError
	key   string // "" means "s"
	want  string
}

func xRunCases(t *testing.T, cases []xCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks, c := xRun(t, tc.setup...)
			key := tc.key
			if key == "" {
				key = "s"
			}
			before := xSummary(ks, key)
			err := c.Apply(xArgv(tc.cmd))
			switch {
			case tc.err == "UNSUPPORTED":
				var ue *UnsupportedError
				if !errors.As(err, &ue) {
					t.Fatalf("%s: got %v, want an *UnsupportedError", tc.cmd, err)
				}
				return
			case tc.err != "":
				if err == nil || !IsCommandError(err) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%s: got error %v, want a command error containing %q", tc.cmd, err, tc.err)
				}
				if after := xSummary(ks, key); after != before {
					t.Fatalf("%s failed but changed the key:\nbefore %s\nafter  %s", tc.cmd, before, after)
				}
			case err != nil:
				t.Fatalf("%s: %v", tc.cmd, err)
			}
			if tc.want != "" {
				if got := xSummary(ks, key); got != tc.want {
					t.Fatalf("%s:\ngot  %s\nwant %s", tc.cmd, got, tc.want)
				}
			}
		})
	}
}

var xSetup3 = []string{"XADD s 1-1 f v", "XADD s 1-2 f v", "XADD s 2-0 f v"}

func xWith(lines ...[]string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l...)
	}
	return out
}

func TestStreamXADD(t *testing.T) {
	xRunCases(t, []xCase{
		{name: "explicit id", cmd: "XADD s 5-3 f v", want: "entries=[5-3] last=5-3 maxdel=0-0 added=1"},
		{name: "ms only", cmd: "XADD s 5 f v", want: "entries=[5-0] last=5-0 maxdel=0-0 added=1"},
		{name: "ms-* new ms", setup: []string{"XADD s 1-7 f v"}, cmd: "XADD s 2-* f v", want: "entries=[1-7 2-0] last=2-0 maxdel=0-0 added=2"},
		{name: "ms-* same ms", setup: []string{"XADD s 1-7 f v"}, cmd: "XADD s 1-* f v", want: "entries=[1-7 1-8] last=1-8 maxdel=0-0 added=2"},
		{name: "0-* on new stream", cmd: "XADD s 0-* f v", want: "entries=[0-1] last=0-1 maxdel=0-0 added=1"},
		{name: "star uses replay clock", cmd: "XADD s * f v", want: "entries=[1700000000000-0] last=1700000000000-0 maxdel=0-0 added=1"},
		{name: "star after future id", setup: []string{"XADD s 1800000000000-5 f v"}, cmd: "XADD s * f v", want: "entries=[1800000000000-5 1800000000000-6] last=1800000000000-6 maxdel=0-0 added=2"},
		{name: "id 0-0", cmd: "XADD s 0-0 f v", err: "must be greater than 0-0", key: "s", want: "none"},
		{name: "equal id", setup: []string{"XADD s 1-1 f v"}, cmd: "XADD s 1-1 f v", err: "equal or smaller"},
		{name: "smaller id", setup: []string{"XADD s 2-1 f v"}, cmd: "XADD s 1-9 f v", err: "equal or smaller"},
		{name: "ms-* after seq max", setup: []string{"XADD s 1-18446744073709551615 f v"}, cmd: "XADD s 1-* f v", err: "equal or smaller"},
		{name: "exhausted", setup: []string{"XADD s 18446744073709551615-18446744073709551615 f v"}, cmd: "XADD s 1-1 f v", err: "exhausted"},
		{name: "odd field count", cmd: "XADD s 1-1 f v g", err: "wrong number of arguments for 'xadd'", want: "none"},
		{name: "options but no id", cmd: "XADD s NOMKSTREAM MAXLEN 5", err: "wrong number of arguments"},
		{name: "invalid id", cmd: "XADD s 1-x f v", err: "Invalid stream ID", want: "none"},
		{name: "plus is not an id", cmd: "XADD s + f v", err: "Invalid stream ID"},
		{name: "id with spaces and sign (strtoull)", cmd: "XADD s +5-1 f v", want: "entries=[5-1] last=5-1 maxdel=0-0 added=1"},
		{name: "id with leading zeros", cmd: "XADD s 007-01 f v", want: "entries=[7-1] last=7-1 maxdel=0-0 added=1"},
		{name: "negative ms", cmd: "XADD s -1-1 f v", err: "Invalid stream ID"},
		{name: "nomkstream missing key", cmd: "XADD s NOMKSTREAM 1-1 f v", want: "none"},
		{name: "nomkstream existing", setup: []string{"XADD s 1-1 f v"}, cmd: "XADD s NOMKSTREAM 1-2 f v", want: "entries=[1-1 1-2] last=1-2 maxdel=0-0 added=2"},
		{name: "maxlen exact", setup: xSetup3, cmd: "XADD s MAXLEN 2 3-0 f v", want: "entries=[2-0 3-0] last=3-0 maxdel=0-0 added=4"},
		{name: "maxlen = exact", setup: xSetup3, cmd: "XADD s MAXLEN = 1 3-0 f v", want: "entries=[3-0] last=3-0 maxdel=0-0 added=4"},
		{name: "maxlen 0 empties", setup: xSetup3, cmd: "XADD s MAXLEN 0 3-0 f v", want: "entries=[] last=3-0 maxdel=0-0 added=4"},
		{name: "maxlen ~ keeps the node", setup: xSetup3, cmd: "XADD s MAXLEN ~ 1 3-0 f v", want: "entries=[1-1 1-2 2-0 3-0] last=3-0 maxdel=0-0 added=4"},
		{name: "minid exact", setup: xSetup3, cmd: "XADD s MINID 1-2 3-0 f v", want: "entries=[1-2 2-0 3-0] last=3-0 maxdel=0-0 added=4"},
		{name: "minid past everything", setup: xSetup3, cmd: "XADD s MINID 9 3-0 f v", want: "entries=[] last=3-0 maxdel=0-0 added=4"},
		{name: "limit without ~ is accepted from the AOF", setup: xSetup3, cmd: "XADD s MAXLEN 1 LIMIT 1 3-0 f v", want: "entries=[3-0] last=3-0 maxdel=0-0 added=4"},
		{name: "limit without strategy", cmd: "XADD s LIMIT 5 1-1 f v", err: "LIMIT cannot be used without specifying a trimming strategy"},
		{name: "limit 0 without strategy is fine", cmd: "XADD s LIMIT 0 1-1 f v", want: "entries=[1-1] last=1-1 maxdel=0-0 added=1"},
		{name: "maxlen and minid", cmd: "XADD s MAXLEN 1 MINID 1 1-1 f v", err: "not compatible"},
		{name: "negative maxlen", cmd: "XADD s MAXLEN -1 1-1 f v", err: "The MAXLEN argument must be >= 0."},
		{name: "bad maxlen", cmd: "XADD s MAXLEN x 1-1 f v", err: "not an integer"},
		{name: "negative limit", cmd: "XADD s MAXLEN 1 LIMIT -1 1-1 f v", err: "The LIMIT argument must be >= 0."},
		{name: "bad minid", cmd: "XADD s MINID - 1-1 f v", err: "Invalid stream ID"},
		{name: "maxlen as the id", cmd: "XADD s 1-1 MAXLEN 1", want: "entries=[1-1] last=1-1 maxdel=0-0 added=1"},
		{name: "lowercase options", setup: xSetup3, cmd: "xadd s maxlen = 1 nomkstream 3-0 f v", want: "entries=[3-0] last=3-0 maxdel=0-0 added=4"},
	})
	// A key of another type: the table above cannot create one without another family, so
	// build it directly.
	ks := New(xNowMs)
	c := ks.NewClient()
	c.Set([]byte("k"), &Stream{}, NoExpiry)
	ks.DB(0).Keys["k"].V = xOtherKind{}
	for _, l := range []string{"XADD k 1-1 f v", "XTRIM k MAXLEN 1", "XDEL k 1-1", "XSETID k 1-1", "XGROUP CREATE k g 0", "XACK k g 1-1", "XCLAIM k g c 0 1-1", "XAUTOCLAIM k g c 0 0", "XREADGROUP GROUP g c STREAMS k >"} {
		if err := c.Apply(xArgv(l)); err != ErrWrongType {
			t.Errorf("%s on another type: %v, want WRONGTYPE", l, err)
		}
	}
}

// xOtherKind is a value of a kind this file does not own.
type xOtherKind struct{}

func (xOtherKind) Kind() Kind { return KindString }

func TestStreamXTRIMXDEL(t *testing.T) {
	xRunCases(t, []xCase{
		{name: "xtrim maxlen", setup: xSetup3, cmd: "XTRIM s MAXLEN 1", want: "entries=[2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "xtrim minid =", setup: xSetup3, cmd: "XTRIM s MINID = 1-2", want: "entries=[1-2 2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "xtrim ~ keeps a node it cannot drop", setup: xSetup3, cmd: "XTRIM s MAXLEN ~ 1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "xtrim ~ drops a whole node", setup: xSetup3, cmd: "XTRIM s MAXLEN ~ 0", want: "entries=[] last=2-0 maxdel=0-0 added=3"},
		{name: "xtrim minid ~ keeps a node it cannot drop", setup: xSetup3, cmd: "XTRIM s MINID ~ 2", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "xtrim missing key", cmd: "XTRIM s MAXLEN 0", want: "none"},
		{name: "xtrim no strategy", setup: xSetup3, cmd: "XTRIM s LIMIT 0", err: "XTRIM must be called with a trimming strategy"},
		{name: "xtrim bad option", setup: xSetup3, cmd: "XTRIM s FOO 1", err: "syntax error"},
		{name: "xtrim nomkstream is not an option", setup: xSetup3, cmd: "XTRIM s NOMKSTREAM MAXLEN 1", err: "syntax error"},
		{name: "xdel", setup: xSetup3, cmd: "XDEL s 1-2 9-9", want: "entries=[1-1 2-0] last=2-0 maxdel=1-2 added=3"},
		{name: "xdel keeps max", setup: xWith(xSetup3, []string{"XDEL s 2-0"}), cmd: "XDEL s 1-1", want: "entries=[1-2] last=2-0 maxdel=2-0 added=3"},
		{name: "xdel all", setup: xSetup3, cmd: "XDEL s 1-1 1-2 2-0", want: "entries=[] last=2-0 maxdel=2-0 added=3"},
		{name: "xdel missing id", setup: xSetup3, cmd: "XDEL s 7-7", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "xdel bad id after good", setup: xSetup3, cmd: "XDEL s 1-1 x", err: "Invalid stream ID"},
		{name: "xdel missing key", cmd: "XDEL s 1-1", want: "none"},
	})
}

func TestStreamXSETID(t *testing.T) {
	xRunCases(t, []xCase{
		{name: "move last id", setup: xSetup3, cmd: "XSETID s 5-0", want: "entries=[1-1 1-2 2-0] last=5-0 maxdel=0-0 added=3"},
		{name: "all options", setup: xSetup3, cmd: "XSETID s 5-0 ENTRIESADDED 10 MAXDELETEDID 4-0", want: "entries=[1-1 1-2 2-0] last=5-0 maxdel=4-0 added=10"},
		{name: "zero maxdeleted keeps", setup: xWith(xSetup3, []string{"XDEL s 1-1"}), cmd: "XSETID s 5-0 MAXDELETEDID 0-0", want: "entries=[1-2 2-0] last=5-0 maxdel=1-1 added=3"},
		{name: "smaller than top", setup: xSetup3, cmd: "XSETID s 1-5", err: "smaller than the target stream top item"},
		{name: "equal to top", setup: xSetup3, cmd: "XSETID s 2-0", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "back below a deleted top", setup: xWith(xSetup3, []string{"XDEL s 2-0"}), cmd: "XSETID s 1-5", want: "entries=[1-1 1-2] last=1-5 maxdel=2-0 added=3"},
		{name: "any id on an empty stream", setup: []string{"XADD s 5-5 f v", "XDEL s 5-5"}, cmd: "XSETID s 1-0 ENTRIESADDED 0", want: "entries=[] last=1-0 maxdel=5-5 added=0"},
		{name: "entries added below length", setup: xSetup3, cmd: "XSETID s 3 ENTRIESADDED 2", err: "smaller than the target stream length"},
		{name: "negative entries added", setup: xSetup3, cmd: "XSETID s 3 ENTRIESADDED -1", err: "entries_added must be positive"},
		{name: "maxdeleted above id", setup: xSetup3, cmd: "XSETID s 3 MAXDELETEDID 4", err: "smaller than the provided max_deleted_entry_id"},
		{name: "missing key", cmd: "XSETID s 3", err: "no such key", want: "none"},
		{name: "bad id", setup: xSetup3, cmd: "XSETID s +", err: "Invalid stream ID"},
		{name: "syntax", setup: xSetup3, cmd: "XSETID s 3 ENTRIESADDED", err: "syntax error"},
	})
}

var xGroupSetup = xWith(xSetup3, []string{"XGROUP CREATE s g 0"})

func TestStreamXGROUP(t *testing.T) {
	xRunCases(t, []xCase{
		{name: "create", setup: xSetup3, cmd: "XGROUP CREATE s g 1-1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=1-1 read=nil cons=[] pel=[]}"},
		{name: "create $", setup: xSetup3, cmd: "XGROUP CREATE s g $ ENTRIESREAD 3", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[] pel=[]}"},
		{name: "create mkstream", cmd: "XGROUP CREATE s g $ MKSTREAM", want: "entries=[] last=0-0 maxdel=0-0 added=0 g{last=0-0 read=nil cons=[] pel=[]}"},
		{name: "create missing key", cmd: "XGROUP CREATE s g $", err: "requires the key to exist", want: "none"},
		{name: "create mkstream bad id", cmd: "XGROUP CREATE s g x MKSTREAM", err: "Invalid stream ID", want: "none"},
		{name: "create busy", setup: xGroupSetup, cmd: "XGROUP CREATE s g 0", err: "BUSYGROUP"},
		{name: "create bad entriesread", setup: xSetup3, cmd: "XGROUP CREATE s g 0 ENTRIESREAD -2", err: "must be positive or -1"},
		{name: "create entriesread -1", setup: xSetup3, cmd: "XGROUP CREATE s g 0 ENTRIESREAD -1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=0-0 read=nil cons=[] pel=[]}"},
		{name: "create unknown option", setup: xSetup3, cmd: "XGROUP CREATE s g 0 FOO", err: "unknown subcommand or wrong number of arguments for 'CREATE'"},
		{name: "create too many args", setup: xSetup3, cmd: "XGROUP CREATE s g 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM", err: "unknown subcommand"},
		{name: "create strict id", setup: xSetup3, cmd: "XGROUP CREATE s g -", err: "Invalid stream ID"},
		{name: "setid", setup: xGroupSetup, cmd: "XGROUP SETID s g 1-2 ENTRIESREAD 2", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=1-2 read=2 cons=[] pel=[]}"},
		{name: "setid resets entriesread", setup: xWith(xSetup3, []string{"XGROUP CREATE s g 0 ENTRIESREAD 0"}), cmd: "XGROUP SETID s g $", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=nil cons=[] pel=[]}"},
		{name: "setid accepts + and -", setup: xGroupSetup, cmd: "XGROUP SETID s g +", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=18446744073709551615-18446744073709551615 read=nil cons=[] pel=[]}"},
		{name: "setid no group", setup: xSetup3, cmd: "XGROUP SETID s g 0", err: "NOGROUP No such consumer group 'g' for key name 's'"},
		{name: "setid mkstream", setup: xGroupSetup, cmd: "XGROUP SETID s g 0 MKSTREAM x", err: "unknown subcommand"},
		{name: "setid wrong argc", setup: xGroupSetup, cmd: "XGROUP SETID s g 0 ENTRIESREAD", err: "unknown subcommand"},
		{name: "destroy", setup: xGroupSetup, cmd: "XGROUP DESTROY s g", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "destroy missing group", setup: xSetup3, cmd: "XGROUP DESTROY s g", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3"},
		{name: "destroy missing key", cmd: "XGROUP DESTROY s g", err: "requires the key to exist"},
		{name: "createconsumer", setup: xGroupSetup, cmd: "XGROUP CREATECONSUMER s g alice", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=0-0 read=nil cons=[alice] pel=[]}"},
		{name: "createconsumer no group", setup: xSetup3, cmd: "XGROUP CREATECONSUMER s g alice", err: "NOGROUP"},
		{name: "delconsumer drops its pel", setup: xWith(xGroupSetup, []string{"XREADGROUP GROUP g a COUNT 1 STREAMS s >", "XREADGROUP GROUP g b STREAMS s >"}), cmd: "XGROUP DELCONSUMER s g a",
			want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[b] pel=[1-2/b/1 2-0/b/1]}"},
		{name: "delconsumer missing", setup: xGroupSetup, cmd: "XGROUP DELCONSUMER s g zed", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=0-0 read=nil cons=[] pel=[]}"},
	})
}

var xReadSetup = xWith(xSetup3, []string{"XGROUP CREATE s g 0 ENTRIESREAD 0"})

func TestStreamXREADGROUPXACK(t *testing.T) {
	xRunCases(t, []xCase{
		{name: "read new", setup: xReadSetup, cmd: "XREADGROUP GROUP g a COUNT 2 STREAMS s >", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=1-2 read=2 cons=[a] pel=[1-1/a/1 1-2/a/1]}"},
		{name: "read all with BLOCK", setup: xReadSetup, cmd: "XREADGROUP BLOCK 0 GROUP g a STREAMS s >", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "noack", setup: xReadSetup, cmd: "XREADGROUP GROUP g a NOACK STREAMS s >", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[]}"},
		{name: "nothing new: no consumer (7.0)", setup: xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >"}), cmd: "XREADGROUP GROUP g b STREAMS s >",
			want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "history bumps delivery count", setup: xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >", "XDEL s 1-2"}), cmd: "XREADGROUP GROUP g a STREAMS s 0",
			want: "entries=[1-1 2-0] last=2-0 maxdel=1-2 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/2 1-2/a/1 2-0/a/2]}"},
		{name: "history with count creates consumer", setup: xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >"}), cmd: "XREADGROUP COUNT 1 GROUP g b STREAMS s 0",
			want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "history count", setup: xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >"}), cmd: "XREADGROUP COUNT 1 GROUP g a STREAMS s 1-1",
			want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/2 2-0/a/1]}"},
		{name: "redeliver after setid", setup: xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >", "XGROUP SETID s g 1-1 ENTRIESREAD 1"}), cmd: "XREADGROUP GROUP g b STREAMS s >",
			want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/a/1 1-2/b/1 2-0/b/1]}"},
		{name: "entries read invalid: estimated at the last entry", setup: xWith(xSetup3, []string{"XGROUP CREATE s g 0"}), cmd: "XREADGROUP GROUP g a STREAMS s >",
			want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "entries read invalid: first entry then counted", setup: xWith(xSetup3, []string{"XGROUP CREATE s g 0"}), cmd: "XREADGROUP COUNT 2 GROUP g a STREAMS s >",
			want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=1-2 read=2 cons=[a] pel=[1-1/a/1 1-2/a/1]}"},
		{name: "entries read invalid: fragmented stays unknown", setup: xWith(xSetup3, []string{"XDEL s 1-2", "XGROUP CREATE s g 0"}), cmd: "XREADGROUP COUNT 1 GROUP g a STREAMS s >",
			want: "entries=[1-1 2-0] last=2-0 maxdel=1-2 added=3 g{last=1-1 read=nil cons=[a] pel=[1-1/a/1]}"},
		{name: "tombstone ahead invalidates count", setup: xWith(xReadSetup, []string{"XADD s 3-0 f v", "XDEL s 2-0"}), cmd: "XREADGROUP COUNT 1 GROUP g a STREAMS s >",
			want: "entries=[1-1 1-2 3-0] last=3-0 maxdel=2-0 added=4 g{last=1-1 read=nil cons=[a] pel=[1-1/a/1]}"},
		{name: "first entry estimate", setup: xWith(xSetup3, []string{"XDEL s 1-1", "XSETID s 2-0 MAXDELETEDID 0-0", "XGROUP CREATE s g 0"}), cmd: "XREADGROUP COUNT 1 GROUP g a STREAMS s >",
			want: "entries=[1-2 2-0] last=2-0 maxdel=1-1 added=3 g{last=1-2 read=2 cons=[a] pel=[1-2/a/1]}"},
		{name: "no group", setup: xSetup3, cmd: "XREADGROUP GROUP g a STREAMS s >", err: "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP"},
		{name: "missing key", cmd: "XREADGROUP GROUP g a STREAMS s >", err: "NOGROUP"},
		{name: "dollar", setup: xReadSetup, cmd: "XREADGROUP GROUP g a STREAMS s $", err: "The $ ID is meaningless"},
		{name: "unbalanced", setup: xReadSetup, cmd: "XREADGROUP GROUP g a STREAMS s > x", err: "Unbalanced"},
		{name: "no streams", setup: xReadSetup, cmd: "XREADGROUP GROUP g a COUNT 1 NOACK", err: "syntax error"},
		{name: "no group option", setup: xReadSetup, cmd: "XREADGROUP COUNT 1 NOACK STREAMS s >", err: "Missing GROUP option"},
		{name: "negative block", setup: xReadSetup, cmd: "XREADGROUP BLOCK -1 GROUP g a STREAMS s >", err: "timeout is negative"},
		{name: "bad count", setup: xReadSetup, cmd: "XREADGROUP COUNT x GROUP g a STREAMS s >", err: "not an integer"},
		{name: "negative count is all", setup: xReadSetup, cmd: "XREADGROUP COUNT -5 GROUP g a STREAMS s >", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "error on second key: no effect", setup: xReadSetup, cmd: "XREADGROUP GROUP g a STREAMS s t > >", err: "NOGROUP"},
		{name: "same key twice", setup: xReadSetup, cmd: "XREADGROUP COUNT 1 GROUP g a STREAMS s s > >", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=1-2 read=2 cons=[a] pel=[1-1/a/1 1-2/a/1]}"},
		{name: "xack", setup: xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >"}), cmd: "XACK s g 1-1 2-0 9-9", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-2/a/1]}"},
		{name: "xack bad id", setup: xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >"}), cmd: "XACK s g 1-1 x", err: "Invalid stream ID"},
		{name: "xack no group ignores bad ids", setup: xReadSetup, cmd: "XACK s nog x", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=0-0 read=0 cons=[] pel=[]}"},
	})
}

var xPelSetup = xWith(xReadSetup, []string{"XREADGROUP GROUP g a STREAMS s >"})

func TestStreamXCLAIM(t *testing.T) {
	xRunCases(t, []xCase{
		{name: "claim", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 1-2", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/b/2 1-2/b/2 2-0/a/1]}"},
		{name: "justid keeps count", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 JUSTID", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/b/1 1-2/a/1 2-0/a/1]}"},
		{name: "retrycount", setup: xPelSetup, cmd: "XCLAIM s g a 0 2-0 RETRYCOUNT 7", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/7]}"},
		{name: "not pending, no force: nothing, no consumer", setup: xReadSetup, cmd: "XCLAIM s g b 0 1-1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=0-0 read=0 cons=[] pel=[]}"},
		{name: "force", setup: xReadSetup, cmd: "XCLAIM s g b 0 1-1 FORCE", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=0-0 read=0 cons=[b] pel=[1-1/b/2]}"},
		{name: "aof form", setup: xReadSetup, cmd: "XCLAIM s g b 0 1-2 TIME 1000 RETRYCOUNT 3 FORCE JUSTID LASTID 1-2", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=1-2 read=0 cons=[b] pel=[1-2/b/3]}"},
		{name: "force on a missing entry: nothing", setup: xReadSetup, cmd: "XCLAIM s g b 0 7-7 FORCE RETRYCOUNT 1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=0-0 read=0 cons=[] pel=[]}"},
		{name: "deleted entry leaves the pel", setup: xWith(xPelSetup, []string{"XDEL s 1-2"}), cmd: "XCLAIM s g b 0 1-2 FORCE", want: "entries=[1-1 2-0] last=2-0 maxdel=1-2 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 2-0/a/1]}"},
		{name: "lastid only", setup: xReadSetup, cmd: "XCLAIM s g b 0 9-9 LASTID 1-2", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=1-2 read=0 cons=[] pel=[]}"},
		{name: "lastid never moves back", setup: xPelSetup, cmd: "XCLAIM s g b 0 9-9 LASTID 1-1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "min idle not reached", setup: xPelSetup, cmd: "XCLAIM s g b 1000 1-1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "min idle reached via TIME", setup: xWith(xPelSetup, []string{"XCLAIM s g a 0 1-1 TIME 1000"}), cmd: "XCLAIM s g b 1000 1-1 1-2", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/b/3 1-2/a/1 2-0/a/1]}"},
		{name: "min idle reached via IDLE", setup: xWith(xPelSetup, []string{"XCLAIM s g a 0 1-1 IDLE 5000"}), cmd: "XCLAIM s g b 4000 1-1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/b/3 1-2/a/1 2-0/a/1]}"},
		{name: "future TIME is now", setup: xWith(xPelSetup, []string{"XCLAIM s g a 0 1-1 TIME 99999999999999"}), cmd: "XCLAIM s g b 1 1-1", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/2 1-2/a/1 2-0/a/1]}"},
		{name: "no group", setup: xSetup3, cmd: "XCLAIM s g b 0 1-1", err: "NOGROUP No such key 's' or consumer group 'g'"},
		{name: "missing key", cmd: "XCLAIM s g b 0 1-1", err: "NOGROUP"},
		{name: "bad min idle", setup: xPelSetup, cmd: "XCLAIM s g b x 1-1", err: "Invalid min-idle-time argument for XCLAIM"},
		{name: "unknown option", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 BOGUS", err: "Unrecognized XCLAIM option 'BOGUS'"},
		{name: "id after option", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 FORCE 1-2", err: "Unrecognized XCLAIM option '1-2'"},
		{name: "bad retrycount", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 RETRYCOUNT x", err: "Invalid RETRYCOUNT option argument"},
		{name: "bad idle", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 IDLE x", err: "Invalid IDLE option argument"},
		{name: "bad time", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 TIME x", err: "Invalid TIME option argument"},
		{name: "bad lastid", setup: xPelSetup, cmd: "XCLAIM s g b 0 1-1 LASTID +", err: "Invalid stream ID"},
	})
}

func TestStreamXAUTOCLAIM(t *testing.T) {
	xRunCases(t, []xCase{
		{name: "claim all", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 0 0", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/b/2 1-2/b/2 2-0/b/2]}"},
		{name: "count and justid", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 0 1-2 COUNT 1 JUSTID", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/a/1 1-2/b/1 2-0/a/1]}"},
		{name: "exclusive start", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 0 (1-2", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a b] pel=[1-1/a/1 1-2/a/1 2-0/b/2]}"},
		{name: "deleted entries are dropped and counted", setup: xWith(xPelSetup, []string{"XDEL s 1-1"}), cmd: "XAUTOCLAIM s g b 0 - COUNT 1", want: "entries=[1-2 2-0] last=2-0 maxdel=1-1 added=3 g{last=2-0 read=3 cons=[a] pel=[1-2/a/1 2-0/a/1]}"},
		{name: "min idle not reached: nothing, no consumer", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 10 0", want: "entries=[1-1 1-2 2-0] last=2-0 maxdel=0-0 added=3 g{last=2-0 read=3 cons=[a] pel=[1-1/a/1 1-2/a/1 2-0/a/1]}"},
		{name: "bad count", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 0 0 COUNT 0", err: "COUNT must be > 0"},
		{name: "bad start", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 0 x", err: "Invalid stream ID"},
		{name: "exclusive max start", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 0 (18446744073709551615-18446744073709551615", err: "invalid start ID for the interval"},
		{name: "syntax", setup: xPelSetup, cmd: "XAUTOCLAIM s g b 0 0 FOO", err: "syntax error"},
		{name: "no group", setup: xSetup3, cmd: "XAUTOCLAIM s g b 0 0", err: "NOGROUP"},
		{name: "syntax before nogroup", cmd: "XAUTOCLAIM s g b x 0", err: "Invalid min-idle-time argument for XAUTOCLAIM"},
	})
}

// TestStreamParseID checks the ID grammar of streamGenericParseIDOrReply, including the
// strtoull fallback of string2ull.
func TestStreamParseID(t *testing.T) {
	cases := []struct {
		in       string
		strict   bool
		seqStar  bool
		want     string // "" for invalid
		seqGiven bool
	}{
		{"1-2", true, false, "1-2", true},
		{"1", true, false, "1-0", true},
		{"-", false, false, "0-0", true},
		{"+", false, false, "18446744073709551615-18446744073709551615", true},
		{"-", true, false, "", false},
		{"5-*", true, true, "5-0", false},
		{"5-*", true, false, "", false},
		{"*", true, true, "", false},
		{"01-02", true, false, "1-2", true},
		{" 7", true, false, "7-0", true},
		{"+7", true, false, "7-0", true},
		{"7-+3", true, false, "7-3", true},
		{"7--1", true, false, "", false},
		{"7- -1", true, false, "7-18446744073709551615", true},
		{"7--0", true, false, "7-0", true},
		{"18446744073709551615-18446744073709551615", true, false, "18446744073709551615-18446744073709551615", true},
		{"18446744073709551616", true, false, "", false},
		{"1-2-3", true, false, "", false},
		{"", true, false, "", false},
		{"1 ", true, false, "", false},
		{"0x10", true, false, "", false},
		{"5\x00junk", true, false, "5-0", true},
		{strings.Repeat("1", 128), true, false, "", false},
	}
	for _, tc := range cases {
		var sg bool
		var p *bool
		if tc.seqStar {
			p = &sg
		}
		id, err := xParseID([]byte(tc.in), 0, tc.strict, p)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: got %s, want invalid", tc.in, id)
			}
			continue
		}
		if err != nil || id.String() != tc.want {
			t.Errorf("%q: got %s, %v, want %s", tc.in, id, err, tc.want)
		}
		if tc.seqStar && sg != tc.seqGiven {
			t.Errorf("%q: seqGiven %v, want %v", tc.in, sg, tc.seqGiven)
		}
	}
}

// TestStreamListpackSizes pins the listpack element sizes against listpack.c's encodings.
func TestStreamListpackSizes(t *testing.T) {
	ints := []struct {
		v    int64
		size int
	}{{0, 2}, {127, 2}, {128, 3}, {-1, 3}, {-4096, 3}, {4095, 3}, {4096, 4}, {-32768, 4}, {32767, 4}, {32768, 5}, {8388607, 5}, {8388608, 6}, {2147483647, 6}, {2147483648, 10}, {-9223372036854775808, 10}}
	for _, c := range ints {
		if got := streamLpIntSize(c.v); got != c.size {
			t.Errorf("int %d: %d bytes, want %d", c.v, got, c.size)
		}
	}
	strs := []struct {
		s    string
		size int
	}{{"", 2}, {"a", 3}, {"12", 2}, {"012", 5}, {"-0", 4}, {strings.Repeat("x", 63), 65}, {strings.Repeat("x", 64), 67}, {strings.Repeat("x", 125), 128}, {strings.Repeat("x", 126), 130}, {strings.Repeat("x", 4095), 4099}, {strings.Repeat("x", 4096), 4103}, {"9223372036854775808", 21}, {"-9223372036854775808", 10}}
	for _, c := range strs {
		if got := streamLpStrSize([]byte(c.s)); got != c.size {
			t.Errorf("string of %d bytes %.10q: %d bytes, want %d", len(c.s), c.s, got, c.size)
		}
	}
}

// TestStreamNodes checks where node boundaries fall and what ~ trims remove.
func TestStreamNodes(t *testing.T) {
	ks, c := xRun(t)
	for i := 1; i <= 250; i++ {
		if err := c.Apply(xArgv(fmt.Sprintf("XADD s %d-0 f %d", i, i))); err != nil {
			t.Fatal(err)
		}
	}
	s := ks.Lookup(0, []byte("s")).V.(*Stream)
	if len(s.nodes) != 3 || len(s.nodes[0].live) != 100 || len(s.nodes[2].live) != 50 {
		t.Fatalf("nodes: %d", len(s.nodes))
	}
	// Deleted entries still count towards the 100 entries of a node.
	if err := c.Apply(xArgv("XDEL s 201-0 202-0")); err != nil {
		t.Fatal(err)
	}
	for i := 251; i <= 300; i++ {
		c.Apply(xArgv(fmt.Sprintf("XADD s %d-0 f %d", i, i)))
	}
	if len(s.nodes) != 3 || len(s.nodes[2].live) != 98 || s.nodes[2].deleted != 2 {
		t.Fatalf("after deletes: %d nodes, tail %d live %d deleted", len(s.nodes), len(s.nodes[2].live), s.nodes[2].deleted)
	}
	// ~ removes whole nodes only.
	for _, step := range []struct {
		cmd  string
		want int64
	}{{"XTRIM s MAXLEN ~ 250", 298}, {"XTRIM s MAXLEN ~ 150", 198}, {"XTRIM s MINID ~ 250", 98}, {"XTRIM s MINID ~ 300", 98}, {"XTRIM s MINID ~ 301", 0}} {
		if err := c.Apply(xArgv(step.cmd)); err != nil {
			t.Fatal(err)
		}
		if s.Len() != step.want {
			t.Fatalf("%s: length %d, want %d", step.cmd, s.Len(), step.want)
		}
	}
	// A big value fills a node by bytes.
	ks, c = xRun(t)
	big := strings.Repeat("x", 2000)
	for i := 1; i <= 5; i++ {
		c.Apply(xArgv(fmt.Sprintf("XADD s %d-0 f %s", i, big)))
	}
	if s := ks.Lookup(0, []byte("s")).V.(*Stream); len(s.nodes) != 3 {
		t.Fatalf("2000-byte values: %d nodes, want 3", len(s.nodes))
	}
}

// TestStreamCodec round-trips streams through canon and checks RDB-v1 defaults and refusals.
func TestStreamCodec(t *testing.T) {
	ks, c := xRun(t, xWith(xPelSetup, []string{"XDEL s 1-2", "XGROUP CREATE s g2 $", "XGROUP CREATECONSUMER s g2 idle"})...)
	_ = c
	var k canon.Key
	e := ks.Lookup(0, []byte("s"))
	e.Expire = 123
	ExportKey(0, "s", e, &k)
	v, err := ValueFromCanon(&k)
	if err != nil {
		t.Fatal(err)
	}
	ks2 := New(xNowMs)
	ks2.Set(0, []byte("s"), v, 123)
	if a, b := xSummary(ks, "s"), xSummary(ks2, "s"); a != b {
		t.Fatalf("round trip:\n%s\n%s", a, b)
	}
	// Clones are independent.
	cl := CloneValue(e.V)
	c.Apply(xArgv("XADD s 9-0 f v"))
	c.Apply(xArgv("XACK s g 1-1"))
	ks2.Set(0, []byte("s"), cl, 123)
	if a, b := xSummary(ks, "s"), xSummary(ks2, "s"); a == b || !strings.Contains(b, "1-1/a/1") || strings.Contains(b, "9-0") {
		t.Fatalf("clone follows the original:\n%s\n%s", a, b)
	}
	// RDB v1: no entries_added (it is the length), no max deleted, groups' entries_read estimated.
	v1 := &canon.Key{Type: canon.TypeStream, Stream: &canon.Stream{
		Entries: []canon.StreamEntry{{ID: canon.StreamID{Ms: 5}, Fields: [][]byte{[]byte("a"), []byte("1")}}, {ID: canon.StreamID{Ms: 6}, Fields: [][]byte{[]byte("a"), []byte("2")}}},
		LastID:  canon.StreamID{Ms: 6},
		Groups: []canon.Group{{Name: []byte("old"), LastDelivered: canon.StreamID{Ms: 6}, Consumers: [][]byte{[]byte("x")}, Pending: []canon.Pending{{ID: canon.StreamID{Ms: 6}, Consumer: []byte("x"), DeliveryCount: 4}}},
			{Name: []byte("mid"), LastDelivered: canon.StreamID{Ms: 5, Seq: 1}}},
	}}
	if v, err = ValueFromCanon(v1); err != nil {
		t.Fatal(err)
	}
	ks3 := New(xNowMs)
	ks3.Set(0, []byte("s"), v, NoExpiry)
	if got, want := xSummary(ks3, "s"), "entries=[5-0 6-0] last=6-0 maxdel=0-0 added=2 mid{last=5-1 read=nil cons=[] pel=[]} old{last=6-0 read=2 cons=[x] pel=[6-0/x/4]}"; got != want {
		t.Fatalf("v1:\ngot  %s\nwant %s", got, want)
	}
	// What the input does not record is refused, not guessed.
	c3 := ks3.NewClient()
	for _, l := range []string{"XTRIM s MAXLEN ~ 1", "XADD s MAXLEN ~ 1 7-0 a 3", "XTRIM s MINID ~ 6", "XCLAIM s old y 10 6-0", "XAUTOCLAIM s old y 10 0"} {
		var ue *UnsupportedError
		if err := c3.Apply(xArgv(l)); !errors.As(err, &ue) {
			t.Errorf("%s: %v, want an *UnsupportedError", l, err)
		}
	}
	for _, l := range []string{"XTRIM s MAXLEN ~ 2", "XTRIM s MINID ~ 5", "XTRIM s MAXLEN = 1", "XCLAIM s old y 0 6-0"} {
		if err := c3.Apply(xArgv(l)); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
	// Damaged canonical values are errors.
	bad := []*canon.Stream{
		{Entries: []canon.StreamEntry{{ID: canon.StreamID{Ms: 2}}, {ID: canon.StreamID{Ms: 1}}}, LastID: canon.StreamID{Ms: 2}},
		{Entries: []canon.StreamEntry{{ID: canon.StreamID{Ms: 2}, Fields: [][]byte{[]byte("odd")}}}, LastID: canon.StreamID{Ms: 2}},
		{Entries: []canon.StreamEntry{{ID: canon.StreamID{Ms: 2}}}, LastID: canon.StreamID{Ms: 1}},
		{Groups: []canon.Group{{Name: []byte("g")}, {Name: []byte("g")}}},
		{Groups: []canon.Group{{Name: []byte("g"), Pending: []canon.Pending{{Consumer: []byte("nobody")}}}}},
	}
	for i, st := range bad {
		if _, err := ValueFromCanon(&canon.Key{Key: []byte("s"), Type: canon.TypeStream, Stream: st}); err == nil {
			t.Errorf("bad stream %d loaded", i)
		}
	}
}

// TestStreamMemoryIsCopied checks that stored bytes do not alias the arguments.
func TestStreamMemoryIsCopied(t *testing.T) {
	ks, c := xRun(t)
	args := xArgv("XADD s 1-1 field value")
	if err := c.Apply(args); err != nil {
		t.Fatal(err)
	}
	gargs := xArgv("XGROUP CREATE s group 0")
	c.Apply(gargs)
	c.Apply(xArgv("XREADGROUP GROUP group consumer STREAMS s >"))
	for _, a := range append(args, gargs...) {
		for i := range a {
			a[i] = '#'
		}
	}
	var k canon.Key
	ExportKey(0, "s", ks.Lookup(0, []byte("s")), &k)
	got := fmt.Sprintf("%s %s %s", k.Stream.Entries[0].Fields, k.Stream.Groups[0].Name, k.Stream.Groups[0].Consumers)
	if got != "[field value] group [consumer]" {
		t.Fatalf("stored bytes alias the arguments: %s", got)
	}
}

// sortedKeys is a helper for the differential tests.
func xSortedNames(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
