package ndb

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

func TestCRC(t *testing.T) {
	// The MS-PST CRC is the IEEE table loop without the inversions.
	raw := func(b []byte) uint32 {
		var c uint32
		for _, x := range b {
			c = crc32.IEEETable[byte(c)^x] ^ c>>8
		}
		return c
	}
	for _, s := range []string{"", "a", "123456789", strings.Repeat("pst", 1000)} {
		if got, want := CRC([]byte(s)), raw([]byte(s)); got != want {
			t.Errorf("CRC(%q) = %08x, want %08x", s, got, want)
		}
	}
	if CRC([]byte("123456789")) == crc32.ChecksumIEEE([]byte("123456789")) {
		t.Error("CRC equals crc32.ChecksumIEEE: inversions not undone")
	}
}

func TestCryptTables(t *testing.T) {
	seen := map[byte]bool{}
	for i := 0; i < 256; i++ {
		seen[mpbbR[i]] = true
		if mpbbI[mpbbR[i]] != byte(i) {
			t.Fatalf("mpbbI is not the inverse of mpbbR at %d", i)
		}
		if mpbbS[mpbbS[i]] != byte(i) {
			t.Fatalf("mpbbS is not an involution at %d", i)
		}
	}
	if len(seen) != 256 {
		t.Fatal("mpbbR is not a permutation")
	}
	// MS-PST 5.1 lists mpbbCrypt starting 65, 54, 19, 98.
	if !bytes.Equal(mpbbR[:4], []byte{65, 54, 19, 98}) {
		t.Errorf("mpbbR starts %v", mpbbR[:4])
	}
}

func TestCryptRoundTrip(t *testing.T) {
	plain := []byte("The quick brown fox jumps over the lazy dog, 0123456789")
	for _, tc := range []struct {
		method uint8
		bid    BID
	}{{CryptPermute, 4}, {CryptCyclic, 4}, {CryptCyclic, 0x12345678}, {CryptCyclic, 0xFFFFFFFC}} {
		b := append([]byte(nil), plain...)
		if tc.method == CryptPermute {
			encodePermute(b)
		} else {
			cryptCyclic(b, uint32(tc.bid))
		}
		if bytes.Equal(b, plain) {
			t.Errorf("method %d bid %v: encoding changed nothing", tc.method, tc.bid)
		}
		if !Decode(b, tc.method, tc.bid) || !bytes.Equal(b, plain) {
			t.Errorf("method %d bid %v: round trip gave %q", tc.method, tc.bid, b)
		}
	}
	if Decode([]byte{1}, 0x55, 4) {
		t.Error("unknown method reported as decoded")
	}
}

func TestIDs(t *testing.T) {
	n := MakeNID(NIDTypeNormalMessage, 0x10001)
	if n.Type() != NIDTypeNormalMessage || n.Index() != 0x10001 || n != 0x200024 {
		t.Errorf("MakeNID = %v type %d index %x", n, n.Type(), n.Index())
	}
	if got := NIDRootFolder.WithType(NIDTypeHierarchyTable); got != 0x12D {
		t.Errorf("WithType = %v", got)
	}
	b := BID(0x1237)
	if !b.Internal() || b.Key() != 0x1236 || b.Index() != 0x48D {
		t.Errorf("BID %v: internal %v key %v index %x", b, b.Internal(), b.Key(), b.Index())
	}
}

func openBytes(t testing.TB, b []byte) *File {
	t.Helper()
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return f
}

var variants = []struct {
	name  string
	v     Version
	crypt uint8
}{
	{"ANSI/none", ANSI, CryptNone},
	{"ANSI/permute", ANSI, CryptPermute},
	{"Unicode/permute", Unicode, CryptPermute},
	{"Unicode/cyclic", Unicode, CryptCyclic},
	{"OST2013/none", OST2013, CryptNone},
	{"OST2013/cyclic", OST2013, CryptCyclic},
}

