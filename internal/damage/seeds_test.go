package damage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// Every damage is also a fuzz seed: damaged copies of small synthetic
// PSTs (never corpus files) are committed as seeds of ndb's FuzzFile
// target, named "damage-<kind>-<variant>" so that they do not clash with
// the seeds ndb's own TestWriteFuzzSeeds writes. Rewrite them with
//
//	go test ./internal/damage -run TestWriteDamageSeeds -write-damage-seeds

var writeDamageSeeds = flag.Bool("write-damage-seeds", false, "rewrite formats/pst/ndb/testdata/fuzz/FuzzFile/damage-* from synthetic PSTs")

// seedDir is ndb's FuzzFile seed corpus.
var seedDir = filepath.Join("..", "..", "formats", "pst", "ndb", "testdata", "fuzz", "FuzzFile")

// maxSeed bounds one seed file (the encoded form).
const maxSeed = 300 << 10

// seedStore is a store just big enough for every damage: two-level
// B-trees, an attachment over two blocks (an XBLOCK), a subnode tree, an
// orphan.
func seedStore(ansi bool) synth.PSTStore {
	g := synth.NewGen(12)
	note := func(attach int) *mapi.Message {
		n := g.Note()
		n.HTML, n.Forwarded, n.Categories, n.Cc = "", nil, nil, nil
		n.Text = "Short body.\r\n"
		n.Attachments = nil
		if attach > 0 {
			n.Attachments = []synth.File{{Name: "data.bin", MIMEType: "application/octet-stream",
				Data: synth.Garbage(rand.New(rand.NewPCG(3, 4)), attach)}}
		}
		return synth.NoteMessage(n)
	}
	return synth.PSTStore{DisplayName: "seed", ANSI: ansi, Folders: []*synth.PSTFolder{
		{Name: "Inbox", Class: "IPF.Note", Messages: []*mapi.Message{note(0), note(9000)}, Deleted: []*mapi.Message{note(0)}},
	}}
}

// trimmed returns a synthetic PST without the free space at its end (the
// writer allocates whole AMap ranges, mostly zeros), its header's
// ibFileEof and CRCs set to match, so that a seed stays small.
func trimmed(t *testing.T, b []byte) []byte {
	t.Helper()
	end := len(b)
	for end > 0 && b[end-1] == 0 {
		end--
	}
	end = (end + SectorSize - 1) / SectorSize * SectorSize
	out := append([]byte(nil), b[:end]...)
	h, _, err := ndb.ParseHeader(out)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if h.Version == ndb.ANSI {
		le.PutUint32(out[168:], uint32(end))
	} else {
		le.PutUint64(out[184:], uint64(end))
		le.PutUint32(out[524:], ndb.CRC(out[8:8+516]))
	}
	le.PutUint32(out[4:], ndb.CRC(out[8:8+471]))
	return out
}

// damageSeeds returns the seeds by file name.
func damageSeeds(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, v := range []struct {
		name string
		ansi bool
	}{{"unicode", false}, {"ansi", true}} {
		full, err := synth.PST(seedStore(v.ansi))
		if err != nil {
			t.Fatal(err)
		}
		b := trimmed(t, full)
		m := mustMap(t, b)
		if m.Depth(NBT) < 2 || m.Depth(BBT) < 2 {
			t.Fatalf("%s seed store: NBT %d, BBT %d levels; want two", v.name, m.Depth(NBT), m.Depth(BBT))
		}
		add := func(kind string, d []byte, _ Damage, err error) {
			if err != nil {
				t.Fatalf("%s %s: %v", kind, v.name, err)
			}
			out[fmt.Sprintf("damage-%s-%s", kind, v.name)] = d
		}
		d, dm, err := LoopDataTree(b)
		add("loop", d, dm, err)
		if v.ansi {
			continue // the other damages do not depend on the variant
		}
		d, dm, err = OverwritePage(b, BBT, 1)
		add("overwrite-bbt", d, dm, err)
		d, dm, err = ZeroSectors(b, 4, 1)
		add("zero-sectors", d, dm, err)
		d, dm, err = FlipBits(b, 300, 1)
		add("flip-bits", d, dm, err)
		d, dm, err = DestroyRoots(b)
		add("roots", d, dm, err)
		d, dm, err = Truncate(b, 0.6)
		add("truncate", d, dm, err)
		d, dm, err = OverwritePage(b, NBT, 1)
		add("overwrite-nbt", d, dm, err)
		bid, ok := m.MessageBlock(1)
		if !ok {
			t.Fatal("seed store: no message block")
		}
		d, dm, err = ZeroBlock(b, bid)
		add("zero-block", d, dm, err)
	}
	// a subnode tree loop, in a store with no XBLOCK
	b := trimmed(t, must(synth.PST(smallStore())))
	d, dm, err := LoopDataTree(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(dm.Desc), []byte("SLBLOCK")) {
		t.Fatalf("small store: %s", dm.Desc)
	}
	out["damage-loop-subnodes"] = d
	return out
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// encodeSeed writes one []byte argument in the fuzzing engine's corpus
// format ("go test fuzz v1").
func encodeSeed(b []byte) []byte {
	return fmt.Appendf([]byte("go test fuzz v1\n"), "[]byte(%q)\n", b)
}

// TestWriteDamageSeeds checks that every damage seed is in ndb's FuzzFile
// corpus, as this code makes it, small; with -write-damage-seeds it
// (re)writes them, and removes damage-* seeds it no longer makes.
func TestWriteDamageSeeds(t *testing.T) {
	seeds := damageSeeds(t)
	names := make([]string, 0, len(seeds))
	for n := range seeds {
		names = append(names, n)
	}
	sort.Strings(names)
	total := 0
	for _, name := range names {
		enc := encodeSeed(seeds[name])
		total += len(enc)
		if len(enc) > maxSeed {
			t.Errorf("%s: %d bytes encoded, more than %d", name, len(enc), maxSeed)
		}
		file := filepath.Join(seedDir, name)
		if *writeDamageSeeds {
			if err := os.WriteFile(file, enc, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(file)
		switch {
		case errors.Is(err, os.ErrNotExist):
			t.Errorf("seed %s missing: run go test ./internal/damage -run TestWriteDamageSeeds -write-damage-seeds", file)
		case err != nil:
			t.Error(err)
		case !bytes.Equal(old, enc):
			t.Errorf("seed %s is not what the damage code makes now: run go test ./internal/damage -run TestWriteDamageSeeds -write-damage-seeds", file)
		}
	}
	if *writeDamageSeeds {
		stale, _ := filepath.Glob(filepath.Join(seedDir, "damage-*"))
		for _, f := range stale {
			if _, ok := seeds[filepath.Base(f)]; !ok {
				os.Remove(f)
			}
		}
	}
	t.Logf("%d seeds, %d KiB encoded", len(names), total>>10)
}
