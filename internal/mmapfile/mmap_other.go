//go:build !unix

package mmapfile

import (
	"errors"
	"os"
)

func mapFile(*os.File, int) ([]byte, error) { return nil, errors.New("mmap not supported") }
func release([]byte)                        {}
func unmap([]byte) error                    { return nil }
