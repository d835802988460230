package ndb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckBlock: checkBlock finds a block quiet exactly when decodeBlock
// reads it without a warning or error, for every block of a synthetic
// PST and of the corpus's PSTs and OSTs (OST 2013 blocks are compressed),
// as stored and with a byte of its data or its trailer changed.
func TestCheckBlock(t *testing.T) {
	files := map[string][]byte{}
	b, _ := buildSynth(t, synthStore(40, 0, false))
	files["synthetic"] = b
	if !testing.Short() {
		for _, p := range corpusPSTs(t) {
			if c, err := os.ReadFile(p); err == nil {
				files[filepath.Base(p)] = c
			}
		}
	}
	for name, orig := range files {
		f, err := Open(bytes.NewReader(orig), int64(len(orig)))
		if err != nil {
			continue // the corpus's broken files: other tests' business
		}
		checked, noisy := 0, 0
		f.WalkBlocks(func(e BlockEntry) bool {
			span := f.lay.blockSpan(e.Size)
			if e.Size < 0 || e.Offset < 0 || e.Offset+int64(span) > int64(len(orig)) {
				return true
			}
			for variant := range 3 {
				buf := append([]byte(nil), orig[e.Offset:e.Offset+int64(span)]...)
				switch variant {
				case 1: // a byte of the data
					if e.Size > 0 {
						buf[e.Size/2] ^= 0x5A
					}
				case 2: // the trailer's BID
					buf[len(buf)-f.lay.blockTrailer+8] ^= 0x40
				}
				_, dwarn, derr := decodeBlock(append([]byte(nil), buf...), e, f.lay, f.hdr.Crypt)
				cwarn, cerr := checkBlock(buf, e, f.lay, f.hdr.Crypt)
				decoded := derr == nil && len(dwarn) == 0
				checked++
				if !decoded {
					noisy++
				}
				if (cerr == nil && len(cwarn) == 0) != decoded {
					t.Errorf("%s: block %v variant %d: checkBlock %v %v, decodeBlock %v %v", name, e.BID, variant, cwarn, cerr, dwarn, derr)
					return false
				}
			}
			return true
		})
		if checked == 0 || noisy < checked/3 {
			t.Errorf("%s: %d block variants checked, %d not quiet: the damaged variants were not all caught", name, checked, noisy)
		}
	}
}
