package keyspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/command"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/mmapfile"
)

// A parallel replay applies a file's records on two goroutines, each owning the keys of one
// shard (shardOf: one bit of the key's table hash) in a keyspace of its own. Replay waits on
// memory far more than it computes (each key write is a few dependent cache misses), so two
// cores apply nearly twice as many records.
//
// Both shards read every record, in file order, and each decides alone what to do with it; the
// decision depends only on the record and on client state both keep alike (the selected
// database, the open transaction), so they always agree:
//
//   - a command whose keys all belong to one shard runs there; the other skips it. A command
//     without keys runs on shard 0 (function libraries live there);
//   - SELECT, MULTI, EXEC, FLUSHALL, FLUSHDB and SWAPDB run on both, each on its own keys (a
//     command error is counted once, by shard 0);
//   - MSET, DEL and UNLINK run on both, each with its own keys;
//   - any other command whose keys span both shards is a barrier: both stop at it, shard 0
//     moves the other shard's keys of those names (in every database) into its keyspace, runs
//     it, and moves them back;
//   - a command that reads keys its arguments do not name (SORT with BY/GET patterns), or
//     barriers so frequent that two goroutines would only wait on each other, make the replay
//     serial from there on: shard 0 takes every key and shard 1 idles.
//
// Transactions queue on both shards and are routed command by command at EXEC. Every table
// lookup checks that the key belongs to the table's shard (DB.guard); if one ever does not (a
// command touching a key the routing did not see), the replay starts over serially.

// shardOf is the shard (0 or 1) of a key: bit r.bit of its hash, one of the low 32 bits that
// the tables do not use (chooseBit).
func (r *parRun) shardOf(key []byte) int { return int(hashKey(key)>>r.bit) & 1 }

// parSerialAfter is how many barriers a replay tolerates before going serial when they are
// more than one record in parSerialRatio.
var (
	parSerialAfter int64 = 4096
	parSerialRatio int64 = 128
)

// errMisrouted means a parallel replay applied a command on the wrong shard: start over.
var errMisrouted = errors.New("keyspace: a command touched a key outside its shard")

// errStopped is how a shard's command returns when the other shard has stopped the replay.
var errStopped = errors.New("keyspace: stopped by the other shard")

// misroutes counts parallel replays that started over serially (tests expect none).
var misroutes atomic.Int64

// parRun is the state the two shards of a parallel replay share.
type parRun struct {
	kss    [2]*Keyspace
	bit    uint8 // the hash bit that names a key's shard
	serial bool  // every key is in kss[0] and shard 1 idles; changed only inside a barrier

	// per file: barrier hand-shake and stop signals
	arrive  chan struct{} // shard 1 reached the barrier
	resume  chan struct{} // shard 0 ran it
	quit    chan struct{} // closed when shard 0 stops
	stopped chan struct{} // closed when shard 1 stops early
	stopAt  atomic.Int64  // offset of the earliest fatal record; shards stop before it

	barriers, records int64 // shard 0's counts, for the serial switch
}

// shardCtx is one shard's routing state; a Client with one replays in parallel.
type shardCtx struct {
	id   int
	run  *parRun
	keys []int
	sub  [][]byte
	out  shardOut
}

// shardOut is what one shard saw in a file.
type shardOut struct {
	records, errors int64
	first           []offError
	err             error // fatal: a *ReplayError, or errStopped
	errOff          int64
}

type offError struct {
	off int64
	msg string
}

// replayParallel is Replay on two shards; errMisrouted if a command escaped its shard.
func replayParallel(ctx context.Context, src *aof.Source, opt ReplayOptions) (*Keyspace, *ReplayStats, error) {
	r := &parRun{kss: [2]*Keyspace{New(opt.NowMs), New(opt.NowMs)}, bit: chooseBit(src)}
	r.kss[0].setGuard(1, r.bit)
	r.kss[1].setGuard(2, r.bit)
	st, err := eachPart(src, func(p aof.Part, m *mmapfile.File, done, total int64, st *ReplayStats) error {
		err := r.replayFile(ctx, st, p, m, opt, done, total)
		if r.misrouted() {
			// whatever happened after that is suspect, errors included
			return errMisrouted
		}
		return err
	})
	if err != nil {
		return nil, st, err
	}
	if !r.serial {
		r.merge()
	}
	ks := r.kss[0]
	ks.setGuard(0, 0)
	return ks, st, nil
}

