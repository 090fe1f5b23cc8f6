package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/cliutil"
)

// Command is `aofkit check`.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "say whether an AOF (any layout) or RDB will load, and exactly where and why not",
		ArgsUsage: "PATH",
		UsageText: "aofkit check [--json] [--strict] [--quiet] PATH",
		Description: `PATH is an AOF directory, its .manifest file, a single AOF file, or an RDB file;
the layout is detected by content. check reports every problem, each with file, byte offset,
line, record, command, severity, what redis-check-aof says and what the server's loader does.
The "AOF analyzed" lines keep redis-check-aof's meanings (its line counter runs across files).
check never writes to its input and works on read-only files.

` + cliutil.ExitCodesHelp,
		Flags: []cli.Flag{
			cliutil.JSONFlag,
			&cli.BoolFlag{Name: "strict", Usage: "warnings make the input invalid (exit 1)"},
			cliutil.QuietFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				msg := "check needs exactly one PATH (flags go before it): aofkit check [--json] [--strict] PATH"
				if c.Bool("json") {
					_ = cliutil.WriteJSON(c.App.Writer, map[string]any{"valid": false, "error": msg})
				}
				return cliutil.Usagef("%s", msg)
			}
			return run(c.Context, c.App.Writer, c.Args().First(), c.Bool("json"), c.Bool("strict"), c.Bool("quiet"))
		},
	}
}

// memoryLimit is the Go heap's soft limit during check (unless GOMEMLIMIT is set): check's
// working set is a few MB plus the duplicate check of the largest RDB collection, so a low
// limit keeps peak RSS near that instead of letting garbage double it.
const memoryLimit = 32 << 20

func run(ctx context.Context, w io.Writer, path string, asJSON, strict, quiet bool) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(memoryLimit))
	}
	var prog *cliutil.Progress
	opt := Options{Path: path, Strict: strict}
	if !quiet && !asJSON || !quiet {
		opt.Progress = func(done, total int64) {
			if prog == nil {
				prog = cliutil.NewProgress("check", total, quiet)
			}
			prog.Update(done, total)
		}
	}
	rep, err := Run(ctx, opt)
	prog.Done()
	var ue *aof.UsageError
	switch {
	case errors.As(err, &ue):
		if asJSON {
			_ = cliutil.WriteJSON(w, map[string]any{"valid": false, "error": ue.Error()})
		}
		return cliutil.Usagef("%v", ue)
	case rep == nil && errors.Is(err, fs.ErrNotExist):
		if asJSON {
			_ = cliutil.WriteJSON(w, map[string]any{"valid": false, "error": err.Error()})
		}
		return cliutil.Usagef("%v", err)
	case rep == nil:
		if asJSON {
			_ = cliutil.WriteJSON(w, map[string]any{"valid": false, "error": err.Error()})
		}
		return cliutil.Exit("aofkit check: "+err.Error(), cliutil.ExitOperational)
	}
	if asJSON {
		if werr := cliutil.WriteJSON(w, rep); werr != nil {
			return werr
		}
	} else {
		RenderText(w, rep)
	}
	code := ExitCode(rep)
	if err != nil {
		return cliutil.Exit("aofkit check: "+err.Error(), cliutil.ExitOperational)
	}
	if code != 0 {
		return cliutil.Exit("", code)
	}
	return nil
}

// ExitCode is the exit code a report calls for (DESIGN.md): 1 when damaged (or warnings under
// --strict), else 3 when something could not be verified, else 0.
func ExitCode(r *Report) int {
	switch {
	case !r.Valid && (len(r.blocking()) > 0 || !r.CheckerValid || !r.LoaderValid):
		return cliutil.ExitDamaged
	case r.NotVerified || r.Unreadable:
		return cliutil.ExitOperational
	case !r.Valid:
		return cliutil.ExitDamaged
	}
	return cliutil.ExitOK
}

func (r *Report) blocking() []Problem {
	var out []Problem
	for _, p := range r.Problems {
		if p.Severity == Fatal || p.Severity == Error {
			out = append(out, p)
		}
	}
	return out
}

