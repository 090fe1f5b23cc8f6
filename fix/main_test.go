package fix_test

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	_ "unsafe" // go:linkname

	_ "github.com/aofkit/aofkit/aof"
)

// aofCrashPoint is the aof package's crash-point hook (aof/atomic.go: called between the steps
// of every safe-write primitive). The aof package offers no way to set it from outside its own
// tests, so the crash test reaches it by name; only a child process (TestMain below) sets it.
//
//go:linkname aofCrashPoint github.com/aofkit/aofkit/aof.crashPoint
var aofCrashPoint func(step string)

// TestMain runs the tests, or, in a child started by childCmd, `aofkit ARGS...` (the test
// binary re-executed: the crash test kills it, the terminal tests give it a stdin that is
// not a terminal).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

func childMain() int {
	if v, ok := os.LookupEnv(crashEnv); ok {
		stopAt, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s=%q: %v\n", crashEnv, v, err)
			return 99
		}
		steps := os.NewFile(3, "steps")
		n := 0
		aofCrashPoint = func(step string) {
			n++
			fmt.Fprintf(steps, "%d %s\n", n, step)
			if n == stopAt {
				// Wait for the parent's SIGKILL. (A bare select{} would be reported as a
				// deadlock by the runtime; a signal channel keeps it quiet.)
				c := make(chan os.Signal, 1)
				signal.Notify(c, syscall.SIGUSR1)
				for {
					<-c
				}
			}
		}
	}
	return runApp(os.Args[1:], os.Stdout, os.Stderr)
}
