package command

// extraSpecs are the commands the generated table (Redis 7.4.1 + Valkey 8.0.1 JSON) lacks:
// Redis 8.0 additions and commands removed before 7.0 that files written by older servers
// can still name. Facts from src/commands/{hgetex,hsetex,hgetdel}.json (Redis 8.0, PR #13798)
// and server.c @ 6.2.16 for STRALGO.
func extraSpecs() []*Spec {
	key1 := func(f KeyFlag) []KeySpec {
		return []KeySpec{{Flags: f, Begin: BeginIndex, Pos: 1, Find: FindRange, LastKey: 0, Step: 1}}
	}
	return []*Spec{
		// HGETDEL key FIELDS numfields field [field ...]
		{Name: "hgetdel", Arity: -5, Flags: Write | Fast, Group: "hash", Since: "8.0",
			KeySpecs: key1(KeyRW | KeyAccess | KeyDelete)},
		// HGETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST] FIELDS numfields field [field ...]
		{Name: "hgetex", Arity: -5, Flags: Write | Fast, Group: "hash", Since: "8.0",
			KeySpecs: key1(KeyRW | KeyAccess | KeyUpdate)},
		// HSETEX key [FNX | FXX] [EX s | PX ms | EXAT t | PXAT t | KEEPTTL] FIELDS numfields field value [field value ...]
		{Name: "hsetex", Arity: -6, Flags: Write | DenyOOM | Fast, Group: "hash", Since: "8.0",
			KeySpecs: key1(KeyRW | KeyUpdate)},
		// STRALGO LCS [KEYS k1 k2 | STRINGS a b] ... (6.0 to 6.2; replaced by LCS in 7.0).
		{Name: "stralgo", Arity: -2, Flags: ReadOnly, Group: "string", Since: "6.0", Removed: "7.0",
			KeySpecs: []KeySpec{{Flags: KeyRO | KeyAccess, Begin: BeginKeyword, Keyword: "KEYS", StartFrom: 2,
				Find: FindRange, LastKey: 1, Step: 1}}},
	}
}

// annotate sets our own flags: Framing on the commands that structure an AOF (MULTI and EXEC
// delimit a transaction the loader queues, SELECT switches the database; DISCARD and WATCH
// are queued like any command by the loader, so they are not framing), and Script on the
// commands that run, load or remove server-side scripts or functions.
func annotate(top map[string]*Spec) {
	for _, n := range []string{"multi", "exec", "select"} {
		top[n].Flags |= Framing
	}
	for _, n := range []string{"eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"} {
		top[n].Flags |= Script
	}
	for c, subs := range map[string][]string{
		"script":   {"load", "flush"},
		"function": {"load", "delete", "flush", "restore"},
	} {
		for _, n := range subs {
			top[c].Subcommands[n].Flags |= Script
		}
	}
}
