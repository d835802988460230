package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
)

// cfbTestTree is a tree with streams of every size class: empty, mini
// stream (with and without a partial last mini sector), exactly at the
// cutoff, several regular sectors, and storages nested three deep, some
// with enough children to need several directory sectors.
func cfbTestTree() ([]*CFBEntry, map[string][]byte) {
	want := map[string][]byte{}
	data := func(n, seed int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*31 + seed)
		}
		return b
	}
	var leaves []*CFBEntry
	for i, n := range []int{0, 1, 63, 64, 65, 4095, 4096, 4097, 10000, 512, 513} {
		name := fmt.Sprintf("s%d", i)
		leaves = append(leaves, CFBStream(name, data(n, i)))
		want[name] = data(n, i)
	}
	var many []*CFBEntry
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("__substg1.0_%08X", 0x10000000+i*0x1F)
		many = append(many, CFBStream(name, data(i*13, i)))
		want["many/"+name] = data(i*13, i)
	}
	deep := CFBStorage("a", CFBStorage("b", CFBStorage("c", CFBStream("leaf", []byte("deep")))), CFBStorage("empty"))
	want["a/b/c/leaf"] = []byte("deep")
	unicodeName := "Ünïcödé 名前"
	want[unicodeName] = []byte("x")
	entries := append(leaves, CFBStorage("many", many...), deep, CFBStream(unicodeName, []byte("x")))
	return entries, want
}

func TestCFBMscfb(t *testing.T) {
	entries, want := cfbTestTree()
	b, err := CFB(entries)
	if err != nil {
		t.Fatal(err)
	}
	got := cfbStreams(t, b)
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("mscfb does not list %s", name)
		case !bytes.Equal(g, w):
			t.Errorf("%s: mscfb reads %d bytes, %d written", name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("mscfb lists %s, not written", name)
		}
	}
	checkCFBStructure(t, b)
	b2, _ := CFB(entries)
	if !bytes.Equal(b, b2) {
		t.Error("CFB is not deterministic")
	}
}

// TestCFBDIFAT writes a file whose FAT needs more than the 109 sectors
// the header lists, so DIFAT sectors.
func TestCFBDIFAT(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 16 MB")
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB: 32768 sectors, 257 FAT sectors
	small := []byte("small")
	b, err := CFB([]*CFBEntry{CFBStream("big", big), CFBStream("small", small)})
	if err != nil {
		t.Fatal(err)
	}
	h := cfbHeader(b)
	if h.nDIFAT == 0 || h.nFAT <= 109 {
		t.Fatalf("%d FAT sectors, %d DIFAT sectors", h.nFAT, h.nDIFAT)
	}
	got := cfbStreams(t, b)
	if !bytes.Equal(got["big"], big) || !bytes.Equal(got["small"], small) {
		t.Errorf("mscfb reads %d and %d bytes", len(got["big"]), len(got["small"]))
	}
	checkCFBStructure(t, b)
}

func TestCFBNames(t *testing.T) {
	for _, tc := range []struct {
		entries []*CFBEntry
		bad     string
	}{
		{[]*CFBEntry{CFBStream("", nil)}, "empty"},
		{[]*CFBEntry{CFBStream(strings.Repeat("x", 32), nil)}, "32 characters"},
		{[]*CFBEntry{CFBStream("a/b", nil)}, "slash"},
		{[]*CFBEntry{CFBStream("a!", nil)}, "bang"},
		{[]*CFBEntry{CFBStream("Name", nil), CFBStorage("NAME")}, "same name in another case"},
		{[]*CFBEntry{CFBStorage("s", CFBStream("x:y", nil))}, "colon below"},
	} {
		if _, err := CFB(tc.entries); !errors.Is(err, ErrCFB) {
			t.Errorf("%s: error %v, want ErrCFB", tc.bad, err)
		}
	}
	if _, err := CFB([]*CFBEntry{CFBStream(strings.Repeat("x", 31), nil)}); err != nil {
		t.Errorf("31 characters: %v", err)
	}
}

func TestCFBTreeColors(t *testing.T) {
	for n := 0; n <= 130; n++ {
		var kids []*CFBEntry
		for i := 0; i < n; i++ {
			kids = append(kids, CFBStream(fmt.Sprintf("n%03d", i), nil))
		}
		b, err := CFB(kids)
		if err != nil {
			t.Fatal(err)
		}
		checkCFBStructure(t, b)
	}
}

type cfbHead struct {
	nFAT, nDIFAT, dirStart, miniFATStart, nMiniFAT, difatStart uint32
}

func cfbHeader(b []byte) cfbHead {
	u := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	return cfbHead{nFAT: u(44), dirStart: u(48), miniFATStart: u(60), nMiniFAT: u(64), difatStart: u(68), nDIFAT: u(72)}
}

