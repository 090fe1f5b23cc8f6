package keyspace

// Geo commands, as src/geo.c, geohash.c and geohash_helper.c @ 7.0.15 apply them: GEOADD
// (NX XX CH; the 52-bit geohash score of geohashEncodeWGS84 with its latitude limits of
// ±85.05112878), and the writing searches GEORADIUS / GEORADIUSBYMEMBER … STORE|STOREDIST and
// GEOSEARCHSTORE (FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX, ASC/DESC, COUNT [ANY], STOREDIST).
// Searches without STORE do not change the dataset and are no-ops here.
//
// Which members a search stores depends on double arithmetic at the edges of the shape and on
// the order of Redis's partial quicksort when COUNT cuts ties, so every step is copied: the
// nine geohash boxes of geohashCalculateAreasByShapeWGS84, the haversine formula, the box
// test, pqsort. sin, cos and asin are the C library's, as the server calls them (geo_libm_cgo.go):
// glibc's (2.36, x86-64, FMA variants) are not correctly rounded — about 0.13% of their
// results are 1 ULP away from the true value — so a correctly rounded implementation gives
// about 0.15% of haversine distances a different last bit from a glibc server's, which shows
// in STOREDIST scores (the 10,000-sequence differential run found one) and could flip a point
// lying within an ULP of a search's edge. Built without cgo, the correctly rounded versions
// below are used instead (geoSinCR …: double-double precision rounded once, checked against
// mpmath on 40,000 arguments); a server on another C library (musl, macOS) or another code
// path of glibc can differ in the last bit either way.

import (
	"fmt"
	"math"
	"math/big"
)

var (
	geoLatMin  = -85.05112878
	geoLatMax  = 85.05112878
	geoLongMin = -180.0
	geoLongMax = 180.0
	geoPi      = math.Pi
	geoDR      = geoPi / 180.0 // D_R = M_PI / 180.0
	geoEarthR  = 6372797.560856
	geoMercMax = 20037726.37
)

const geoStepMax = 26

type geoHashBits struct {
	bits uint64
	step uint8
}

func (h geoHashBits) zero() bool { return h.bits == 0 && h.step == 0 }

type geoRange struct{ min, max float64 }

type geoArea struct {
	hash     geoHashBits
	lon, lat geoRange
}

// geoInterleave puts x's bits in the even positions and y's in the odd ones.
func geoInterleave(x, y uint32) uint64 {
	spread := func(v uint64) uint64 {
		v = (v | v<<16) & 0x0000FFFF0000FFFF
		v = (v | v<<8) & 0x00FF00FF00FF00FF
		v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
		v = (v | v<<2) & 0x3333333333333333
		v = (v | v<<1) & 0x5555555555555555
		return v
	}
	return spread(uint64(x)) | spread(uint64(y))<<1
}

// geoDeinterleave returns the even bits in the low half and the odd bits in the high half.
func geoDeinterleave(v uint64) uint64 {
	squash := func(v uint64) uint64 {
		v &= 0x5555555555555555
		v = (v | v>>1) & 0x3333333333333333
		v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
		v = (v | v>>4) & 0x00FF00FF00FF00FF
		v = (v | v>>8) & 0x0000FFFF0000FFFF
		v = (v | v>>16) & 0x00000000FFFFFFFF
		return v
	}
	return squash(v) | squash(v>>1)<<32
}

// geoEncode is geohashEncode over the WGS84 ranges; ok is false out of range (bits then 0).
func geoEncode(lon, lat float64, step uint8) (geoHashBits, bool) {
	if step > 32 || step == 0 {
		return geoHashBits{}, false
	}
	if lon > geoLongMax || lon < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoHashBits{}, false
	}
	h := geoHashBits{step: step}
	latOff := (lat - geoLatMin) / (geoLatMax - geoLatMin)
	lonOff := (lon - geoLongMin) / (geoLongMax - geoLongMin)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	h.bits = geoInterleave(uint32(latOff), uint32(lonOff))
	return h, true
}

