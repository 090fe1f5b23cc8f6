package aof

import "strconv"

// AppendCommand appends one RESP record (`*N` then `$len` bulk strings, CRLF-terminated) to
// dst, the framing the server writes and its loader reads. No allocation beyond dst's growth.
func AppendCommand(dst []byte, args ...[]byte) []byte { return appendCommand(dst, args) }

// AppendCommandStrings is AppendCommand for string arguments.
func AppendCommandStrings(dst []byte, args ...string) []byte { return appendCommand(dst, args) }

func appendCommand[T ~string | ~[]byte](dst []byte, args []T) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}