// checkCFBStructure checks what mscfb does not: the header's fixed fields,
// that every sector is mapped by the FAT, that the FAT and DIFAT sectors
// are marked, that each storage's children form a binary search tree in
// MS-CFB's name order, and that the tree is red-black: a black root, no
// red node with a red child, the same number of black nodes on every
// path (MS-CFB section 2.6.4).
func checkCFBStructure(t *testing.T, b []byte) {
	t.Helper()
	if len(b)%512 != 0 || len(b) < 1024 {
		t.Fatalf("file of %d bytes", len(b))
	}
	if !bytes.Equal(b[:8], cfbSignature) || binary.LittleEndian.Uint16(b[26:]) != 3 || binary.LittleEndian.Uint16(b[30:]) != 9 ||
		binary.LittleEndian.Uint16(b[28:]) != 0xFFFE || binary.LittleEndian.Uint32(b[56:]) != 4096 || !bytes.Equal(b[8:24], make([]byte, 16)) {
		t.Errorf("header % x", b[:64])
	}
	h := cfbHeader(b)
	nSec := uint32(len(b)/512 - 1)
	sector := func(s uint32) []byte { return b[512*(s+1) : 512*(s+2)] }
	// the FAT sectors: 109 in the header, the rest in the DIFAT chain
	var fatSecs []uint32
	for i := 0; i < 109 && uint32(i) < h.nFAT; i++ {
		fatSecs = append(fatSecs, binary.LittleEndian.Uint32(b[76+4*i:]))
	}
	var difatSecs []uint32
	for s, i := h.difatStart, uint32(0); i < h.nDIFAT; i++ {
		difatSecs = append(difatSecs, s)
		sec := sector(s)
		for j := 0; j < 127 && uint32(len(fatSecs)) < h.nFAT; j++ {
			fatSecs = append(fatSecs, binary.LittleEndian.Uint32(sec[4*j:]))
		}
		s = binary.LittleEndian.Uint32(sec[508:])
	}
	if uint32(len(fatSecs)) != h.nFAT {
		t.Fatalf("%d FAT sectors found, header says %d", len(fatSecs), h.nFAT)
	}
	var fat []uint32
	for _, s := range fatSecs {
		sec := sector(s)
		for j := 0; j < 128; j++ {
			fat = append(fat, binary.LittleEndian.Uint32(sec[4*j:]))
		}
	}
	if uint32(len(fat)) < nSec {
		t.Fatalf("FAT maps %d sectors, the file has %d", len(fat), nSec)
	}
	for _, s := range fatSecs {
		if fat[s] != cfbFATSect {
			t.Errorf("FAT sector %d marked %08X", s, fat[s])
		}
	}
	for _, s := range difatSecs {
		if fat[s] != cfbDIFSect {
			t.Errorf("DIFAT sector %d marked %08X", s, fat[s])
		}
	}
	for s := nSec; s < uint32(len(fat)); s++ {
		if fat[s] != cfbFreeSect {
			t.Errorf("FAT entry %d past the end of the file is %08X", s, fat[s])
		}
	}
	used := make([]bool, nSec)
	chain := func(start uint32) []byte {
		var out []byte
		for s, n := start, 0; s != cfbEndOfChain; s, n = fat[s], n+1 {
			if s >= nSec || used[s] || n > int(nSec) {
				t.Fatalf("chain from %d reaches sector %08X", start, s)
			}
			used[s] = true
			out = append(out, sector(s)...)
		}
		return out
	}
	dir := chain(h.dirStart)
	if h.nMiniFAT > 0 {
		if got := len(chain(h.miniFATStart)) / 512; got != int(h.nMiniFAT) {
			t.Errorf("mini FAT chain of %d sectors, header says %d", got, h.nMiniFAT)
		}
	}
	type entry struct {
		name               string
		typ, color         byte
		left, right, child uint32
	}
	var ents []entry
	for i := 0; i+128 <= len(dir); i += 128 {
		e := dir[i : i+128]
		n := int(binary.LittleEndian.Uint16(e[64:]))
		var u []uint16
		for j := 0; j+2 < n; j += 2 {
			u = append(u, binary.LittleEndian.Uint16(e[j:]))
		}
		ents = append(ents, entry{string(utf16.Decode(u)), e[66], e[67],
			binary.LittleEndian.Uint32(e[68:]), binary.LittleEndian.Uint32(e[72:]), binary.LittleEndian.Uint32(e[76:])})
		if !bytes.Equal(e[80:116], make([]byte, 36)) {
			t.Errorf("entry %d: CLSID, state bits or times not zero", i/128)
		}
		if e[66] == cfbTypeStream && binary.LittleEndian.Uint32(e[120:]) >= 4096 {
			chain(binary.LittleEndian.Uint32(e[116:]))
		}
		if e[66] == cfbTypeRoot && binary.LittleEndian.Uint32(e[116:]) != cfbEndOfChain {
			chain(binary.LittleEndian.Uint32(e[116:]))
		}
	}
	for s, u := range used {
		if !u && fat[s] != cfbFATSect && fat[s] != cfbDIFSect {
			t.Errorf("sector %d is in no chain", s)
		}
	}
	if len(ents) == 0 || ents[0].typ != cfbTypeRoot || ents[0].name != "Root Entry" {
		t.Fatalf("no root entry")
	}
	// each storage's tree
	var walk func(id uint32, lo, hi string, depth int) (black int)
	walk = func(id uint32, lo, hi string, depth int) int {
		if id == cfbNoStream {
			return 1
		}
		if depth > 64 || int(id) >= len(ents) {
			t.Fatalf("tree entry %d out of range or too deep", id)
		}
		e := ents[id]
		if lo != "" && cfbCompare(e.name, lo) <= 0 || hi != "" && cfbCompare(e.name, hi) >= 0 {
			t.Errorf("%q is out of order between %q and %q", e.name, lo, hi)
		}
		if e.color == cfbRed {
			for _, c := range []uint32{e.left, e.right} {
				if c != cfbNoStream && ents[c].color == cfbRed {
					t.Errorf("red %q has a red child %q", e.name, ents[c].name)
				}
			}
		}
		l := walk(e.left, lo, e.name, depth+1)
		r := walk(e.right, e.name, hi, depth+1)
		if l != r {
			t.Errorf("below %q: %d black nodes on the left, %d on the right", e.name, l, r)
		}
		if e.child != cfbNoStream {
			if ents[e.child].color != cfbBlack {
				t.Errorf("the tree under %q has a red root", e.name)
			}
			walk(e.child, "", "", 0)
		}
		if e.color == cfbBlack {
			return l + 1
		}
		return l
	}
	walk(0, "", "", 0)
}