// geoDecode is geohashDecode over the WGS84 ranges.
func geoDecode(h geoHashBits) (geoArea, bool) {
	if h.zero() {
		return geoArea{}, false
	}
	sep := geoDeinterleave(h.bits)
	latScale := geoLatMax - geoLatMin
	lonScale := geoLongMax - geoLongMin
	ilat := uint32(sep)
	ilon := uint32(sep >> 32)
	div := float64(uint64(1) << h.step)
	a := geoArea{hash: h}
	a.lat.min = geoLatMin + float64(float64(float64(ilat)/div)*latScale)
	a.lat.max = geoLatMin + float64(float64(float64(ilat+1)/div)*latScale)
	a.lon.min = geoLongMin + float64(float64(float64(ilon)/div)*lonScale)
	a.lon.max = geoLongMin + float64(float64(float64(ilon+1)/div)*lonScale)
	return a, true
}

// geoAreaCenter is geohashDecodeAreaToLongLat.
func geoAreaCenter(a geoArea) (lon, lat float64) {
	lon = (a.lon.min + a.lon.max) / 2
	lon = math.Max(math.Min(lon, geoLongMax), geoLongMin)
	lat = (a.lat.min + a.lat.max) / 2
	lat = math.Max(math.Min(lat, geoLatMax), geoLatMin)
	return lon, lat
}

// geoDoubleToUint64 is what (uint64_t)d compiles to on x86-64 (comisd against 2^63, then
// cvttsd2si, subtracting and flipping bit 63 above it), out-of-range values included.
func geoDoubleToUint64(d float64) uint64 {
	const two63 = 9223372036854775808.0
	cvt := func(x float64) uint64 {
		if math.IsNaN(x) || x >= two63 || x < -two63 {
			return 1 << 63 // the "integer indefinite" value
		}
		return uint64(int64(x))
	}
	if math.IsNaN(d) || d < two63 {
		return cvt(d)
	}
	return cvt(d-two63) ^ 1<<63
}

// geoDecodeScore is decodeGeohash: a zset score back to the center of its 52-bit cell.
func geoDecodeScore(score float64) (lon, lat float64) {
	a, _ := geoDecode(geoHashBits{bits: geoDoubleToUint64(score), step: geoStepMax})
	return geoAreaCenter(a)
}

func geoAlign52(h geoHashBits) uint64 { return h.bits << (52 - uint(h.step)*2) }

func geoMoveX(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	h.bits = x | y
}