// setGuard sets the shard check of the keyspace and all its databases: g is 0 (none) or 1 +
// the shard whose keys they hold, bit the hash bit that names it.
func (ks *Keyspace) setGuard(g uint32, bit uint8) {
	ks.guard, ks.gbit = g, bit
	for _, db := range ks.dbs {
		if db != nil {
			db.guard, db.gbit = g, bit
		}
	}
}

// misrouted reports whether either keyspace saw a key of the other shard.
func (r *parRun) misrouted() bool {
	for _, ks := range r.kss {
		if ks.misrouted {
			return true
		}
		for _, db := range ks.dbs {
			if db != nil && db.misrouted {
				return true
			}
		}
	}
	return false
}

// merge moves every key of shard 1 into shard 0's keyspace (DB.absorb: nothing is copied)
// and turns the shard checks off.
func (r *parRun) merge() {
	ks0, ks1 := r.kss[0], r.kss[1]
	ks0.setGuard(0, 0)
	ks1.setGuard(0, 0)
	for n, db := range ks1.dbs {
		if db == nil || db.Len() == 0 {
			continue
		}
		if ks0.db(n) == nil {
			ks0.DB(n)
			ks0.dbs[n] = db
			continue
		}
		ks0.dbs[n].absorb(db)
	}
	ks1.dbs = nil
}

// moveKey moves key, in every database, from one keyspace to another.
func moveKey(from, to *Keyspace, key []byte) {
	for n, db := range from.dbs {
		if db == nil {
			continue
		}
		if e := db.find(key); e != nil {
			to.place(db, e, to.DB(n), key, false)
			db.removeEntry(e, key)
		}
	}
}

