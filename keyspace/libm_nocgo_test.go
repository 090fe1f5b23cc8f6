//go:build !cgo

package keyspace_test

// libmDistances: without cgo, GEO distances are correctly rounded, not glibc's (t_geo.go).
const libmDistances = false
