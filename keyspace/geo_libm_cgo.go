//go:build cgo

package keyspace

// #cgo LDFLAGS: -lm
// #include <math.h>
import "C"

// geoSin, geoCos and geoAsin are the C library's sin, cos and asin: the functions
// geohashGetDistance calls, so that distances match a server on the same C library bit for
// bit (see t_geo.go).
func geoSin(x float64) float64  { return float64(C.sin(C.double(x))) }
func geoCos(x float64) float64  { return float64(C.cos(C.double(x))) }
func geoAsin(x float64) float64 { return float64(C.asin(C.double(x))) }