// replayFile replays one part on both shards.
func (r *parRun) replayFile(ctx context.Context, st *ReplayStats, p aof.Part, m *mmapfile.File, opt ReplayOptions, done, total int64) error {
	data := m.Bytes()
	start := int64(0)
	if p.Format == aof.FormatRDB {
		var err error
		start, err = loadRDB(p, m, st, r.kss[0], func(k *canon.Key) error {
			if r.serial {
				return r.kss[0].Import(k)
			}
			return r.kss[r.shardOf(k.Key)].Import(k)
		})
		if err != nil {
			return err
		}
	}
	if int64(len(data)) == start {
		return nil
	}
	// Each shard scans the file itself, through a mapping of its own that it releases behind
	// itself: a shard with nothing to do in a stretch of the file (another shard's hot key)
	// runs ahead to work of its own instead of waiting, and the pages either holds stay few.
	// (Where files cannot be mapped, both read the one copy in memory.)
	data1, release1 := data, func(int64) {}
	if m.Mapped() {
		m1, err := mmapfile.Open(p.Path)
		if err != nil {
			return err
		}
		defer m1.Close()
		if len(m1.Bytes()) < len(data) {
			return &ReplayError{File: p.Name, Offset: -1, Err: errors.New("the file shrank during the replay")}
		}
		// A file still being appended to: both read what the first mapping saw.
		data1, release1 = m1.Bytes()[:len(data)], m1.Release
	}
	r.arrive = make(chan struct{})
	r.resume = make(chan struct{}, 1)
	r.quit = make(chan struct{})
	r.stopped = make(chan struct{})
	r.stopAt.Store(math.MaxInt64)
	exited := make(chan struct{})
	s1 := &shardCtx{id: 1, run: r}
	go func() {
		defer close(exited)
		c := r.kss[1].NewClient()
		c.par = s1
		sc := aof.NewScanner(data1[start:], start, release1)
		err := mmapfile.Guard(func() error {
			for !r.serial && sc.Next() {
				if !s1.applyOne(c, p, sc.Record()) {
					break
				}
			}
			return nil
		})
		if err != nil {
			s1.fail(-1, err) // a fault on the mapping: the file shrank
		}
	}()

	s0 := &shardCtx{id: 0, run: r}
	c := r.kss[0].NewClient()
	c.par = s0
	sc := aof.NewScanner(data[start:], start, m.Release)
	err := mmapfile.Guard(func() error {
		n := 0
		for sc.Next() {
			rec := sc.Record()
			if n++; n&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					s0.fail(rec.Offset, err) // shard 1 stops here too
					break
				}
				if opt.Progress != nil {
					opt.Progress(done+rec.Offset, total)
				}
			}
			if !s0.applyOne(c, p, rec) {
				break
			}
		}
		return nil
	})
	if err != nil {
		s0.fail(-1, err) // a fault on the mapping: the file shrank
	}
	close(r.quit)
	<-exited
	// Both shards count every record they pass; the one that stopped the replay stopped
	// exactly at its failing record (the other may have run past it).
	if s1.out.err != nil && s1.out.err != errStopped && (s0.out.err == nil || s0.out.err == errStopped || s1.out.errOff < s0.out.errOff) {
		st.Records += s1.out.records
	} else {
		st.Records += s0.out.records
	}
	// The earliest fatal record wins; a shard that merely stopped has no error of its own.
	var fatal error
	off := int64(math.MaxInt64)
	for _, s := range []*shardCtx{s0, s1} {
		if s.out.err != nil && s.out.err != errStopped && s.out.errOff < off {
			fatal, off = s.out.err, s.out.errOff
		}
	}
	st.Errors += s0.out.errors + s1.out.errors
	first := append(s0.out.first, s1.out.first...)
	slices.SortStableFunc(first, func(a, b offError) int { return int(a.off - b.off) })
	for _, f := range first {
		if len(st.FirstErrors) < maxFirstErrors && f.off < off {
			st.FirstErrors = append(st.FirstErrors, f.msg)
		}
	}
	return fatal
}

// fail records a fatal error at file offset off and stops both shards before that offset.
func (s *shardCtx) fail(off int64, err error) {
	if s.out.err != nil {
		return
	}
	s.out.err, s.out.errOff = err, off
	if err != errStopped {
		for {
			cur := s.run.stopAt.Load()
			if off >= cur || s.run.stopAt.CompareAndSwap(cur, off) {
				break
			}
		}
	}
	if s.id == 1 {
		close(s.run.stopped)
	}
}

// applyOne runs one record on this shard and reports whether to go on.
func (s *shardCtx) applyOne(c *Client, p aof.Part, rec *aof.Record) bool {
	r := s.run
	if rec.Offset >= r.stopAt.Load() {
		s.fail(rec.Offset, errStopped)
		return false
	}
	switch rec.Kind {
	case aof.KindAnnotation:
		return true
	case aof.KindDamage:
		s.fail(rec.Offset, &ReplayError{File: p.Name, Offset: rec.Offset, Err: errors.New("damaged bytes (run aofkit check / fix first)")})
		return false
	}
	if !rec.Loader.OK() {
		s.fail(rec.Offset, &ReplayError{File: p.Name, Offset: rec.Offset, Err: errors.New(rec.Loader.Reason)})
		return false
	}
	s.out.records++
	if s.id == 0 {
		r.records++
	}
	err := c.Apply(rec.Args)
	if err == nil {
		return true
	}
	if err == errStopped {
		s.fail(rec.Offset, errStopped)
		return false
	}
	if IsCommandError(err) {
		s.out.errors++
		if len(s.out.first) < maxFirstErrors {
			s.out.first = append(s.out.first, offError{rec.Offset, fmt.Sprintf("%s offset %d: %s: %v", p.Name, rec.Offset, printable(rec.Args[0]), err)})
		}
		return true
	}
	re := &ReplayError{File: p.Name, Offset: rec.Offset, Command: string(rec.Args[0]), Err: err}
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		re.Key = ue.Key
	}
	s.fail(rec.Offset, re)
	return false
}

