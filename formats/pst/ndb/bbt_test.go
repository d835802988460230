package ndb

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// TestRecoveredBBTCompact: on a sound file every entry of the rebuilt BBT
// is the index of a scanned block, and the entries give what the header's
// BBT gives, field for field (page offsets and reference counts too).
func TestRecoveredBBTCompact(t *testing.T) {
	for _, ansi := range []bool{false, true} {
		b, _ := buildSynth(t, synthStore(80, 6, ansi))
		var want []BlockEntry
		if err := openBytes(t, b).WalkBlocks(func(e BlockEntry) bool { want = append(want, e); return true }); err != nil {
			t.Fatal(err)
		}
		f, err := OpenRecoveredOptions(bytes.NewReader(b), int64(len(b)), ScanOptions{general: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(f.rec.blocks.ext); n != 0 {
			t.Errorf("ansi %v: %d entries kept with their own fields; want 0 on a sound file", ansi, n)
		}
		var got []BlockEntry
		f.WalkBlocks(func(e BlockEntry) bool { got = append(got, e); return true })
		if !slices.Equal(got, want) {
			t.Errorf("ansi %v: rebuilt BBT differs from the header's: %d entries, want %d", ansi, len(got), len(want))
		}
		for _, e := range want {
			if g, err := f.Block(e.BID); err != nil || g != e {
				t.Fatalf("ansi %v: Block(%v) = %+v, %v; want %+v", ansi, e.BID, g, err, e)
			}
		}
		if rep := f.Recovery(); rep.BlocksCorrected != 0 || rep.BlocksFromScan != 0 || rep.BlocksFromBTree != len(want) {
			t.Errorf("ansi %v: report %+v", ansi, rep)
		}
	}
}

// TestRecoveredBBTCorrected: a BBT entry whose offset or size no sound
// trailer confirms is replaced by the copy the scan found, with a
// warning, and kept apart from the compact entries. (The way of damaged
// files: a BBT page whose CRC matches, as here, is taken at its word by
// the way of sound files.)
func TestRecoveredBBTCorrected(t *testing.T) {
	b0, _ := buildSynth(t, synthStore(40, 0, false))
	of := openBytes(t, b0)
	lay := of.lay
	var target BlockEntry
	of.WalkBlocks(func(e BlockEntry) bool {
		if !e.BID.Internal() && e.Size > 100 {
			target = e
			return false
		}
		return true
	})
	if target.BID == 0 {
		t.Fatal("no data block")
	}
	for _, tc := range []struct {
		name, warn string
		edit       func(entry []byte)
	}{
		{"offset", "holds no sound copy of it", func(e []byte) {
			binary.LittleEndian.PutUint64(e[8:], uint64(target.Offset+4096))
		}},
		{"size", "the trailer's used", func(e []byte) {
			binary.LittleEndian.PutUint16(e[16:], uint16(target.Size-7))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := slices.Clone(b0)
			page := b[target.PageOffset : target.PageOffset+int64(lay.pageSize)]
			found := false
			for i := 0; (i+1)*24 <= lay.btMeta; i++ {
				e := page[i*24 : (i+1)*24]
				if BID(binary.LittleEndian.Uint64(e)) == target.BID {
					tc.edit(e)
					found = true
					break
				}
			}
			if !found {
				t.Fatal("entry not found in its page")
			}
			// the page stays sound: its CRC is made anew
			pt := page[lay.pageSize-16:]
			binary.LittleEndian.PutUint32(pt[4:], CRC(page[:lay.pageCRCLen]))
			f, err := OpenRecoveredOptions(bytes.NewReader(b), int64(len(b)), ScanOptions{general: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Block(target.BID)
			if err != nil || got.Offset != target.Offset || got.Size != target.Size {
				t.Fatalf("Block = %+v, %v; want offset 0x%X size %d", got, err, target.Offset, target.Size)
			}
			if got.PageOffset != target.PageOffset || got.RefCount != target.RefCount {
				t.Errorf("page offset 0x%X refs %d; want 0x%X, %d", got.PageOffset, got.RefCount, target.PageOffset, target.RefCount)
			}
			if o := f.BlockOrigin(target.BID); o != OriginScan {
				t.Errorf("origin %q, want %q", o, OriginScan)
			}
			if rep := f.Recovery(); rep.BlocksCorrected != 1 {
				t.Errorf("BlocksCorrected %d, want 1", rep.BlocksCorrected)
			}
			if n := len(f.rec.blocks.ext); n != 1 {
				t.Errorf("%d entries kept with their own fields, want 1", n)
			}
			if !slices.ContainsFunc(f.Warnings(), func(w string) bool { return strings.Contains(w, tc.warn) }) {
				t.Errorf("no warning %q in %q", tc.warn, f.Warnings())
			}
			data, err := f.Data(target.BID)
			if n := len(bytes.Join(data, nil)); err != nil || n != target.Size {
				t.Errorf("Data: %d bytes, %v; want %d", n, err, target.Size)
			}
		})
	}
}
