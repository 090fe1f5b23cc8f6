package dump

// Match reports whether s matches the glob pattern with the semantics of Redis's MATCH / KEYS
// patterns (stringmatchlen, src/util.c): `*` any run, `?` one byte, `[abc]`, `[^abc]`, `[a-z]`,
// and `\x` for a literal x. Byte-oriented. Cost: O(len(pattern)*len(s)) at worst.
func Match(pattern, s []byte) bool {
	// Iterative matcher with backtracking to the last star.
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				for p < len(pattern) && pattern[p] == '*' {
					p++
				}
				if p == len(pattern) {
					return true
				}
				starP, starI = p, i
				continue
			case '?':
				p++
				i++
				continue
			case '[':
				if np, ok := matchClass(pattern, p, s[i]); ok {
					p = np
					i++
					continue
				}
			case '\\':
				if p+1 < len(pattern) {
					if pattern[p+1] == s[i] {
						p += 2
						i++
						continue
					}
				} else if s[i] == '\\' {
					p++
					i++
					continue
				}
			default:
				if pattern[p] == s[i] {
					p++
					i++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchClass matches c against the class starting at pattern[p] == '['. It returns the index
// after the class and whether c matched. An unterminated class extends to the end.
func matchClass(pattern []byte, p int, c byte) (int, bool) {
	p++
	not := p < len(pattern) && pattern[p] == '^'
	if not {
		p++
	}
	matched := false
	for p < len(pattern) && pattern[p] != ']' {
		switch {
		case pattern[p] == '\\' && p+1 < len(pattern):
			p++
			if pattern[p] == c {
				matched = true
			}
			p++
		case p+2 < len(pattern) && pattern[p+1] == '-' && pattern[p+2] != ']':
			lo, hi := pattern[p], pattern[p+2]
			if lo > hi {
				lo, hi = hi, lo
			}
			if c >= lo && c <= hi {
				matched = true
			}
			p += 3
		default:
			if pattern[p] == c {
				matched = true
			}
			p++
		}
	}
	if p < len(pattern) {
		p++ // the ']'
	}
	if not {
		matched = !matched
	}
	return p, matched
}