// both is a command error of a record both shards run: shard 0 reports it.
func (s *shardCtx) both(err error) error {
	if s.id != 0 && IsCommandError(err) {
		return nil
	}
	return err
}

// exec runs one command the way this shard must: see the comment at the top of the file.
func (s *shardCtx) exec(c *Client, spec *command.Spec, h Handler, args [][]byte) error {
	r := s.run
	if r.serial {
		if s.id != 0 {
			return nil
		}
		return c.execNow(spec, h, args)
	}
	switch spec.Name {
	case "select", "multi", "exec", "flushall", "flushdb", "swapdb":
		return s.both(c.execNow(spec, h, args))
	case "mset":
		if len(args)%2 == 1 {
			return s.split(c, spec, h, args, 2)
		}
	case "del", "unlink":
		return s.split(c, spec, h, args, 1)
	case "sort":
		for _, a := range args[2:] {
			if bytes.IndexByte(a, '*') >= 0 {
				// BY or GET may read keys named by the elements: no shard can run it.
				return s.barrier(c, spec, h, args, nil, true)
			}
		}
	}
	s.keys = spec.Keys(args, s.keys[:0])
	owner := 0
	if len(s.keys) > 0 {
		owner = r.shardOf(args[s.keys[0]])
		for _, k := range s.keys[1:] {
			if r.shardOf(args[k]) != owner {
				return s.barrier(c, spec, h, args, s.keys, false)
			}
		}
	}
	if owner != s.id {
		return nil
	}
	return c.execNow(spec, h, args)
}

// split runs the part of a multi-key command (one key, or a key and a value, per step
// arguments) whose keys are this shard's.
func (s *shardCtx) split(c *Client, spec *command.Spec, h Handler, args [][]byte, step int) error {
	r := s.run
	sub := append(s.sub[:0], args[0])
	for i := 1; i+step <= len(args); i += step {
		if r.shardOf(args[i]) == s.id {
			sub = append(sub, args[i:i+step]...)
		}
	}
	s.sub = sub
	if len(sub) == 1 {
		return nil
	}
	return c.execNow(spec, h, sub)
}

// barrier runs a command that needs both shards' keys: shard 1 waits while shard 0 runs it.
// keys are the indexes of its key arguments; serial (or too many barriers) makes the rest of
// the replay serial instead.
func (s *shardCtx) barrier(c *Client, spec *command.Spec, h Handler, args [][]byte, keys []int, serial bool) error {
	r := s.run
	if s.id == 1 {
		select {
		case r.arrive <- struct{}{}:
		case <-r.quit:
			return errStopped
		}
		// Shard 0 has taken the hand-shake, so it resumes us whatever happens; waiting on
		// quit here too could see quit (shard 0 done with the file) before resume.
		<-r.resume
		return nil
	}
	select {
	case <-r.arrive:
	case <-r.stopped:
		return errStopped
	}
	defer func() { r.resume <- struct{}{} }()
	r.barriers++
	if serial || (r.barriers >= parSerialAfter && r.barriers*parSerialRatio > r.records) {
		r.merge()
		r.serial = true
		return c.execNow(spec, h, args)
	}
	ks0, ks1 := r.kss[0], r.kss[1]
	ks0.setGuard(0, 0)
	for _, k := range keys {
		if r.shardOf(args[k]) == 1 {
			moveKey(ks1, ks0, args[k])
		}
	}
	err := c.execNow(spec, h, args)
	for _, k := range keys {
		if r.shardOf(args[k]) == 1 {
			moveKey(ks0, ks1, args[k])
		}
	}
	ks0.setGuard(1, r.bit)
	return err
}

// checkKey notes a lookup of another shard's key in a database this keyspace does not have.
func (ks *Keyspace) checkKey(key []byte) {
	if ks.guard != 0 && uint32(hashKey(key)>>ks.gbit)&1 != ks.guard-1 {
		ks.misrouted = true
	}
}
