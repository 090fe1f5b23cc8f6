package fix

import (
	"bytes"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/command"
)

// salvageLookahead is how many records after a resynchronisation point must parse too (or the
// file must end) for the point to be trusted.
const salvageLookahead = 3

// goodRecord reports whether r is a record both readers frame alike and the loader knows, with
// a valid arity.
func goodRecord(r *aof.Record) bool {
	if r.Kind != aof.KindCommand || !r.Loader.OK() || !r.Checker.OK() || len(r.Args) == 0 {
		return false
	}
	spec, err := command.Lookup(r.Args)
	return err == nil && spec.ArityOK(len(r.Args))
}

// resyncAt reports whether scanning can resume at offset q of data (file offset base+q): a
// good record (or a #TS annotation followed by one) starts there and the next
// salvageLookahead records are good too, or the file ends first.
func resyncAt(data []byte, q int, base int64) bool {
	sc := aof.NewScanner(data[q:], base+int64(q), nil)
	n := 0
	for sc.Next() {
		r := sc.Record()
		if r.Kind == aof.KindAnnotation {
			if n == 0 && !bytes.HasPrefix(r.Raw, []byte("#TS:")) {
				return false
			}
			continue
		}
		if !goodRecord(r) {
			return false
		}
		if n++; n > salvageLookahead {
			return true
		}
	}
	return n > 0 || q == len(data)
}

// salvageResync finds the first offset at or after from where resyncAt holds: any '*', or a
// '#' at the start of a line. It returns len(data) when there is none.
func salvageResync(data []byte, from int, base int64) int {
	for q := from; q < len(data); q++ {
		c := data[q]
		if c != '*' && !(c == '#' && q > 0 && data[q-1] == '\n') {
			// the next candidate after q (data[q] itself may be a '#' inside a line)
			j := bytes.IndexAny(data[q+1:], "*#")
			if j < 0 {
				break
			}
			q += j
			continue
		}
		if resyncAt(data, q, base) {
			return q
		}
	}
	return len(data)
}

// planSalvage drops only damaged bytes and the records redis-check-aof or the loader rejects,
// in every file, and keeps everything else; a transaction with damage inside goes whole.
func (p *Plan) planSalvage() error {
	for i := range p.Files {
		f := &p.Files[i]
		switch f.part.Format {
		case aof.FormatMissing:
			if f.part.Role == aof.RoleBase {
				return &UnfixableError{File: f.Name, Offset: -1, Reason: "the base file is missing: restore it from a backup"}
			}
			f.Action = ActionRemove
			p.Notes = append(p.Notes, f.Name+" is missing: it leaves the manifest; the later files are kept")
			continue
		case aof.FormatEmpty:
			continue
		}
		for _, pr := range p.Check.Problems {
			if pr.File == f.Name && pr.Severity == "fatal" && pr.CutAt < 0 && bytes.Contains([]byte(pr.Reason), []byte("RDB section damaged")) {
				return &UnfixableError{File: f.Name, Offset: pr.Offset, Reason: pr.Reason}
			}
		}
		if err := p.salvageFile(i); err != nil {
			return err
		}
		if len(f.Removed) > 0 {
			f.Action = ActionRewrite
			for _, r := range f.Removed {
				f.SizeAfter -= r.To - r.From
			}
		}
	}
	p.PointInTime = false
	p.Notes = append(p.Notes, "salvage drops damaged bytes and the records around them from the middle of the history: the result is not a state the server was ever in")
	return nil
}

func (p *Plan) salvageFile(i int) error {
	f := &p.Files[i]
	start := p.rdbEnd(i)
	var removed []Range
	drop := func(from, to int64) {
		if from < to {
			removed = appendRange(removed, Range{from, to})
		}
	}
	return p.withData(i, func(data []byte) error {
		sc := aof.NewScanner(data[start:], start, nil)
		multiStart := int64(-1) // open MULTI
		skipToExec := false     // a damaged transaction: drop until its EXEC
		for sc.Next() {
			r := sc.Record()
			if r.Kind == aof.KindAnnotation {
				continue
			}
			if skipToExec {
				if goodRecord(r) && cmdIs(r, "multi") {
					skipToExec = false // a new transaction starts: stop dropping before it
				} else {
					good := goodRecord(r)
					if good && cmdIs(r, "exec") {
						drop(r.Offset, r.End())
						skipToExec = false
						continue
					}
					if good {
						drop(r.Offset, r.End())
						continue
					}
				}
			}
			if goodRecord(r) {
				switch {
				case cmdIs(r, "multi"):
					if multiStart >= 0 {
						// nested MULTI: the open transaction is damaged
						drop(multiStart, r.Offset)
					}
					multiStart = r.Offset
				case cmdIs(r, "exec"):
					if multiStart < 0 {
						drop(r.Offset, r.End()) // stray EXEC
					}
					multiStart = -1
				}
				continue
			}
			// Damaged: drop from the record (or its open MULTI) to where records parse again.
			from := r.Offset
			next := salvageResync(data, int(r.Offset)+1, 0)
			if next < int(r.Offset) {
				next = int(r.Offset) + 1
			}
			if multiStart >= 0 {
				from = multiStart
				multiStart = -1
				// Drop on to the transaction's EXEC, unless the damaged record was that EXEC
				// (then the records after it are outside the transaction and stay).
				skipToExec = !looksLikeExec(r) && execAhead(data, next)
			}
			drop(from, int64(next))
			sc.Resume(int64(next))
		}
		if multiStart >= 0 {
			drop(multiStart, int64(len(data))) // MULTI without EXEC at the end
		}
		f.Removed = mergeRanges(removed)
		return nil
	})
}

// looksLikeExec reports whether a damaged record is, by its first argument (as the loader
// frames it) or, when none could be read, by its first bytes, an EXEC.
func looksLikeExec(r *aof.Record) bool {
	name := r.Raw
	if len(r.Args) > 0 {
		name = r.Args[0]
	} else if i := bytes.Index(r.Raw, []byte("\r\n$")); i >= 0 && len(r.Raw) > i+4 {
		name = r.Raw[i+3:] // after "*N\r\n$L": skip to the payload's line
		if j := bytes.IndexByte(name, '\n'); j >= 0 {
			name = name[j+1:]
		}
	}
	return len(name) >= 3 && bytes.EqualFold(name[:3], []byte("exe"))
}

// execAhead reports whether, from offset q of data, a good EXEC comes before any good MULTI
// (or the file ends first): the transaction that the damage interrupted is still open there.
func execAhead(data []byte, q int) bool {
	sc := aof.NewScanner(data[q:], int64(q), nil)
	for sc.Next() {
		r := sc.Record()
		if !goodRecord(r) {
			continue
		}
		switch {
		case cmdIs(r, "exec"):
			return true
		case cmdIs(r, "multi"):
			return false
		}
	}
	return true
}

func cmdIs(r *aof.Record, name string) bool {
	return len(r.Args) > 0 && bytes.EqualFold(r.Args[0], []byte(name))
}

func mergeRanges(rs []Range) []Range {
	var out []Range
	for _, r := range rs {
		if n := len(out); n > 0 && r.From <= out[n-1].To {
			if r.To > out[n-1].To {
				out[n-1].To = r.To
			}
			continue
		}
		out = append(out, r)
	}
	return out
}
