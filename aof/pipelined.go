package aof

import (
	"bytes"

	"github.com/aofkit/aofkit/internal/mmapfile"
)

// Pipelined runs a Scanner on its own goroutine, ahead of the caller, and hands its records
// over in batches, so scanning and whatever the caller does with each record use two cores.
// It iterates like a Scanner (Next, Record, LineAt) and yields exactly the same records.
//
// Memory: a few batches of Record headers (about 1 MB); record bytes still alias the scanned
// data. Release (if set) is called from the caller's goroutine only for bytes the caller has
// finished with, after counting their lines, so LineAt never faults released pages back in for
// offsets in or after the current batch.
//
// The caller must call Close when it stops before Next returns false, and must read record
// bytes under mmapfile.Guard if the data is a mapping (the scanning goroutine guards itself).
type Pipelined struct {
	data    []byte
	base    int64
	release func(off int64)

	out  chan *batch
	free chan *batch
	quit chan struct{}

	cur *batch
	i   int
	err error
	eof bool

	// LineAt cache: lineAt is the line number at file offset lineOff. The caller's goroutine
	// advances it over each batch before releasing the batch's pages.
	lineOff int64
	lineAt  int64
	closed  bool
}

type batch struct {
	recs []Record
	args [][]byte
	last bool  // no batch follows
	err  error // with last: why scanning stopped early (mmapfile.ErrFault)
}

const (
	batchRecords = 1024
	batchesAhead = 4
	// arenaSlack is the argument room a batch keeps for its next record; a record with more
	// arguments makes the scanner allocate its own slice (rare: a 512-argument MSET).
	arenaSlack = 512
)

// NewPipelined starts scanning data (which starts at file offset base) on a new goroutine.
func NewPipelined(data []byte, base int64, release func(off int64)) *Pipelined {
	p := &Pipelined{data: data, base: base, release: release,
		out:     make(chan *batch, batchesAhead),
		free:    make(chan *batch, batchesAhead+2),
		quit:    make(chan struct{}),
		lineOff: base, lineAt: 1,
	}
	for i := 0; i < batchesAhead+2; i++ {
		p.free <- &batch{recs: make([]Record, 0, batchRecords), args: make([][]byte, 0, 8*batchRecords)}
	}
	go p.produce()
	return p
}

func (p *Pipelined) produce() {
	sc := NewScanner(p.data, p.base, nil)
	var b *batch
	get := func() bool {
		select {
		case b = <-p.free:
			b.recs, b.args, b.last, b.err = b.recs[:0], b.args[:0], false, nil
			return true
		case <-p.quit:
			return false
		}
	}
	send := func() bool {
		select {
		case p.out <- b:
			return true
		case <-p.quit:
			return false
		}
	}
	if !get() {
		return
	}
	err := mmapfile.Guard(func() error {
		for {
			// The scanner writes the record straight into the batch, and its arguments
			// straight into the batch's arena: no copy.
			k := len(b.recs)
			b.recs = b.recs[:k+1]
			sc.out = &b.recs[k]
			n := len(b.args)
			sc.args = b.args[n:n:cap(b.args)]
			if !sc.Next() {
				b.recs = b.recs[:k]
				return nil
			}
			r := &b.recs[k]
			if m := len(r.Args); m > 0 {
				if n+m <= cap(b.args) && &b.args[:n+m][n] == &r.Args[0] {
					b.args = b.args[:n+m]
				} else {
					// the arena was too small: the scanner grew its own slice; keep it
					sc.args = nil
				}
			}
			if len(b.recs) == batchRecords || cap(b.args)-len(b.args) < arenaSlack {
				if !send() || !get() {
					return errQuit
				}
			}
		}
	})
	if err == errQuit {
		return
	}
	b.last = true
	b.err = err
	send()
}

type quitError struct{}

func (quitError) Error() string { return "quit" }

var errQuit error = quitError{}

// Next advances to the next record and reports whether there is one.
func (p *Pipelined) Next() bool {
	for {
		if p.cur != nil && p.i+1 < len(p.cur.recs) {
			p.i++
			return true
		}
		if p.eof {
			return false
		}
		if p.cur != nil {
			if n := len(p.cur.recs); n > 0 {
				// Count the batch's lines while its pages are resident, then let them go.
				end := p.cur.recs[n-1].End()
				p.LineAt(end)
				if p.release != nil {
					p.release(end)
				}
			}
			last := p.cur.last
			p.free <- p.cur
			p.cur = nil
			if last {
				p.eof = true
				return false
			}
		}
		b := <-p.out
		p.cur, p.i = b, -1
		if b.last {
			p.err = b.err
		}
	}
}

// Record returns the current record, valid until the next call to Next.
func (p *Pipelined) Record() *Record { return &p.cur.recs[p.i] }

// Err is the error that ended scanning early (mmapfile.ErrFault), or nil.
func (p *Pipelined) Err() error { return p.err }

// Size is the file offset just past the scanned data.
func (p *Pipelined) Size() int64 { return p.base + int64(len(p.data)) }

// Offset is the file offset just past the current record (the scan position, for progress).
func (p *Pipelined) Offset() int64 {
	if p.cur == nil || p.i < 0 || p.i >= len(p.cur.recs) {
		return p.base
	}
	return p.cur.recs[p.i].End()
}

// LineAt returns the 1-based line number of file offset off, like Scanner.LineAt. Cheap for
// offsets in or after the current batch; earlier offsets are counted backwards.
func (p *Pipelined) LineAt(off int64) int64 {
	if off < p.base {
		off = p.base
	}
	if off > p.Size() {
		off = p.Size()
	}
	i, j := int(p.lineOff-p.base), int(off-p.base)
	if j >= i {
		p.lineAt += int64(bytes.Count(p.data[i:j], nl))
	} else {
		p.lineAt -= int64(bytes.Count(p.data[j:i], nl))
	}
	p.lineOff = off
	return p.lineAt
}

// Close stops the scanning goroutine. Safe to call more than once and after the end.
func (p *Pipelined) Close() {
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
}
