package command

// keysProc finds the keys of a command whose key specs cannot describe them exactly.
type keysProc func(args [][]byte, dst []int) []int

// procFor returns the hand-written key rule for a command, or nil when the key specs are
// exact. The rules follow each command's own argument parser (sort.c, cluster.c, geo.c,
// t_stream.c @ 7.4.1), not the looser getkeys helpers.
func procFor(name string) keysProc {
	switch name {
	case "sort":
		return sortKeys
	case "migrate":
		return migrateKeys
	case "georadius":
		return geoRadiusKeys(6)
	case "georadiusbymember":
		return geoRadiusKeys(5)
	case "xread", "xreadgroup":
		return xreadKeys
	}
	return nil
}

// Keys appends to dst the indexes into args of every key the record touches, in key-spec
// order, and returns dst. args is the whole record (args[0] is the command, and for a
// sub-command args[1] is its name), and s is what Lookup returned for it.
//
// Shard channels (SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE) are not keys and are left out. BY/GET
// patterns of SORT are not keys either (Redis marks them unknown). Positions past the end of
// args are never returned: on short, odd or otherwise hostile argument lists Keys returns the
// keys it could find and stops, and never panics. A numkeys argument that is not a
// non-negative integer yields no keys for that spec; one larger than the remaining arguments
// is clipped. XREAD/XREADGROUP with an odd number of arguments after STREAMS (which Redis
// rejects) yield no stream keys.
//
// Cost: O(len(args)) for keyword and option scans, O(keys) otherwise; no allocation when dst
// has capacity for the keys.
func (s *Spec) Keys(args [][]byte, dst []int) []int {
	if s.keysProc != nil {
		return s.keysProc(args, dst)
	}
	for i := range s.KeySpecs {
		dst = specKeys(&s.KeySpecs[i], args, dst)
	}
	return dst
}

// specKeys applies one key spec, the way Redis 7's getKeysUsingKeySpecs does, but stopping
// quietly at the end of args instead of failing.
func specKeys(ks *KeySpec, args [][]byte, dst []int) []int {
	if ks.Flags&KeyNotKey != 0 {
		return dst
	}
	argc := len(args)
	var first int
	switch ks.Begin {
	case BeginIndex:
		first = ks.Pos
	case BeginKeyword:
		first = -1
		if ks.StartFrom >= 0 {
			for i := max(ks.StartFrom, 1); i < argc; i++ {
				if equalFold(args[i], ks.Keyword) {
					first = i + 1
					break
				}
			}
		} else {
			for i := argc + ks.StartFrom; i >= 1; i-- {
				if i < argc && equalFold(args[i], ks.Keyword) {
					first = i + 1
					break
				}
			}
		}
		if first < 0 {
			return dst
		}
	default:
		return dst
	}
	if first < 1 || first >= argc {
		return dst
	}
	step := max(ks.Step, 1)
	var last int
	switch ks.Find {
	case FindRange:
		switch {
		case ks.LastKey >= 0:
			last = first + ks.LastKey
		case ks.Limit <= 1:
			last = argc + ks.LastKey
		default:
			last = first + (argc-first)/ks.Limit + ks.LastKey
		}
	case FindKeynum:
		idx := first + ks.KeynumIdx
		if idx >= argc {
			return dst
		}
		n, ok := parseCount(args[idx])
		if !ok {
			return dst
		}
		first += ks.FirstKey
		if n == 0 || first >= argc {
			return dst
		}
		// n may be huge (hostile): clip before multiplying.
		if n > argc {
			n = argc
		}
		last = first + (n-1)*step
	default:
		return dst
	}
	for i := first; i <= last && i < argc; i += step {
		dst = append(dst, i)
	}
	return dst
}

// parseCount parses a non-negative decimal integer the way a numkeys argument must be
// written; values above 1<<30 are reported as 1<<30 (they exceed any real argument count).
func parseCount(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<30 {
			n = n*10 + int(c-'0')
		}
	}
	return min(n, 1<<30), true
}

// equalFold compares b with an upper-case ASCII keyword, ignoring ASCII case.
func equalFold(b []byte, upper string) bool {
	if len(b) != len(upper) {
		return false
	}
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// sortKeys: SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
// [STORE destination]. The sorted key, and the last STORE destination (sortCommand keeps the
// last one). Option arguments are skipped, so a pattern or destination spelled "store" is not
// taken for the keyword.
func sortKeys(args [][]byte, dst []int) []int {
	if len(args) < 2 {
		return dst
	}
	dst = append(dst, 1)
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case equalFold(args[i], "LIMIT"):
			i += 2
		case equalFold(args[i], "BY"), equalFold(args[i], "GET"):
			i++
		case equalFold(args[i], "STORE"):
			if i+1 < len(args) {
				store = i + 1
			}
			i++
		}
	}
	if store > 0 {
		dst = append(dst, store)
	}
	return dst
}

// migrateKeys: MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw]
// [KEYS key ...]. With KEYS, the keys after it (argv[3] must then be empty and is not a key);
// otherwise argv[3].
func migrateKeys(args [][]byte, dst []int) []int {
	for i := 6; i < len(args); i++ {
		switch {
		case equalFold(args[i], "AUTH"):
			i++
		case equalFold(args[i], "AUTH2"):
			i += 2
		case equalFold(args[i], "KEYS"):
			for k := i + 1; k < len(args); k++ {
				dst = append(dst, k)
			}
			return dst
		}
	}
	if len(args) > 3 {
		dst = append(dst, 3)
	}
	return dst
}

// geoRadiusKeys: GEORADIUS key lon lat radius unit [options] (options from 6) and
// GEORADIUSBYMEMBER key member radius unit [options] (from 5). The key, and the last STORE or
// STOREDIST destination (georadiusGeneric keeps the last one).
func geoRadiusKeys(optFrom int) keysProc {
	return func(args [][]byte, dst []int) []int {
		if len(args) < 2 {
			return dst
		}
		dst = append(dst, 1)
		store := 0
		for i := optFrom; i < len(args); i++ {
			switch {
			case equalFold(args[i], "COUNT"):
				i++
			case equalFold(args[i], "STORE"), equalFold(args[i], "STOREDIST"):
				if i+1 < len(args) {
					store = i + 1
				}
				i++
			}
		}
		if store > 0 {
			dst = append(dst, store)
		}
		return dst
	}
}

// xreadKeys: XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ... and XREADGROUP GROUP g c
// [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id .... The first half of the arguments after
// STREAMS; none if STREAMS is missing, an unknown option precedes it, or the rest is odd.
func xreadKeys(args [][]byte, dst []int) []int {
	for i := 1; i < len(args); i++ {
		switch {
		case equalFold(args[i], "COUNT"), equalFold(args[i], "BLOCK"):
			i++
		case equalFold(args[i], "GROUP"):
			i += 2
		case equalFold(args[i], "NOACK"):
		case equalFold(args[i], "STREAMS"):
			rest := len(args) - i - 1
			if rest == 0 || rest%2 != 0 {
				return dst
			}
			for k := i + 1; k <= i+rest/2; k++ {
				dst = append(dst, k)
			}
			return dst
		default:
			return dst
		}
	}
	return dst
}
