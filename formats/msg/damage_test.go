package msg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// extent is a byte range of a file.
type extent struct{ off, n int64 }

// needed returns the byte ranges a reader needs to find and read the
// named top-level streams of a sound compound file: the header fields
// that locate the structures, the directory entries on the way from the
// root, the streams' bytes, and the FAT, mini FAT and DIFAT entries of
// every chain link that does not go on to the next sector (contiguous
// runs can be read without them). If all of these are intact in a
// damaged copy, the streams "survive" the damage.
func needed(t *testing.T, data []byte, names ...string) []extent {
	t.Helper()
	s, root, err := scan(bytes.NewReader(data), int64(len(data)))
	if err != nil || root == nil || s.damaged {
		t.Fatalf("needed: not a sound file: %v %q", err, s.warnings)
	}
	var out []extent
	add := func(off, n int64) { out = append(out, extent{off, n}) }
	per := uint32(s.ss / 4)
	fatEntry := func(sec uint32) {
		k := sec / per
		if int(k) < len(s.h.difat) {
			add(76+4*int64(k), 4)
			add(s.secOff(s.h.difat[k])+4*int64(sec%per), 4)
		}
	}
	links := func(units []uint32, upto int, entry func(uint32)) {
		for i := 0; i+1 < len(units) && i < upto; i++ {
			if units[i+1] != units[i]+1 {
				entry(units[i])
			}
		}
	}
	add(0x1E, 0x44-0x1E) // sector shift .. number of mini FAT sectors
	add(root.off, dirEntrySize)
	dirSecs := make([]uint32, len(s.dirSecs))
	for i, off := range s.dirSecs {
		dirSecs[i] = uint32(off/s.ss - 1)
	}
	maxPos := 0
	for _, name := range names {
		want := utf16.Encode([]rune(name))
		id := root.child
		var e *dirEntry
		for id != noStream {
			x := s.entries[int(id)]
			add(x.off, dirEntrySize)
			maxPos = max(maxPos, int(id)/s.perSec)
			c := cmpNames(want, x.units)
			if c == 0 {
				e = x
				break
			}
			if c < 0 {
				id = x.left
			} else {
				id = x.right
			}
		}
		if e == nil {
			t.Fatalf("needed: no top-level stream %q", name)
		}
		size := int64(uint32(e.size))
		if size < miniCutoff {
			units, _, _ := s.follow(e.start, (size+63)/64, true, "")
			maxSec, maxFAT := 0, 0
			for _, u := range units {
				add(s.unitOff(u, true), miniSectorSize)
				maxSec = max(maxSec, int(int64(u)*miniSectorSize/s.ss))
			}
			links(units, len(units), func(u uint32) {
				k := int(u / per)
				maxFAT = max(maxFAT, k)
				add(s.secOff(s.miniFATSecs[k])+4*int64(u%per), 4)
			})
			links(s.miniSecs, maxSec, fatEntry)
			links(s.miniFATSecs, maxFAT, fatEntry)
		} else {
			units, _, _ := s.follow(e.start, (size+s.ss-1)/s.ss, false, "")
			for _, u := range units {
				add(s.secOff(u), s.ss)
			}
			links(units, len(units), fatEntry)
		}
	}
	links(dirSecs, maxPos, fatEntry)
	return out
}

// survives reports whether every needed byte is intact in damaged.
func survives(orig, damaged []byte, ext []extent) bool {
	for _, x := range ext {
		if x.off+x.n > int64(len(damaged)) || !bytes.Equal(orig[x.off:x.off+x.n], damaged[x.off:x.off+x.n]) {
			return false
		}
	}
	return true
}

// A damage makes a broken copy of a sound .msg file.
type damage struct {
	name       string
	structural bool // damage to the compound file's structures, which a recovery must report
	apply      func(data []byte, rng *rand.Rand) []byte
}

func u32at(b []byte, off int64) uint32 { return binary.LittleEndian.Uint32(b[off:]) }

