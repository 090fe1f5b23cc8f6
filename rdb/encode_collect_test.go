package rdb

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
)

// Test 3: what the encoder writes, at every version (11 and 12 cannot be loaded by the
// Redis 7.0 that CI runs), decodes back to its input with the package's decoder, which checks
// it as deeply as RESTORE with sanitize-dump-payload yes does (Options.Verify) and checks the
// CRC.

// encWhatVersionHolds is the dataset an RDB of the version carries for keys and funcs encoded
// with dropping allowed: no hash field TTLs before 12, no functions before 10, and no stream
// counters in RDB 9 (its stream type has none; a decoder does not invent them).
func encWhatVersionHolds(keys []canon.Key, funcs []canon.Function, version int) ([]canon.Key, []canon.Function) {
	out := make([]canon.Key, len(keys))
	for i, k := range keys {
		if k.Type == canon.TypeHash && version < 12 {
			k.Hash = append([]canon.HField(nil), k.Hash...)
			for j := range k.Hash {
				k.Hash[j].ExpireMs = canon.NoExpiry
			}
		}
		if k.Type == canon.TypeStream && version < 10 {
			s := *k.Stream
			s.EntriesAdded, s.MaxDeletedID = nil, nil
			s.Groups = append([]canon.Group(nil), s.Groups...)
			for j := range s.Groups {
				s.Groups[j].EntriesRead = nil
			}
			k.Stream = &s
		}
		out[i] = k
	}
	if version < 10 {
		funcs = nil
	}
	return out, funcs
}

func TestEncodeCollectRoundTrip(t *testing.T) {
	for _, fv := range encFixtureVersions {
		keys, funcs := encLoadFixture(t, fv)
		for version := MinEncodeVersion; version <= MaxEncodeVersion; version++ {
			t.Run(fmt.Sprintf("%s/v%d", fv, version), func(t *testing.T) {
				var buf bytes.Buffer
				e, err := NewEncoder(&buf, version, EncoderOptions{Drop: true})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range funcs {
					if err := e.Function(f.Code); err != nil {
						t.Fatal(err)
					}
				}
				for i := range keys {
					if err := e.Key(&keys[i]); err != nil {
						t.Fatal(err)
					}
				}
				if err := e.Close(); err != nil {
					t.Fatal(err)
				}
				gotKeys, gotFuncs, _, err := Collect(buf.Bytes(), 0, Options{Verify: true, Checksum: true})
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				wantKeys, wantFuncs := encWhatVersionHolds(keys, funcs, version)
				for _, d := range canon.Diff(wantKeys, gotKeys, wantFuncs, gotFuncs, canon.DiffOptions{}) {
					t.Error("file: " + d)
				}

				// The same keys as DUMP payloads.
				for i := range wantKeys {
					p, _, err := DumpPayloadLossy(&keys[i], version)
					if err != nil {
						t.Fatal(err)
					}
					got, _, ver, err := CollectPayload(p, Options{Verify: true})
					if err != nil || ver != version || got == nil {
						t.Fatalf("key %q: decode payload: version %d, %v", keys[i].Key, ver, err)
					}
					got.DB, got.Key, got.ExpireMs = wantKeys[i].DB, wantKeys[i].Key, wantKeys[i].ExpireMs
					for _, d := range canon.Diff(wantKeys[i:i+1], []canon.Key{*got}, nil, nil, canon.DiffOptions{}) {
						t.Error("payload: " + d)
					}
				}
				if version >= 10 && len(funcs) > 0 {
					p, err := FunctionDumpPayload(funcs, version)
					if err != nil {
						t.Fatal(err)
					}
					k, got, ver, err := CollectPayload(p, Options{Verify: true})
					if err != nil || k != nil || ver != version {
						t.Fatalf("function payload: key %v, version %d, %v", k, ver, err)
					}
					for _, d := range canon.Diff(nil, nil, funcs, got, canon.DiffOptions{}) {
						t.Error("function payload: " + d)
					}
				}
			})
		}
	}
}
