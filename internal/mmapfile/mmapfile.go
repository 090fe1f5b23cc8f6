// Package mmapfile maps a file read-only for a sequential scan and keeps resident memory
// bounded by releasing pages the caller has finished with.
//
// On unix it uses mmap(2) with MADV_SEQUENTIAL and MADV_DONTNEED (golang.org/x/sys/unix); on
// other systems, or when mapping fails (a pipe, a zero-length file, a filesystem without mmap),
// it reads the file into memory instead (Mapped reports which). Bytes handed out are valid until
// Close. A file truncated by another process while mapped makes reads past its new end fault:
// callers scan under debug.SetPanicOnFault and turn the fault into an error (see Guard).
package mmapfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// File is a read-only view of a whole file.
type File struct {
	f        *os.File
	data     []byte
	mapped   bool
	released int64 // bytes [0, released) already given back to the kernel
}

// Open maps path read-only. Cost: one open, one fstat, one mmap; no reading. Errors are the
// *os.PathError of open/stat, or a wrapped error of the fallback read.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	m := &File{f: f}
	size := st.Size()
	if size > 0 && st.Mode().IsRegular() && int64(int(size)) == size {
		if data, err := mapFile(f, int(size)); err == nil {
			m.data, m.mapped = data, true
			return m, nil
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	m.data = data
	return m, nil
}

// Bytes returns the whole file. Valid until Close.
func (m *File) Bytes() []byte { return m.data }

// Size is the length of the view in bytes.
func (m *File) Size() int64 { return int64(len(m.data)) }

// Mapped reports whether the view is a memory mapping (false: the fallback copy).
func (m *File) Mapped() bool { return m.mapped }

// Name is the path the file was opened with.
func (m *File) Name() string { return m.f.Name() }

// Release tells the kernel that bytes before off will not be read again, so their pages can
// leave resident memory. Cheap to call often: it acts only once at least 8 MiB more can be
// released. A no-op for the fallback copy.
func (m *File) Release(off int64) {
	if !m.mapped {
		return
	}
	const step = 1 << 20
	pg := int64(os.Getpagesize())
	off = off / pg * pg
	if off-m.released < step {
		return
	}
	release(m.data[m.released:off])
	m.released = off
}

// Close unmaps and closes the file. Bytes from Bytes must not be used afterwards.
func (m *File) Close() error {
	var err error
	if m.mapped {
		err = unmap(m.data)
	}
	m.data = nil
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ErrFault is returned by Guard when the mapped file shrank under the reader (SIGBUS).
var ErrFault = errors.New("the file changed size while it was being read (truncated by another process?)")

// Guard runs fn with faults on mapped memory turned into ErrFault instead of crashing the
// process. It must be called on the goroutine that touches the mapping.
func Guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if re, ok := r.(runtime.Error); ok && isFault(re) {
				err = ErrFault
				return
			}
			panic(r)
		}
	}()
	return fn()
}

func isFault(e runtime.Error) bool {
	// A fault on a mapped page surfaces as a runtime.Error with an Addr method
	// ("unexpected fault address").
	_, ok := e.(interface{ Addr() uintptr })
	return ok
}
