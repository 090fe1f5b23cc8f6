package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/keyspace"
)

func main() {
	src, err := aof.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	ks, _, err := keyspace.Replay(context.Background(), src, keyspace.ReplayOptions{NowMs: time.Now().UnixMilli()})
	if err != nil {
		panic(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("keys", ks.Len(), "heap inuse MB", ms.HeapInuse>>20, "alloc MB", ms.HeapAlloc>>20)
	h, _ := os.Create(os.Args[2])
	pprof.WriteHeapProfile(h)
	h.Close()
	runtime.KeepAlive(ks)
}