func geoMoveY(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// Neighbour order of GeoHashNeighbors and of membersOfAllNeighbors' search.
const (
	geoNorth = iota
	geoSouth
	geoEast
	geoWest
	geoNorthEast
	geoNorthWest
	geoSouthEast
	geoSouthWest
)

func geoNeighbors(h geoHashBits) [8]geoHashBits {
	moves := [8][2]int{
		geoNorth: {0, 1}, geoSouth: {0, -1}, geoEast: {1, 0}, geoWest: {-1, 0},
		geoNorthEast: {1, 1}, geoNorthWest: {-1, 1}, geoSouthEast: {1, -1}, geoSouthWest: {-1, -1},
	}
	var n [8]geoHashBits
	for i, m := range moves {
		n[i] = h
		geoMoveX(&n[i], m[0])
		geoMoveY(&n[i], m[1])
	}
	return n
}

func geoDegRad(a float64) float64 { return a * geoDR }
func geoRadDeg(a float64) float64 { return a / geoDR }

// geoLatDistance is geohashGetLatDistance.
func geoLatDistance(lat1, lat2 float64) float64 {
	return geoEarthR * math.Abs(geoDegRad(lat2)-geoDegRad(lat1))
}

// geoDistance is geohashGetDistance (haversine), operation by operation.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := geoDegRad(lon1)
	lon2r := geoDegRad(lon2)
	v := geoSin((lon2r - lon1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r := geoDegRad(lat1)
	lat2r := geoDegRad(lat2)
	u := geoSin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return 2.0 * geoEarthR * geoAsin(math.Sqrt(a))
}

type geoShape struct {
	circle        bool
	lon, lat      float64
	conversion    float64
	radius        float64
	width, height float64
	bounds        [4]float64 // min lon, min lat, max lon, max lat
}

// geoEstimateSteps is geohashEstimateStepsByRadius.
func geoEstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < geoMercMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	if step < 1 {
		step = 1
	}
	if step > 26 {
		step = 26
	}
	return uint8(step)
}

// boundingBox is geohashBoundingBox.
func (s *geoShape) boundingBox() {
	half := s.radius
	if !s.circle {
		half = s.height / 2
	}
	height := s.conversion * half
	half = s.radius
	if !s.circle {
		half = s.width / 2
	}
	width := s.conversion * half
	latDelta := geoRadDeg(height / geoEarthR)
	lonDeltaTop := geoRadDeg(width / geoEarthR / geoCos(geoDegRad(s.lat+latDelta)))
	lonDeltaBottom := geoRadDeg(width / geoEarthR / geoCos(geoDegRad(s.lat-latDelta)))
	if s.lat < 0 {
		s.bounds[0] = s.lon - lonDeltaBottom
		s.bounds[2] = s.lon + lonDeltaBottom
	} else {
		s.bounds[0] = s.lon - lonDeltaTop
		s.bounds[2] = s.lon + lonDeltaTop
	}
	s.bounds[1] = s.lat - latDelta
	s.bounds[3] = s.lat + latDelta
}

// geoSearchAreas is geohashCalculateAreasByShapeWGS84: the center box and its neighbours, in
// search order, zero where a neighbour is not needed.
func (s *geoShape) searchAreas() [9]geoHashBits {
	s.boundingBox()
	minLon, minLat, maxLon, maxLat := s.bounds[0], s.bounds[1], s.bounds[2], s.bounds[3]
	radius := s.radius
	if !s.circle {
		radius = math.Sqrt(float64((s.width/2)*(s.width/2)) + float64((s.height/2)*(s.height/2)))
	}
	radius *= s.conversion
	steps := geoEstimateSteps(radius, s.lat)
	hash, _ := geoEncode(s.lon, s.lat, steps)
	hash.step = steps // geohashEncode sets the step before its range check
	nb := geoNeighbors(hash)
	area, _ := geoDecode(hash)
	decrease := false
	{
		north, _ := geoDecode(nb[geoNorth])
		south, _ := geoDecode(nb[geoSouth])
		east, _ := geoDecode(nb[geoEast])
		west, _ := geoDecode(nb[geoWest])
		if north.lat.max < maxLat || south.lat.min > minLat || east.lon.max < maxLon || west.lon.min > minLon {
			decrease = true
		}
	}
	if steps > 1 && decrease {
		steps--
		hash, _ = geoEncode(s.lon, s.lat, steps)
		hash.step = steps
		nb = geoNeighbors(hash)
		area, _ = geoDecode(hash)
	}
	if steps >= 2 {
		if area.lat.min < minLat {
			nb[geoSouth], nb[geoSouthWest], nb[geoSouthEast] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.lat.max > maxLat {
			nb[geoNorth], nb[geoNorthEast], nb[geoNorthWest] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.lon.min < minLon {
			nb[geoWest], nb[geoSouthWest], nb[geoNorthWest] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.lon.max > maxLon {
			nb[geoEast], nb[geoSouthEast], nb[geoNorthEast] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
	}
	return [9]geoHashBits{hash, nb[geoNorth], nb[geoSouth], nb[geoEast], nb[geoWest],
		nb[geoNorthEast], nb[geoNorthWest], nb[geoSouthEast], nb[geoSouthWest]}
}

// within is geoWithinShape: the point of a score, and its distance when inside the shape.
func (s *geoShape) within(score float64) (float64, bool) {
	lon, lat := geoDecodeScore(score)
	if s.circle {
		d := geoDistance(s.lon, s.lat, lon, lat)
		return d, !(d > s.radius*s.conversion)
	}
	w, h := s.width*s.conversion, s.height*s.conversion
	if geoLatDistance(lat, s.lat) > h/2 {
		return 0, false
	}
	if geoDistance(lon, lat, s.lon, lat) > w/2 {
		return 0, false
	}
	return geoDistance(s.lon, s.lat, lon, lat), true
}

type geoPoint struct {
	dist, score float64
	member      string
}

// membersInAreas is membersOfAllNeighbors (with geoGetPointsInRange): every member inside
// the shape, box by box, each box in score order; with limit > 0 it stops at limit points.
func (s *geoShape) membersInAreas(z *Zset, areas [9]geoHashBits, limit int64) []geoPoint {
	var out []geoPoint
	last := 0
	for i, h := range areas {
		if h.zero() {
			continue
		}
		if last != 0 && h == areas[last] {
			continue
		}
		if len(out) > 0 && limit > 0 && int64(len(out)) >= limit {
			break
		}
		r := zrangeSpec{min: float64(geoAlign52(h)), max: float64(geoAlign52(geoHashBits{h.bits + 1, h.step})), maxex: true}
		for cur := z.firstInRange(&r); cur.ok(); cur.next() {
			if !r.lteMax(cur.score()) {
				break
			}
			if d, ok := s.within(cur.score()); ok {
				out = append(out, geoPoint{dist: d, score: cur.score(), member: cur.member()})
			}
			if len(out) > 0 && limit > 0 && int64(len(out)) >= limit {
				break
			}
		}
		last = i
	}
	return out
}

// geoLonLat is extractLongLatOrReply.
func geoLonLat(c *Client, a [][]byte) (float64, float64, error) {
	lon, ok := collParseDouble(c, a[0])
	if !ok {
		return 0, 0, ErrNotFloat
	}
	lat, ok := collParseDouble(c, a[1])
	if !ok {
		return 0, 0, ErrNotFloat
	}
	if lon < geoLongMin || lon > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		return 0, 0, collErr(fmt.Sprintf("invalid longitude,latitude pair %f,%f", lon, lat))
	}
	return lon, lat, nil
}

// geoUnit is extractUnitOrReply.
func geoUnit(b []byte) (float64, error) {
	switch {
	case collEqualFold(b, "m"):
		return 1, nil
	case collEqualFold(b, "km"):
		return 1000, nil
	case collEqualFold(b, "ft"):
		return 0.3048, nil
	case collEqualFold(b, "mi"):
		return 1609.34, nil
	}
	return 0, collErr("unsupported unit provided. please use M, KM, FT, MI")
}

// geoRadiusArg is extractDistanceOrReply.
func geoRadiusArg(c *Client, a [][]byte, s *geoShape) error {
	d, ok := collParseDouble(c, a[0])
	if !ok {
		return collErr("need numeric radius")
	}
	if d < 0 {
		return collErr("radius cannot be negative")
	}
	s.radius = d
	conv, err := geoUnit(a[1])
	if err != nil {
		return err
	}
	s.conversion = conv
	return nil
}

// geoBoxArg is extractBoxOrReply.
func geoBoxArg(c *Client, a [][]byte, s *geoShape) error {
	w, ok := collParseDouble(c, a[0])
	if !ok {
		return collErr("need numeric width")
	}
	h, ok := collParseDouble(c, a[1])
	if !ok {
		return collErr("need numeric height")
	}
	if h < 0 || w < 0 {
		return collErr("height or width cannot be negative")
	}
	s.height, s.width = h, w
	conv, err := geoUnit(a[2])
	if err != nil {
		return err
	}
	s.conversion = conv
	return nil
}

func init() {
	register("geoadd", geoAdd)
	register("georadius", func(c *Client, a [][]byte) error { return geoSearch(c, a, 1, geoByCoords) })
	register("georadiusbymember", func(c *Client, a [][]byte) error { return geoSearch(c, a, 1, geoByMember) })
	register("geosearchstore", func(c *Client, a [][]byte) error { return geoSearch(c, a, 2, geoSearchStore) })
}

// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
func geoAdd(c *Client, a [][]byte) error {
	var f zaddFlags
	idx := 2
opts:
	for ; idx < len(a); idx++ {
		switch {
		case collEqualFold(a[idx], "nx"):
			f.nx = true
		case collEqualFold(a[idx], "xx"):
			f.xx = true
		case collEqualFold(a[idx], "ch"):
		default:
			break opts
		}
	}
	if (len(a)-idx)%3 != 0 || (f.xx && f.nx) {
		return ErrSyntax
	}
	n := (len(a) - idx) / 3
	if n == 0 {
		return ErrSyntax // the ZADD it becomes has no score-member pair
	}
	scores := make([]float64, n)
	for i := range scores {
		lon, lat, err := geoLonLat(c, a[idx+3*i:])
		if err != nil {
			return err
		}
		h, _ := geoEncode(lon, lat, geoStepMax)
		scores[i] = float64(geoAlign52(h))
	}
	collSetErange(c.KS, false) // the ZADD it becomes parses its integer scores: errno = 0
	return zsetAddScores(c, a[1], scores, func(i int) []byte { return a[idx+3*i+2] }, f)
}

type geoKind int

const (
	geoByCoords    geoKind = iota // GEORADIUS
	geoByMember                   // GEORADIUSBYMEMBER
	geoSearchStore                // GEOSEARCHSTORE
)

// geoSearch is georadiusGeneric for the forms that may store. Without a destination the
// command only reads and nothing happens.
func geoSearch(c *Client, a [][]byte, srcIdx int, kind geoKind) error {
	var z *Zset
	if e := c.Lookup(a[srcIdx]); e != nil {
		var ok bool
		if z, ok = c.val(e).(*Zset); !ok {
			return ErrWrongType
		}
	}
	var s geoShape
	var storeKey []byte
	storeDist := false
	var base int
	memberLonLat := func(m []byte) error {
		score, ok := z.Score(m)
		if !ok {
			return collErr("could not decode requested zset member")
		}
		s.lon, s.lat = geoDecodeScore(score)
		return nil
	}
	switch {
	case kind == geoByCoords:
		base = 6
		s.circle = true
		var err error
		if s.lon, s.lat, err = geoLonLat(c, a[2:]); err != nil {
			return err
		}
		if err := geoRadiusArg(c, a[base-2:], &s); err != nil {
			return err
		}
	case kind == geoByMember && z == nil:
		base = 5
	case kind == geoByMember:
		base = 5
		s.circle = true
		if err := memberLonLat(a[2]); err != nil {
			return err
		}
		if err := geoRadiusArg(c, a[base-2:], &s); err != nil {
			return err
		}
	default:
		base = 3
		storeKey = a[1]
	}
	search := kind == geoSearchStore
	var withOpt, fromMember, fromLoc, byRadius, byBox, any bool
	sortDir := 0 // 0 none, 1 asc, 2 desc
	var count int64
	rest := a[base:]
	for i := 0; i < len(rest); i++ {
		arg := rest[i]
		switch {
		case collEqualFold(arg, "withdist"), collEqualFold(arg, "withhash"), collEqualFold(arg, "withcoord"):
			withOpt = true
		case collEqualFold(arg, "any"):
			any = true
		case collEqualFold(arg, "asc"):
			sortDir = 1
		case collEqualFold(arg, "desc"):
			sortDir = 2
		case collEqualFold(arg, "count") && i+1 < len(rest):
			v, ok := strParseInt(rest[i+1])
			if !ok {
				return ErrNotInt
			}
			if v <= 0 {
				return collErr("COUNT must be > 0")
			}
			count = v
			i++
		case collEqualFold(arg, "store") && i+1 < len(rest) && !search:
			storeKey, storeDist = rest[i+1], false
			i++
		case collEqualFold(arg, "storedist") && i+1 < len(rest) && !search:
			storeKey, storeDist = rest[i+1], true
			i++
		case collEqualFold(arg, "storedist") && search:
			storeDist = true
		case collEqualFold(arg, "frommember") && i+1 < len(rest) && search && !fromLoc:
			if z != nil {
				if err := memberLonLat(rest[i+1]); err != nil {
					return err
				}
			}
			fromMember = true
			i++
		case collEqualFold(arg, "fromlonlat") && i+2 < len(rest) && search && !fromMember:
			var err error
			if s.lon, s.lat, err = geoLonLat(c, rest[i+1:]); err != nil {
				return err
			}
			fromLoc = true
			i += 2
		case collEqualFold(arg, "byradius") && i+2 < len(rest) && search && !byBox:
			if err := geoRadiusArg(c, rest[i+1:], &s); err != nil {
				return err
			}
			s.circle = true
			byRadius = true
			i += 2
		case collEqualFold(arg, "bybox") && i+3 < len(rest) && search && !byRadius:
			if err := geoBoxArg(c, rest[i+1:], &s); err != nil {
				return err
			}
			s.circle = false
			byBox = true
			i += 3
		default:
			return ErrSyntax
		}
	}
	if storeKey != nil && withOpt {
		what := "STORE option in GEORADIUS"
		if search {
			what = "GEOSEARCHSTORE"
		}
		return collErr(what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
	}
	if search && !(fromMember || fromLoc) {
		return collErr("exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(collCString(a[0])))
	}
	if search && !(byRadius || byBox) {
		return collErr("exactly one of BYRADIUS and BYBOX can be specified for " + string(collCString(a[0])))
	}
	if any && count == 0 {
		return collErr("the ANY argument requires COUNT argument")
	}
	if storeKey == nil {
		return nil // a read: no effect on the dataset
	}
	if z == nil {
		c.Delete(storeKey)
		return nil
	}
	if count != 0 && sortDir == 0 && !any {
		sortDir = 1
	}
	limit := int64(0)
	if any {
		limit = count
	}
	pts := s.membersInAreas(z, s.searchAreas(), limit)
	n := len(pts)
	if count != 0 && int64(n) > count {
		n = int(count)
	}
	if sortDir != 0 && n < len(pts) {
		// Only the first n are kept: which ones, among equal distances, is pqsort's choice.
		cmp := func(i, j int) int {
			r := 0
			switch {
			case pts[i].dist > pts[j].dist:
				r = 1
			case pts[i].dist == pts[j].dist:
				r = 0
			default:
				r = -1
			}
			if sortDir == 2 {
				r = -r
			}
			return r
		}
		bmSort(len(pts), cmp, func(i, j int) { pts[i], pts[j] = pts[j], pts[i] }, 0, n-1)
	}
	res := make([]zentry, 0, n)
	seen := make(map[string]struct{}, n)
	for _, p := range pts[:n] {
		if _, dup := seen[p.member]; dup {
			continue // Redis would fail an assertion here; keep the first
		}
		seen[p.member] = struct{}{}
		score := p.score
		if storeDist {
			score = p.dist / s.conversion
		}
		res = append(res, zentry{score, p.member})
	}
	return zsetStoreResult(c, storeKey, res)
}

// ---------------------------------------------------------------------------------------------
// Correctly rounded sin, cos and asin, in double-double arithmetic.

type geoDD struct{ hi, lo float64 }

func geoTwoSum(a, b float64) (float64, float64) {
	s := a + b
	bb := s - a
	return s, (a - (s - bb)) + (b - bb)
}

func geoQuickTwoSum(a, b float64) (float64, float64) {
	s := a + b
	return s, b - (s - a)
}

func geoDDAdd(x, y geoDD) geoDD {
	s, e := geoTwoSum(x.hi, y.hi)
	t, f := geoTwoSum(x.lo, y.lo)
	e += t
	s, e = geoQuickTwoSum(s, e)
	e += f
	s, e = geoQuickTwoSum(s, e)
	return geoDD{s, e}
}

func geoDDNeg(x geoDD) geoDD { return geoDD{-x.hi, -x.lo} }

func geoDDMul(x, y geoDD) geoDD {
	p := x.hi * y.hi
	e := math.FMA(x.hi, y.hi, -p)
	e += x.hi*y.lo + x.lo*y.hi
	p, e = geoQuickTwoSum(p, e)
	return geoDD{p, e}
}

func geoDDMulF(x geoDD, f float64) geoDD { return geoDDMul(x, geoDD{f, 0}) }

func geoDDDiv(x, y geoDD) geoDD {
	q1 := x.hi / y.hi
	r := geoDDAdd(x, geoDDNeg(geoDDMulF(y, q1)))
	q2 := r.hi / y.hi
	r = geoDDAdd(r, geoDDNeg(geoDDMulF(y, q2)))
	q3 := r.hi / y.hi
	s, e := geoQuickTwoSum(q1, q2)
	return geoDDAdd(geoDD{s, e}, geoDD{q3, 0})
}

// geoPio2 is π/2 as three doubles (about 160 bits).
var geoPio2 = func() [3]float64 {
	const piText = "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058223172535940812848111745028410270193852110555964462294895493038196"
	pi, _, err := big.ParseFloat(piText, 10, 400, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	rest := new(big.Float).SetPrec(400).Quo(pi, big.NewFloat(2))
	var out [3]float64
	for i := range out {
		out[i], _ = rest.Float64()
		rest.Sub(rest, new(big.Float).SetFloat64(out[i]))
	}
	return out
}()

// geoReduce returns r and k with x = k·π/2 + r, |r| <= about π/4.
func geoReduce(x geoDD) (geoDD, int) {
	k := math.Round(x.hi / geoPio2[0])
	if k == 0 {
		return x, 0
	}
	r := x
	for _, p := range geoPio2 {
		hi := k * p
		lo := math.FMA(k, p, -hi)
		r = geoDDAdd(r, geoDD{-hi, -lo})
	}
	return r, int(int64(k) & 3)
}

// geoSinCosReduced returns sin and cos of r, |r| <= π/4, by their Taylor series.
func geoSinCosReduced(r geoDD) (geoDD, geoDD) {
	r2 := geoDDMul(r, r)
	sin, term := r, r
	for k := 1; k < 40; k++ {
		term = geoDDDiv(geoDDMul(term, r2), geoDD{float64((2 * k) * (2*k + 1)), 0})
		if k%2 == 1 {
			sin = geoDDAdd(sin, geoDDNeg(term))
		} else {
			sin = geoDDAdd(sin, term)
		}
		if math.Abs(term.hi) < 1e-36*math.Abs(sin.hi) || term.hi == 0 {
			break
		}
	}
	cos, term := geoDD{1, 0}, geoDD{1, 0}
	for k := 1; k < 40; k++ {
		term = geoDDDiv(geoDDMul(term, r2), geoDD{float64((2*k - 1) * (2 * k)), 0})
		if k%2 == 1 {
			cos = geoDDAdd(cos, geoDDNeg(term))
		} else {
			cos = geoDDAdd(cos, term)
		}
		if math.Abs(term.hi) < 1e-36 || term.hi == 0 {
			break
		}
	}
	return sin, cos
}

func geoSinCos(x geoDD) (geoDD, geoDD) {
	r, k := geoReduce(x)
	s, c := geoSinCosReduced(r)
	switch k {
	case 1:
		return c, geoDDNeg(s)
	case 2:
		return geoDDNeg(s), geoDDNeg(c)
	case 3:
		return geoDDNeg(c), s
	}
	return s, c
}

// geoSinCR is sin(x) rounded once from double-double precision.
func geoSinCR(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e6 {
		return math.Sin(x) // far outside what the geo formulas use
	}
	s, _ := geoSinCos(geoDD{x, 0})
	return s.hi + s.lo
}

// geoCosCR is cos(x) rounded once from double-double precision.
func geoCosCR(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e6 {
		return math.Cos(x)
	}
	_, c := geoSinCos(geoDD{x, 0})
	return c.hi + c.lo
}

// geoAsinCR is asin(y) rounded once: Newton's method on sin in double-double precision.
func geoAsinCR(y float64) float64 {
	switch {
	case math.IsNaN(y) || y > 1 || y < -1:
		return math.NaN()
	case y == 0:
		return y
	case y == 1:
		return geoPio2[0]
	case y == -1:
		return -geoPio2[0]
	}
	x := geoDD{math.Asin(y), 0}
	for i := 0; i < 4; i++ {
		s, c := geoSinCos(x)
		x = geoDDAdd(x, geoDDNeg(geoDDDiv(geoDDAdd(s, geoDD{-y, 0}), c)))
	}
	return x.hi + x.lo
}