var damages = []damage{
	{"zero FAT", true, func(d []byte, _ *rand.Rand) []byte {
		nfat := min(u32at(d, 44), 109)
		for k := uint32(0); k < nfat; k++ {
			zeroSector(d, u32at(d, 76+4*int64(k)))
		}
		return d
	}},
	{"zero first directory sector", true, func(d []byte, _ *rand.Rand) []byte {
		zeroSector(d, u32at(d, 48))
		return d
	}},
	{"truncate at 50%", true, func(d []byte, _ *rand.Rand) []byte { return d[:len(d)/2] }},
	{"truncate at 80%", true, func(d []byte, _ *rand.Rand) []byte { return d[:len(d)*4/5] }},
	{"corrupt DIFAT", true, func(d []byte, _ *rand.Rand) []byte {
		binary.LittleEndian.PutUint32(d[76:], 0x00ABCDEF)
		return d
	}},
	{"directory cycle", true, func(d []byte, _ *rand.Rand) []byte {
		// the first storage other than the root points back at the top of
		// the root's sibling tree
		s, root, err := scan(bytes.NewReader(d), int64(len(d)))
		if err != nil || root == nil {
			return d
		}
		ids := make([]int, 0, len(s.entries))
		for id := range s.entries {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		for _, id := range ids {
			if e := s.entries[id]; e.typ == 1 && e.left == noStream {
				binary.LittleEndian.PutUint32(d[e.off+68:], root.child)
				break
			}
		}
		return d
	}},
	{"bit flips", false, func(d []byte, rng *rand.Rand) []byte {
		for i := 0; i < 16; i++ {
			at := rng.IntN(len(d))
			d[at] ^= 1 << rng.IntN(8)
		}
		return d
	}},
}

func zeroSector(d []byte, sec uint32) {
	ss := int64(1) << binary.LittleEndian.Uint16(d[30:])
	off := (int64(sec) + 1) * ss
	if off >= 0 && off+ss <= int64(len(d)) {
		clear(d[off : off+ss])
	}
}

// Damaged copies of real files: no panic, and where the top-level
// property stream and subject stream survive the damage (see needed),
// the message is read with its subject; a file read by the fallback is
// Partial when the damage is to its structures.
func TestCorpusDamage(t *testing.T) {
	files := corpus.Files(t, "msg")
	man := readManifest(t)
	type tally struct{ files, survived, subject, wrong, partial, errs int }
	stats := make([]tally, len(damages))
	for _, path := range files {
		name := filepath.Base(path)
		if e := man[name]; e == nil || e.broken() {
			continue
		}
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f0, err := NewFile(bytes.NewReader(orig), int64(len(orig)))
		if err != nil || f0.Recovered {
			t.Fatalf("%s: %v", name, err)
		}
		subject, hasSubject := f0.Message.Props.String(mapi.PidTagSubject)
		if !hasSubject || subject == "" {
			continue
		}
		subjTag := fmt.Sprintf("__substg1.0_0037%04X", uint16(mapi.PtypString))
		if !f0.Unicode {
			subjTag = fmt.Sprintf("__substg1.0_0037%04X", uint16(mapi.PtypString8))
		}
		if _, ok := f0.Message.Props.Get(mapi.Tag(0x0037<<16) | mapi.Tag(mapi.PtypString8)); ok {
			subjTag = "__substg1.0_0037001E"
		}
		if _, ok := f0.Message.Props.Get(mapi.Tag(0x0037<<16) | mapi.Tag(mapi.PtypString)); ok {
			subjTag = "__substg1.0_0037001F"
		}
		ext := needed(t, orig, propStreamName, subjTag)
		for i, dm := range damages {
			rounds := 1
			if dm.name == "bit flips" {
				rounds = 3
			}
			for r := 0; r < rounds; r++ {
				rng := rand.New(rand.NewPCG(uint64(len(orig)), uint64(r)))
				d := dm.apply(bytes.Clone(orig), rng)
				st := &stats[i]
				st.files++
				f, err := NewFile(bytes.NewReader(d), int64(len(d)))
				ok := survives(orig, d, ext)
				if ok {
					st.survived++
				}
				if err != nil {
					st.errs++
					if ok {
						t.Errorf("%s, %s: the subject survives, but: %v", name, dm.name, err)
					}
					continue
				}
				if len(Warnings(f.Message)) == 0 && f.Damaged {
					t.Errorf("%s, %s: damaged without a warning", name, dm.name)
				}
				got := f.Message.Props.Str(mapi.PidTagSubject)
				if got == subject {
					st.subject++
				} else if got != "" {
					st.wrong++
					if os.Getenv("MSG_DAMAGE_VERBOSE") != "" {
						t.Logf("%s, %s: subject %q, was %q", name, dm.name, got, subject)
					}
				}
				if got != subject && ok {
					t.Errorf("%s, %s: the subject survives, but reads %q, want %q\n%s", name, dm.name, got, subject, strings.Join(Warnings(f.Message), "\n"))
				}
				if f.Damaged {
					st.partial++
				}
				if ok && dm.structural && f.Recovered && !f.Damaged {
					t.Errorf("%s, %s: read by the fallback, but not reported as damaged", name, dm.name)
				}
			}
		}
	}
	for i, dm := range damages {
		st := stats[i]
		t.Logf("%-28s %3d copies: needed bytes intact in %3d, subject read in %3d (another in %d), partial %3d, errors %3d", dm.name, st.files, st.survived, st.subject, st.wrong, st.partial, st.errs)
	}
}

// Damage to files of our own, with layouts we know.
func TestDamageSynthetic(t *testing.T) {
	for _, scatter := range []bool{false, true} {
		opt := cfbOptions{}
		if scatter {
			opt.Scatter = rand.New(rand.NewPCG(7, 7))
		}
		orig, lay := writeCFB(sampleMessage(), opt)
		for _, dm := range damages {
			t.Run(fmt.Sprintf("%s/scatter=%v", dm.name, scatter), func(t *testing.T) {
				d := dm.apply(bytes.Clone(orig), rand.New(rand.NewPCG(1, 1)))
				f, err := NewFile(bytes.NewReader(d), int64(len(d)))
				ok := survives(orig, d, needed(t, orig, propStreamName, "__substg1.0_0037001F"))
				t.Logf("survives %v, err %v", ok, err)
				if err != nil {
					if ok {
						t.Errorf("subject survives, but: %v", err)
					}
					return
				}
				got := f.Message.Props.Str(mapi.PidTagSubject)
				if ok && got != "Hello from a test" {
					t.Errorf("subject %q\n%s", got, strings.Join(Warnings(f.Message), "\n"))
				}
				if !scatter && dm.structural && (!f.Damaged || !f.Recovered) {
					t.Errorf("recovered %v damaged %v", f.Recovered, f.Damaged)
				}
				_ = lay
			})
		}
	}
}

// Damage aimed at one structure of a file we wrote, and what the
// tolerant walk must make of it.
func TestDamageTargeted(t *testing.T) {
	zeroEntry := func(name string) func(d []byte, lay cfbLayout) {
		return func(d []byte, lay cfbLayout) {
			id := lay.Entries[name]
			off := (int64(lay.DirSecs[id/4])+1)*512 + int64(id%4)*dirEntrySize
			clear(d[off : off+dirEntrySize])
		}
	}
	for _, tc := range []struct {
		name    string
		damage  func(d []byte, lay cfbLayout)
		check   func(t *testing.T, f *File)
		warning string
	}{
		{
			name:   "attachment storage entry zeroed",
			damage: zeroEntry(attachPrefix + "00000000"),
			check: func(t *testing.T, f *File) {
				found := false
				for _, a := range f.Message.Attachments {
					if d, _ := a.Props.Binary(mapi.PidTagAttachDataBinary); string(d) == "attached text\n" {
						found = true
					}
				}
				if !found {
					t.Errorf("the orphaned attachment's data is not among the %d attachments", len(f.Message.Attachments))
				}
			},
			warning: "look like an attachment storage",
		},
		{
			name:   "root entry zeroed",
			damage: zeroEntry("Root Entry"),
			check: func(t *testing.T, f *File) {
				if s := f.Message.Props.Str(mapi.PidTagSubject); s != "Hello from a test" {
					t.Errorf("subject %q", s)
				}
			},
			warning: "mini stream: lost with the root entry; taken to be",
		},
		{
			name: "cycle through the root's children",
			damage: func(d []byte, lay cfbLayout) {
				// the subject stream's entry points back at the top of the root's tree
				id := lay.Entries["__substg1.0_0037001F"]
				off := (int64(lay.DirSecs[id/4])+1)*512 + int64(id%4)*dirEntrySize
				root := (int64(lay.DirSecs[0]) + 1) * 512
				copy(d[off+68:off+72], d[root+76:root+80])
			},
			check: func(t *testing.T, f *File) {
				if s := f.Message.Props.Str(mapi.PidTagSubject); s != "Hello from a test" || len(f.Message.Attachments) != 2 {
					t.Errorf("subject %q, %d attachments", s, len(f.Message.Attachments))
				}
			},
			warning: "cycle at entry",
		},
		{
			name:   "bad sector shift",
			damage: func(d []byte, _ cfbLayout) { binary.LittleEndian.PutUint16(d[30:], 7) },
			check: func(t *testing.T, f *File) {
				if s := f.Message.Props.Str(mapi.PidTagSubject); s != "Hello from a test" {
					t.Errorf("subject %q", s)
				}
			},
			warning: "sector shift 7 is invalid; sectors taken as 512 bytes",
		},
		{
			name:   "bad signature",
			damage: func(d []byte, _ cfbLayout) { copy(d, "NOTACFB!") },
			check: func(t *testing.T, f *File) {
				checkSample(t, f)
			},
			warning: "signature is",
		},
		{
			name: "mini FAT zeroed",
			damage: func(d []byte, lay cfbLayout) {
				off := (int64(lay.MiniFATSecs[0]) + 1) * 512
				clear(d[off : off+512])
			},
			check: func(t *testing.T, f *File) {
				if s := f.Message.Props.Str(mapi.PidTagSubject); s != "Hello from a test" {
					t.Errorf("subject %q", s)
				}
			},
			warning: "mini FAT",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig, lay := writeCFB(sampleMessage(), cfbOptions{})
			d := bytes.Clone(orig)
			tc.damage(d, lay)
			f, err := NewFile(bytes.NewReader(d), int64(len(d)))
			if err != nil {
				t.Fatal(err)
			}
			ws := strings.Join(Warnings(f.Message), "\n")
			if !f.Recovered || !strings.Contains(ws, tc.warning) {
				t.Errorf("recovered %v; warnings lack %q:\n%s", f.Recovered, tc.warning, ws)
			}
			tc.check(t, f)
			// the same input reads the same, warnings and all
			g, _ := NewFile(bytes.NewReader(d), int64(len(d)))
			if fingerprint(f.Message) != fingerprint(g.Message) || ws != strings.Join(Warnings(g.Message), "\n") {
				t.Errorf("two reads of the same bytes differ")
			}
		})
	}
}
