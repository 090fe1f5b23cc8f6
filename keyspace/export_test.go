package keyspace

// Hooks for the external tests (package keyspace_test).

// SetParSerialAfter makes parallel replays go serial after n barriers (whatever their rate)
// and returns a function that restores the default.
func SetParSerialAfter(n int64) (restore func()) {
	a, r := parSerialAfter, parSerialRatio
	parSerialAfter, parSerialRatio = n, 1<<40
	return func() { parSerialAfter, parSerialRatio = a, r }
}

// Misroutes is how many parallel replays have started over serially in this process.
func Misroutes() int64 { return misroutes.Load() }

// SetMaxFirstErrors sets how many errors ReplayStats.FirstErrors keeps.
func SetMaxFirstErrors(n int) { maxFirstErrors = n }
