package rdb

import (
	"bytes"
	"strings"
	"testing"
)

func TestDecLZF(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want string
		bad  string
	}{
		{"literals", []byte{2, 'a', 'b', 'c'}, "abc", ""},
		{"overlapping run", []byte{0, 'x', 0xE0, 20, 0}, strings.Repeat("x", 1+20+9), ""},
		{"period 3", []byte{2, 'a', 'b', 'c', 0xE0, 10, 2}, strings.Repeat("abc", 1) + strings.Repeat("abc", 7)[:19], ""},
		{"short reference", []byte{1, 'a', 'b', 0x20, 1}, "ababa", ""},
		{"reference before start", []byte{0, 'a', 0x20, 5}, "", "before the start"},
		{"literal past end", []byte{5, 'a'}, "", "literal run past"},
		{"reference cut", []byte{0, 'a', 0xE0}, "", "past the end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := len(c.want)
			if c.bad != "" {
				n = 100
			}
			out, reason := decLZF(nil, c.in, n)
			if c.bad != "" {
				if !strings.Contains(reason, c.bad) {
					t.Errorf("reason %q, want %q", reason, c.bad)
				}
				return
			}
			if reason != "" || string(out) != c.want {
				t.Errorf("got %q (%s), want %q", out, reason, c.want)
			}
		})
	}
	// Declared length mismatches.
	if _, r := decLZF(nil, []byte{2, 'a', 'b', 'c'}, 2); !strings.Contains(r, "longer") {
		t.Errorf("longer: %q", r)
	}
	if _, r := decLZF(nil, []byte{2, 'a', 'b', 'c'}, 4); !strings.Contains(r, "shorter") {
		t.Errorf("shorter: %q", r)
	}
	// Appending after existing bytes keeps them.
	out, r := decLZF([]byte("pre"), []byte{0, 'z', 0x40, 0}, 5)
	if r != "" || !bytes.Equal(out, []byte("prezzzzz")) {
		t.Errorf("append: %q %q", out, r)
	}
}
