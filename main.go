// Command aofkit is an offline toolkit for Redis and Valkey append-only files.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/aofkit/aofkit/check"
	"github.com/aofkit/aofkit/compact"
	"github.com/aofkit/aofkit/dump"
	"github.com/aofkit/aofkit/fix"
	"github.com/aofkit/aofkit/internal/cliutil"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise the module
// version (go install) or "dev".
var version = ""

func main() {
	os.Exit(run(os.Args))
}

func run(args []string) int {
	app := &cli.App{
		Name:    "aofkit",
		Usage:   "check, repair, compact, split, inspect and migrate Redis/Valkey append-only files",
		Version: versionString(),
		Description: `Every command takes PATH last, flags first: aofkit CMD [flags] PATH.
PATH is an AOF directory, its manifest, a single AOF file or an RDB file (detected by content).

` + cliutil.ExitCodesHelp,
		Commands: []*cli.Command{
			check.Command(),
			compact.Command(),
			dump.Command(),
			fix.Command(),
		},
		EnableBashCompletion: false,
		HideHelpCommand:      false,
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return cliutil.Usagef("%v", err)
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	err := app.Run(args)
	if err == nil {
		return cliutil.ExitOK
	}
	if ec, ok := err.(cli.ExitCoder); ok {
		if msg := ec.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(os.Stderr, "aofkit:", err)
	return cliutil.ExitUsage
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
