//go:build !cgo

package keyspace

// Without cgo there is no C library to call: the correctly rounded versions stand in (see
// t_geo.go for how often they differ from glibc's in the last bit).
func geoSin(x float64) float64  { return geoSinCR(x) }
func geoCos(x float64) float64  { return geoCosCR(x) }
func geoAsin(x float64) float64 { return geoAsinCR(x) }
