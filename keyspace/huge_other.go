//go:build !linux

package keyspace

// adviseHuge is a no-op where transparent huge pages are not advised (see huge_linux.go).
func adviseHuge(b []byte) {}
