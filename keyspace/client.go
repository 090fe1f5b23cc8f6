package keyspace

import (
	"fmt"
	"strconv"

	"github.com/aofkit/aofkit/command"
)

// Handler applies one command. args[0] is the command name as written; args alias the input
// and are valid only during the call (copy what you store). A *CommandError means "error reply,
// no effect"; any other error stops the replay.
type Handler func(c *Client, args [][]byte) error

// handlers maps command.Spec.Name ("set", "xgroup|create") to its implementation.
var handlers = map[string]Handler{}

// register adds a handler; command families call it from init. Registering a name twice or a
// name the command table does not know panics (a programming error caught by every test run).
func register(name string, h Handler) {
	if _, dup := handlers[name]; dup {
		panic("keyspace: handler registered twice: " + name)
	}
	handlers[name] = h
}

// Implemented reports whether the engine has a handler for the command spec name.
func Implemented(name string) bool { _, ok := handlers[name]; return ok }

// Client is the loader's fake client for one AOF file: its selected database and MULTI state.
// Each file gets a new Client (every file starts in DB 0 with no transaction open).
type Client struct {
	KS    *Keyspace
	DB    int
	multi bool
	queue [][][]byte
	last  lastCommand
	par   *shardCtx // set on the clients of a parallel replay (parallel.go)
}

// lastCommand caches the previous command's lookup: AOFs come in runs of one command (a
// client's pipeline, a rewrite's batches), and the cache saves two map lookups per record.
type lastCommand struct {
	name [16]byte // lower case
	n    int
	spec *command.Spec
	h    Handler
}

// lookup finds the spec and handler (nil if none) of a record.
func (c *Client) lookup(args [][]byte) (*command.Spec, Handler, error) {
	name := args[0]
	if l := &c.last; l.spec != nil && len(name) == l.n {
		same := true
		for i, ch := range name {
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			if ch != l.name[i] {
				same = false
				break
			}
		}
		if same {
			return l.spec, l.h, nil
		}
	}
	spec, err := command.Lookup(args)
	if err != nil {
		return nil, nil, err
	}
	h := handlers[spec.Name]
	if spec.Subcommands == nil && spec.Parent == nil && len(name) <= len(c.last.name) {
		c.last = lastCommand{n: len(name), spec: spec, h: h}
		for i, ch := range name {
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			c.last.name[i] = ch
		}
	}
	return spec, h, nil
}

// NewClient returns a client on db 0.
func (ks *Keyspace) NewClient() *Client { return &Client{KS: ks} }

// InMulti reports whether a transaction is open (MULTI without EXEC yet).
func (c *Client) InMulti() bool { return c.multi }

// Apply runs one record the way the AOF loader does. It returns nil when the command took
// effect or had none to take (read-only commands), a *CommandError when Redis would reply with
// an error (no effect), and an *UnsupportedError when the record cannot be replayed faithfully
// (unknown or module commands, wrong arity, verbatim scripts, write commands this engine does
// not implement): the caller must stop.
func (c *Client) Apply(args [][]byte) error {
	if len(args) == 0 {
		return &UnsupportedError{Command: "(empty)", Reason: "a record with no arguments"}
	}
	spec, h, err := c.lookup(args)
	if err != nil {
		return &UnsupportedError{Command: printable(args[0]), Reason: err.Error() + " (a module command, or not a Redis command)"}
	}
	if !spec.ArityOK(len(args)) {
		return &UnsupportedError{Command: spec.Name, Reason: fmt.Sprintf("wrong number of arguments (%d): the server's behaviour is undefined", len(args))}
	}
	switch spec.Name {
	case "multi":
		if c.multi {
			c.queue = append(c.queue, copyArgs(args))
			return nil
		}
		c.multi = true
		c.queue = c.queue[:0]
		return nil
	case "exec":
		if !c.multi {
			if c.par != nil {
				return c.par.both(ErrExecNoMulti)
			}
			return ErrExecNoMulti
		}
		q := c.queue
		c.multi, c.queue = false, nil
		for _, a := range q {
			if err := c.run(a, true); err != nil && !IsCommandError(err) {
				return err
			}
		}
		return nil
	}
	if c.multi {
		c.queue = append(c.queue, copyArgs(args))
		return nil
	}
	return c.exec(spec, h, args)
}

// run executes one command now.
func (c *Client) run(args [][]byte, inExec bool) error {
	spec, h, err := c.lookup(args)
	if err != nil {
		return &UnsupportedError{Command: printable(args[0]), Reason: err.Error()}
	}
	return c.exec(spec, h, args)
}

// exec executes one looked-up command, on this shard if the replay is parallel.
func (c *Client) exec(spec *command.Spec, h Handler, args [][]byte) error {
	if c.par != nil {
		return c.par.exec(c, spec, h, args)
	}
	return c.execNow(spec, h, args)
}

// execNow executes one looked-up command now, on this client's keyspace.
func (c *Client) execNow(spec *command.Spec, h Handler, args [][]byte) error {
	switch spec.Name {
	case "multi":
		return ErrNestedMulti // a MULTI queued inside a transaction
	case "exec":
		return ErrExecNoMulti
	case "select":
		v, ok := strParseInt(args[1]) // string2ll: no '+', no leading zeros
		if !ok || v < -1<<31 || v > 1<<31-1 {
			return &CommandError{"ERR value is not an integer or out of range"}
		}
		n := int(v)
		if n < 0 || n >= c.KS.MaxDBs {
			return ErrDBIndex
		}
		c.DB = n
		return nil
	}
	if h != nil {
		return h(c, args)
	}
	if spec.Flags&command.Script != 0 {
		return &UnsupportedError{Command: spec.Name, Key: firstKey(spec, args), Reason: "scripts logged verbatim (Redis ≤ 6.2 without effects replication) need a Lua engine with the Redis API; replaying them would be a guess"}
	}
	if !spec.MayWrite() {
		return nil // read-only: no effect on the dataset
	}
	return &UnsupportedError{Command: spec.Name, Key: firstKey(spec, args), Reason: "this write command is not implemented by the replay engine"}
}

func firstKey(spec *command.Spec, args [][]byte) string {
	ks := spec.Keys(args, nil)
	if len(ks) == 0 {
		return ""
	}
	return string(args[ks[0]])
}

func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

func printable(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	return strconv.Quote(string(b))
}

// Lookup returns the entry of key in the client's database, or nil.
func (c *Client) Lookup(key []byte) *Entry { return c.KS.Lookup(c.DB, key) }

// LookupKind returns the entry of key if it holds kind; nil if the key does not exist; and
// ErrWrongType if it holds another kind.
func (c *Client) LookupKind(key []byte, kind Kind) (*Entry, error) {
	e := c.KS.Lookup(c.DB, key)
	if e == nil {
		return nil, nil
	}
	if e.Kind() != kind {
		return nil, ErrWrongType
	}
	return e, nil
}

// val is the object value of an entry of the client's database (nil for a plain string).
func (c *Client) val(e *Entry) Value { return c.KS.dbs[c.DB].Value(e) }

// Set stores v under key in the client's database (TTL: NoExpiry or absolute ms).
func (c *Client) Set(key []byte, v Value, expire int64) { c.KS.Set(c.DB, key, v, expire) }

// Delete removes key from the client's database.
func (c *Client) Delete(key []byte) bool { return c.KS.Delete(c.DB, key) }

// Clone returns a copy of b that does not alias the input.
func Clone(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}
