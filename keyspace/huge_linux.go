package keyspace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeMin is the smallest allocation worth advising: it then holds at least one whole,
// aligned 2 MiB page.
const hugeMin = 4 << 20

// adviseHuge asks the kernel to back the 2 MiB-aligned part of b with transparent huge pages
// (madvise MADV_HUGEPAGE; the default "madvise" THP mode uses them only where asked). The key
// table, entry pages and arena chunks are read at random: with 4 KiB pages nearly every access
// also misses the TLB. Only a hint: errors are ignored, and b must be memory nothing frees
// while it is advised (the Go heap's large objects; the advice stays with the address range).
func adviseHuge(b []byte) {
	if len(b) < hugeMin {
		return
	}
	const huge = 2 << 20
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (p + huge - 1) &^ (huge - 1)
	end := (p + uintptr(len(b))) &^ (huge - 1)
	if end <= start {
		return
	}
	_ = unix.Madvise(b[start-p:end-p], unix.MADV_HUGEPAGE)
}
