// Package cliutil holds what every aofkit command shares on the command line: exit codes,
// the help text that documents them, JSON output, time parsing and progress reporting.
package cliutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Exit codes of every command (DESIGN.md).
const (
	ExitOK          = 0 // success: input valid, job done, nothing to do
	ExitDamaged     = 1 // the input is damaged, or the job could not be fully done because of it
	ExitUsage       = 2 // usage error
	ExitOperational = 3 // could not read a present file, could not reach a target, interrupted, or content this version cannot verify yet
)

// ExitCodesHelp is appended to every command's description.
const ExitCodesHelp = `Exit codes:
   0  success: the input is valid, the job is done, or there is nothing to do
   1  the input is damaged, or the job could not be fully done because of it
   2  usage error
   3  operational: a present file could not be read, a target could not be reached,
      the run was interrupted, or the input holds content this version cannot verify yet`

// Exit returns an error that makes the app exit with code; msg (if not empty) goes to stderr.
func Exit(msg string, code int) error { return cli.Exit(msg, code) }

// Usagef is an exit-2 error.
func Usagef(format string, a ...any) error {
	return cli.Exit("aofkit: "+fmt.Sprintf(format, a...), ExitUsage)
}

// WriteJSON prints v as one indented JSON object followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ParseTime reads a --now/--since style value: unix seconds, unix milliseconds (13+ digits)
// or RFC 3339.
func ParseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if len(s) >= 13 {
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("not a time: want unix seconds or RFC 3339 (2006-01-02T15:04:05Z)")
	}
	return t, nil
}

// Bytes formats a byte count for people: "1.3 GB (1300000000 bytes)" style short form.
func Bytes(n int64) string {
	if n < 0 {
		return strconv.FormatInt(n, 10)
	}
	return humanize.Bytes(uint64(n))
}

// Progress reports how far a job is. On a terminal it draws a bar on stderr; otherwise it
// prints a plain line every 10 seconds once the job has run that long (DESIGN.md). The zero
// of quiet silences it. Safe for use from one goroutine plus its own ticker.
type Progress struct {
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	w       io.Writer
	label   string
	total   int64
	done    int64
	start   time.Time
	last    time.Time
	quiet   bool
	isTTY   bool
	stopped bool
}

// NewProgress starts progress reporting for a job of total bytes.
func NewProgress(label string, total int64, quiet bool) *Progress {
	p := &Progress{w: os.Stderr, label: label, total: total, start: time.Now(), quiet: quiet}
	p.last = p.start
	if quiet {
		return p
	}
	p.isTTY = term.IsTerminal(int(os.Stderr.Fd()))
	if p.isTTY {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// Update records done bytes of total (total may grow).
func (p *Progress) Update(done, total int64) {
	if p == nil || p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.done = done
	if total > 0 {
		p.total = total
	}
	if p.bar != nil {
		if p.bar.GetMax64() != p.total {
			p.bar.ChangeMax64(p.total)
		}
		_ = p.bar.Set64(done)
		return
	}
	now := time.Now()
	if now.Sub(p.last) >= 10*time.Second {
		p.last = now
		pct := 0.0
		if p.total > 0 {
			pct = 100 * float64(done) / float64(p.total)
		}
		fmt.Fprintf(p.w, "aofkit: %s: %s of %s (%.0f%%), %s elapsed\n", p.label,
			Bytes(done), Bytes(p.total), pct, now.Sub(p.start).Round(time.Second))
	}
}

// Done ends progress reporting and clears the bar.
func (p *Progress) Done() {
	if p == nil || p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// QuietFlag and JSONFlag are shared flag definitions.
var (
	QuietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"}
	JSONFlag  = &cli.BoolFlag{Name: "json", Usage: "print one machine-readable JSON report (also on failure)"}
)
