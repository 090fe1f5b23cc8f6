//go:build cgo

package keyspace_test

// libmDistances: this build computes GEO distances with the C library, as the server does.
const libmDistances = true