// maxTextProblems bounds the problem list in text output; --json has them all.
const maxTextProblems = 50

var loaderText = map[string]string{
	LoaderRefuses:   "the server refuses to start",
	LoaderTruncates: "the server truncates here and loads (aof-load-truncated yes)",
	LoaderIgnores:   "the server logs an error and goes on",
	LoaderAccepts:   "the server loads it",
	LoaderUndefined: "undefined behaviour in the server",
}

// RenderText prints a report for people.
func RenderText(w io.Writer, r *Report) {
	for _, f := range r.Files {
		switch f.Kind {
		case "history", "manifest":
			continue
		}
		switch f.Status {
		case "missing":
			fmt.Fprintf(w, "AOF %s is missing\n", f.Name)
			continue
		case "empty":
			fmt.Fprintf(w, "AOF %s is empty\n", f.Name)
			continue
		case "unreadable":
			fmt.Fprintf(w, "AOF %s could not be read\n", f.Name)
			continue
		case "not-verified":
			fmt.Fprintf(w, "AOF %s starts with an RDB section that was not verified\n", f.Name)
			continue
		}
		fmt.Fprintf(w, "AOF analyzed: filename=%s, size=%d, ok_up_to=%d, ok_up_to_line=%d, diff=%d\n",
			f.Name, f.Size, f.OkUpTo, f.OkUpToLine, f.Diff)
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(w, "\n%d problem%s:\n", len(r.Problems), plural(len(r.Problems)))
	}
	for i, p := range r.Problems {
		if i == maxTextProblems {
			fmt.Fprintf(w, "... and %d more (--json lists them all)\n", len(r.Problems)-i)
			break
		}
		loc := p.File
		if p.Offset >= 0 {
			loc += fmt.Sprintf(" offset %d", p.Offset)
			var extra []string
			if p.Line > 0 {
				extra = append(extra, fmt.Sprintf("line %d", p.Line))
			}
			if p.Record >= 0 {
				extra = append(extra, fmt.Sprintf("record %d", p.Record))
			}
			if p.Command != "" {
				extra = append(extra, printable(p.Command))
			}
			if len(extra) > 0 {
				loc += " (" + strings.Join(extra, ", ") + ")"
			}
		}
		fmt.Fprintf(w, "  %-7s %s: %s\n", p.Severity, loc, p.Reason)
		if p.Offset < 0 && p.Loader == LoaderAccepts {
			continue // a file-level note: the reason says it all
		}
		note := ""
		if p.AfterDamage {
			note = "; after earlier damage in this file"
		}
		fmt.Fprintf(w, "          redis-check-aof %s; %s%s\n", p.Checker, loaderText[p.Loader], note)
	}
	fmt.Fprintln(w)
	c := r.Counts()
	counts := fmt.Sprintf("%d fatal, %d error%s, %d warning%s", c[Fatal], c[Error], plural(c[Error]), c[Warning], plural(c[Warning]))
	switch code := ExitCode(r); {
	case code == cliutil.ExitOK:
		fmt.Fprintf(w, "VALID: %s loads and redis-check-aof accepts it (%s)\n", r.Path, counts)
	case code == cliutil.ExitOperational && r.Unreadable:
		fmt.Fprintf(w, "NOT CHECKED: a file of %s could not be read (%s)\n", r.Path, counts)
	case code == cliutil.ExitOperational:
		fmt.Fprintf(w, "NOT VERIFIED: %s holds content this version cannot verify (%s)\n", r.Path, counts)
	default:
		var what []string
		if !r.LoaderValid {
			what = append(what, "the server would not load all of it")
		}
		if !r.CheckerValid {
			what = append(what, "redis-check-aof rejects it")
		}
		if len(what) == 0 {
			what = append(what, "warnings under --strict")
		}
		fmt.Fprintf(w, "INVALID: %s: %s (%s)\n", r.Path, strings.Join(what, "; "), counts)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
