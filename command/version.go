package command

import (
	"fmt"
	"strconv"
	"strings"
)

// Version names a server release for AvailableIn: Redis or Valkey, major.minor.
type Version struct {
	Valkey       bool
	Major, Minor int
}

// valkeyBase is the Redis release every Valkey release contains (Valkey forked from 7.2.4).
var valkeyBase = Version{Major: 7, Minor: 2}

// ParseVersion parses "7.0", "7.0.15", "redis-7.4", "valkey-8.0" or "valkey-8.0.1" (the patch
// level is ignored). Cost: O(len(s)). Errors: a descriptive error for anything else.
func ParseVersion(s string) (Version, error) {
	var v Version
	rest := s
	switch {
	case strings.HasPrefix(rest, "valkey-"):
		v.Valkey = true
		rest = rest[len("valkey-"):]
	case strings.HasPrefix(rest, "redis-"):
		rest = rest[len("redis-"):]
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("command: bad version %q (want [redis-|valkey-]MAJOR.MINOR[.PATCH])", s)
	}
	var err error
	if v.Major, err = strconv.Atoi(parts[0]); err != nil || v.Major < 0 {
		return Version{}, fmt.Errorf("command: bad version %q", s)
	}
	if v.Minor, err = strconv.Atoi(parts[1]); err != nil || v.Minor < 0 {
		return Version{}, fmt.Errorf("command: bad version %q", s)
	}
	return v, nil
}

func (v Version) String() string {
	if v.Valkey {
		return fmt.Sprintf("valkey-%d.%d", v.Major, v.Minor)
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

func (v Version) less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// AvailableIn reports whether a server of version v knows the command (and, for a
// sub-command, its container): Since <= v and not Removed at or before v. A Valkey release
// knows the Redis commands up to 7.2 plus the Valkey ones up to its own version; a Redis
// release knows no Valkey-only command. Sub-commands are checked by name only, like
// lookups before 7.0 did not check them at all. Cost: O(1), no allocation in practice.
func (s *Spec) AvailableIn(v Version) bool {
	if s.Parent != nil && !s.Parent.AvailableIn(v) {
		return false
	}
	since, err := ParseVersion(s.Since)
	if err != nil {
		return false
	}
	if since.Valkey {
		return v.Valkey && !v.less(since)
	}
	limit := v
	if v.Valkey {
		limit = valkeyBase
	}
	if limit.less(since) {
		return false
	}
	if s.Removed != "" {
		if rm, err := ParseVersion(s.Removed); err == nil && !limit.less(rm) {
			return false
		}
	}
	return true
}
