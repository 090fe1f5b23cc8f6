//go:build linux

package fix_test

// On a terminal fix asks before changing anything: the child's stdin is a pseudo-terminal
// (opened through /dev/ptmx) whose master side answers.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the master and slave sides of a new pseudo-terminal.
func openPTY() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, s, nil
}

func TestAsksOnATerminal(t *testing.T) {
	for _, c := range []struct {
		answer string
		code   int
	}{{"y\n", 0}, {"yes\n", 0}, {"n\n", 1}, {"\n", 1}} {
		t.Run(strings.TrimSpace(c.answer), func(t *testing.T) {
			master, slave, err := openPTY()
			if err != nil {
				t.Skipf("no pseudo-terminal: %v", err)
			}
			defer master.Close()
			root := t.TempDir()
			p := filepath.Join(root, "appendonly.aof")
			orig := readFile(t, filepath.Join(realRoot, fxSingle))
			damaged := orig[:len(orig)-4]
			writeFile(t, p, damaged)

			cmd := childCmd(root, "fix", p)
			var out, errw bytes.Buffer
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, &out, &errw
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			slave.Close()
			// The terminal buffers the line until fix reads it.
			if _, err := master.Write([]byte(c.answer)); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			r := cliResult{stdout: out.String(), stderr: errw.String(), code: code}
			if code != c.code {
				t.Fatalf("answer %q: exit %d, want %d\n%s", c.answer, code, c.code, r)
			}
			if !strings.Contains(r.stderr, "Apply these changes? [y/N]") {
				t.Errorf("no question on the terminal:\n%s", r)
			}
			got := readFile(t, p)
			if c.code == 0 {
				if len(got) >= len(damaged) {
					t.Errorf("answered %q: the file was not repaired", c.answer)
				}
				return
			}
			if !bytes.Equal(got, damaged) || !strings.Contains(r.stderr, "nothing was changed") {
				t.Errorf("answered %q: want the file unchanged and a message saying so:\n%s", c.answer, r)
			}
			if n := len(readDirAll(t, root)); n != 1 {
				t.Errorf("answered %q: %d files next to the input, want none", c.answer, n-1)
			}
		})
	}
}