func TestSynthetic(t *testing.T) {
	for _, vc := range variants {
		t.Run(vc.name, func(t *testing.T) {
			tf, b := sampleFile(vc.v, vc.crypt)
			f := openBytes(t, b)
			h := f.Header()
			if h.Version != vc.v || h.Crypt != vc.crypt || !h.CRCPartialOK || !h.CRCFullOK {
				t.Fatalf("header %+v", h)
			}
			var nids []NID
			if err := f.WalkNodes(func(e NodeEntry) bool { nids = append(nids, e.NID); return true }); err != nil {
				t.Fatal(err)
			}
			if len(nids) != len(tf.nodes) {
				t.Fatalf("walked %d nodes, built %d", len(nids), len(tf.nodes))
			}
			for i := 1; i < len(nids); i++ {
				if nids[i] <= nids[i-1] {
					t.Fatalf("nodes out of order: %v after %v", nids[i], nids[i-1])
				}
			}
			nb := 0
			if err := f.WalkBlocks(func(e BlockEntry) bool {
				nb++
				if _, err := f.ReadBlockEntry(e); err != nil {
					t.Errorf("block %v: %v", e.BID, err)
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			if nb != len(tf.blocks) {
				t.Errorf("walked %d blocks, built %d", nb, len(tf.blocks))
			}
			for _, n := range tf.nodes {
				e, err := f.Node(n.NID)
				if err != nil || e.Data != n.Data || e.Subnodes != n.Subnodes || e.Parent != n.Parent {
					t.Errorf("Node(%v) = %+v, %v; want %+v", n.NID, e, err, n)
				}
			}
			if _, err := f.Node(0x99999); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing node: %v", err)
			}
			if _, err := f.Block(0x99998); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing block: %v", err)
			}
			// a plain data block, decoded
			d, err := f.Data(0x4)
			if err != nil || len(d) != 1 || !bytes.HasPrefix(d[0], []byte("hello, heap")) {
				t.Errorf("Data(0x4) = %q, %v", d, err)
			}
			// the reserved bit is ignored
			if b, err := f.ReadBlock(0x5); err != nil || !bytes.HasPrefix(b, []byte("hello")) {
				t.Errorf("ReadBlock(0x5) = %q, %v", b, err)
			}
			// XBLOCK and XXBLOCK trees
			d, err = f.Data(0x102)
			if err != nil || len(d) != 3 || d[1][0] != 'b' || len(d[2]) != 102 {
				t.Errorf("Data(XBLOCK) = %d blocks, %v", len(d), err)
			}
			d, err = f.Data(0x10A)
			if err != nil || len(d) != 6 || d[3][0] != 'a' {
				t.Errorf("Data(XXBLOCK) = %d blocks, %v", len(d), err)
			}
			ents, err := f.DataEntries(0x10A)
			if err != nil || len(ents) != 6 || ents[4].BID != 0x14 || ents[4].Offset != tf.entries[0x14].Offset {
				t.Errorf("DataEntries = %+v, %v", ents, err)
			}
			// subnodes through an SIBLOCK
			m, err := f.Subnodes(0x20A)
			if err != nil || len(m) != 3 || m[0x7F].Data != 0x20 {
				t.Errorf("Subnodes(SIBLOCK) = %v, %v", m, err)
			}
			if m, err := f.Subnodes(0x202); err != nil || len(m) != 2 {
				t.Errorf("Subnodes(SLBLOCK) = %v, %v", m, err)
			}
			if vc.v == OST2013 {
				b, err := f.ReadBlock(0x24)
				if err != nil || len(b) != 4800 || !bytes.HasPrefix(b, []byte("compress me compress")) {
					t.Errorf("compressed block: %d bytes, %v", len(b), err)
				}
				if e := tf.entries[0x24]; e.Size >= e.InflatedSize {
					t.Errorf("block 0x24 was not compressed: %+v", e)
				}
			}
			if w := f.Warnings(); len(w) != 0 {
				t.Errorf("warnings on a sound file: %q", w)
			}
			pages := 0
			f.WalkPages(PTypeNBT, func(p *BTPage) bool { pages++; return true })
			if pages < 4 {
				t.Errorf("NBT has %d pages; the test wants a multi-level tree", pages)
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	_, good := sampleFile(Unicode, CryptPermute)
	_, ansi := sampleFile(ANSI, CryptNone)
	mod := func(b []byte, off int, v ...byte) []byte {
		c := append([]byte(nil), b...)
		copy(c[off:], v)
		return c
	}
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotPST, "no !BDN"},
		{"text", []byte("From someone@example.com Mon Jan 1"), ErrNotPST, ""},
		{"magic only", []byte("!BDN"), ErrFormat, "too short"},
		{"truncated unicode", good[:300], io.ErrUnexpectedEOF, "564 bytes, file has only 300"},
		{"truncated ansi", ansi[:100], io.ErrUnexpectedEOF, "512 bytes"},
		{"version 99", mod(good, 10, 99, 0), ErrVersion, "wVer=99"},
		{"version 0", mod(good, 10, 0, 0), ErrVersion, "wVer=0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tc.data), int64(len(tc.data)))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Open = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
	var ve *VersionError
	if _, err := Open(bytes.NewReader(mod(good, 10, 37, 0)), int64(len(good))); !errors.As(err, &ve) || ve.WVer != 37 {
		t.Errorf("VersionError = %v", err)
	}
}

func TestHeaderWarnings(t *testing.T) {
	_, good := sampleFile(Unicode, CryptPermute)
	tests := []struct {
		name string
		mod  func([]byte) []byte
		want string
	}{
		{"partial CRC", func(b []byte) []byte { b[100] ^= 1; return b }, "dwCRCPartial"},
		{"full CRC", func(b []byte) []byte { b[500] ^= 1; return b }, "dwCRCFull"},
		{"sentinel", func(b []byte) []byte { b[512] = 0; return b }, "bSentinel"},
		{"crypt", func(b []byte) []byte { b[513] = 7; return b }, "unknown bCryptMethod"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-512] }, "truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mod(append([]byte(nil), good...))
			f := openBytes(t, b)
			if w := strings.Join(f.Warnings(), "\n"); !strings.Contains(w, tc.want) {
				t.Errorf("warnings %q lack %q", w, tc.want)
			}
		})
	}
}

func TestWarningsBounded(t *testing.T) {
	_, b := sampleFile(Unicode, CryptNone)
	f := openBytes(t, b)
	for i := 0; i < MaxWarnings+50; i++ {
		f.warnf("damage %d", i)
	}
	f.warnf("damage %d", 3) // a repeat is kept once
	w := f.Warnings()
	if len(w) != MaxWarnings+1 || !strings.Contains(w[len(w)-1], "50 more") {
		t.Errorf("%d warnings, last %q", len(w), w[len(w)-1])
	}
}
