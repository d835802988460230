package ndb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/internal/bounds"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// Damage tests: real corpus files, corrupted in memory. Each damage must
// give an error or a warning that names the structure and the offset,
// never a panic or a hang, and leave the rest of the file readable.

// damageFiles are corpus files of each variant with multi-level trees
// and XBLOCKs.
var damageFiles = []string{
	"pst/Aspose__Outlook_1.pst", // Unicode, permute
	"pst/hughbe-PstReader__simiden__pst2john__2k_outlook_qwerty1234.pst",           // ANSI
	"pst/hughbe-PstReader__simiden__pst2john__2003_high-encryption_quickquick.pst", // Unicode, cyclic
	"ost/pst-extractor-npm__mtnman1965@outlook.com.ost",                            // OST 2013
}

func loadCorpus(t *testing.T, name string) []byte {
	t.Helper()
	dir := corpus.Dir(t, filepath.Dir(name))
	b, err := os.ReadFile(filepath.Join(dir, filepath.Base(name)))
	if err != nil {
		t.Skipf("corpus file %s: %v", name, err)
	}
	return b
}

// fixPageCRC rewrites the CRC of the page at off so that only the damage a
// test made deliberately is seen.
func fixPageCRC(b []byte, off int64, lay layout) {
	p := b[off : off+int64(lay.pageSize)]
	t := p[lay.pageSize-lay.pageTrailer:]
	crc := CRC(p[:lay.pageCRCLen])
	if lay.idSize == 4 {
		binary.LittleEndian.PutUint32(t[8:], crc)
	} else {
		binary.LittleEndian.PutUint32(t[4:], crc)
	}
}

func putID(b []byte, idSize int, v uint64) {
	if idSize == 4 {
		binary.LittleEndian.PutUint32(b, uint32(v))
	} else {
		binary.LittleEndian.PutUint64(b, v)
	}
}

// bbtEntryOffset returns the file offset of the BBT leaf entry of bid and
// of the page holding it.
func bbtEntryOffset(t *testing.T, f *File, bid BID) (entry, page int64) {
	t.Helper()
	f.WalkPages(PTypeBBT, func(p *BTPage) bool {
		if p.Level == 0 {
			for i := 0; i < p.Count; i++ {
				if p.Block(i).BID.Key() == bid.Key() {
					entry, page = p.Offset+int64(i*p.EntrySize), p.Offset
					return false
				}
			}
		}
		return true
	})
	if page == 0 {
		t.Fatalf("block %v not in the BBT", bid)
	}
	return entry, page
}

// readable counts the nodes whose data can be read.
func readable(f *File) (ok, total int) {
	f.WalkNodes(func(e NodeEntry) bool {
		total++
		if _, err := f.Data(e.Data); err == nil {
			ok++
		}
		return true
	})
	return ok, total
}

func hasWarning(f *File, parts ...string) bool {
	for _, w := range f.Warnings() {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(w, p)
		}
		if all {
			return true
		}
	}
	return false
}

func hex(off int64) string { return fmt.Sprintf("0x%X", off) }

func TestDamage(t *testing.T) {
	for _, name := range damageFiles {
		t.Run(filepath.Base(name), func(t *testing.T) {
			orig := loadCorpus(t, name)
			base := openBytes(t, orig)
			lay := base.lay
			okBefore, total := readable(base)
			if okBefore != total {
				t.Fatalf("sound file: %d of %d nodes readable", okBefore, total)
			}
			fresh := func() []byte { return append([]byte(nil), orig...) }

			t.Run("page points at itself", func(t *testing.T) {
				for _, ptype := range []uint8{PTypeNBT, PTypeBBT} {
					b := fresh()
					root := base.hdr.NBTRoot
					if ptype == PTypeBBT {
						root = base.hdr.BBTRoot
					}
					rp, err := base.ReadPage(int64(root.IB))
					if err != nil || rp.Level == 0 || rp.Count < 2 {
						t.Skipf("root page %v: level %d, %v", root, rp.Level, err)
					}
					k := rp.Count / 2
					victim := rp.Branch(k)
					e := b[int64(root.IB)+int64(k*rp.EntrySize):]
					putID(e[lay.idSize:], lay.idSize, uint64(root.BID))
					putID(e[2*lay.idSize:], lay.idSize, root.IB)
					fixPageCRC(b, int64(root.IB), lay)
					f := openBytes(t, b)
					bounds.Within(t, 10*time.Second, func() {
						if ptype == PTypeNBT {
							_, err := f.Node(NID(victim.Key))
							if err == nil || !strings.Contains(err.Error(), "loop") || !strings.Contains(err.Error(), hex(int64(root.IB))) {
								t.Errorf("Node under the looping entry: %v", err)
							}
							n := 0
							if err := f.WalkNodes(func(NodeEntry) bool { n++; return true }); err != nil {
								t.Errorf("WalkNodes: %v", err)
							}
							if n == 0 || n >= total {
								t.Errorf("walked %d of %d nodes", n, total)
							}
							if _, err := f.Node(NIDMessageStore); err != nil && victim.Key > uint64(NIDMessageStore) {
								t.Errorf("message store lost: %v", err)
							}
						} else {
							f.WalkBlocks(func(BlockEntry) bool { return true })
							ok, _ := readable(f)
							if ok == 0 {
								t.Error("no node readable")
							}
						}
						if !hasWarning(f, "reached twice", hex(int64(root.IB))) {
							t.Errorf("no loop warning: %q", f.Warnings())
						}
					})
				}
			})

			t.Run("BBT entry outside the file", func(t *testing.T) {
				for _, ib := range []uint64{uint64(len(orig)) + 0x10000, 0xFFFFFFFF00, 1 << 63} {
					if lay.idSize == 4 && ib > 0xFFFFFFFF {
						continue
					}
					b := fresh()
					store, _ := base.Node(NIDMessageStore)
					ent, page := bbtEntryOffset(t, base, store.Data)
					putID(b[ent+int64(lay.idSize):], lay.idSize, ib)
					fixPageCRC(b, page, lay)
					f := openBytes(t, b)
					_, err := f.ReadBlock(store.Data)
					var fe *FormatError
					if !errors.As(err, &fe) || !strings.Contains(err.Error(), "outside the file") || !strings.Contains(err.Error(), "block (bid") {
						t.Errorf("ib 0x%X: ReadBlock = %v", ib, err)
					}
					if ib < 1<<63 && !strings.Contains(err.Error(), fmt.Sprintf("0x%X", ib)) {
						t.Errorf("error does not name offset 0x%X: %v", ib, err)
					}
					if _, err := f.Data(store.Data); err == nil {
						t.Error("Data of the message store succeeded")
					}
					ok, _ := readable(f)
					if ok < total-5 {
						t.Errorf("only %d of %d nodes readable", ok, total)
					}
				}
			})

			// the first node or subnode whose data is an XBLOCK
			var xnode NodeEntry
			base.WalkNodes(func(e NodeEntry) bool {
				if e.Data.Internal() {
					xnode = e
					return false
				}
				var find func(bid BID, depth int) bool
				find = func(bid BID, depth int) bool {
					subs, _ := base.Subnodes(bid)
					for _, s := range subs {
						if s.Data.Internal() {
							xnode = NodeEntry{NID: s.NID, Data: s.Data}
							return true
						}
						if depth < 3 && s.Subnodes != 0 && find(s.Subnodes, depth+1) {
							return true
						}
					}
					return false
				}
				return !find(e.Subnodes, 0)
			})
			t.Run("data tree loops", func(t *testing.T) {
				if xnode.Data == 0 {
					t.Skip("no XBLOCK")
				}
				xe, _ := base.Block(xnode.Data)
				for _, level := range []byte{1, 2} {
					b := fresh()
					x := b[xe.Offset:]
					x[1] = level
					putID(x[8:], lay.idSize, uint64(xe.BID))
					f := openBytes(t, b)
					bounds.Within(t, 10*time.Second, func() {
						_, err := f.Data(xnode.Data)
						want := "reached twice (loop)"
						if level == 1 {
							want = "internal block"
						}
						if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), hex(xe.Offset)) {
							t.Errorf("level %d: Data = %v", level, err)
						}
						if !hasWarning(f, "CRC mismatch", hex(xe.Offset)) {
							t.Errorf("no CRC warning for the changed XBLOCK: %q", f.Warnings())
						}
						if _, err := f.Data(mustNode(t, f, NIDMessageStore).Data); err != nil {
							t.Errorf("message store: %v", err)
						}
					})
				}
			})

			t.Run("declared size 4 GB", func(t *testing.T) {
				if xnode.Data != 0 {
					b := fresh()
					xe, _ := base.Block(xnode.Data)
					binary.LittleEndian.PutUint32(b[xe.Offset+4:], 0xFFFFFFFF)
					f := openBytes(t, b)
					allocs := bounds.Allocated(func() {
						d, err := f.Data(xnode.Data)
						if err != nil || len(d) == 0 {
							t.Errorf("Data = %d blocks, %v", len(d), err)
						}
					})
					if allocs > 4<<20 {
						t.Errorf("allocated %d bytes", allocs)
					}
					if !hasWarning(f, "lcbTotal 4294967295", hex(xe.Offset)) {
						t.Errorf("no lcbTotal warning: %q", f.Warnings())
					}
				}
				// cb 0xFFFF in the BBT: too big for 512-byte-page files, a
				// mismatch with the trailer in OST 2013 ones.
				b := fresh()
				store, _ := base.Node(NIDMessageStore)
				ent, page := bbtEntryOffset(t, base, store.Data)
				binary.LittleEndian.PutUint16(b[ent+2*int64(lay.idSize):], 0xFFFF)
				if lay.pageSize == 4096 {
					binary.LittleEndian.PutUint16(b[ent+2*int64(lay.idSize)+2:], 0xFFFF)
				}
				fixPageCRC(b, page, lay)
				f := openBytes(t, b)
				allocs := bounds.Allocated(func() { _, err := f.ReadBlock(store.Data); _ = err })
				_, err := f.ReadBlock(store.Data)
				if lay.pageSize == 512 {
					if err == nil || !strings.Contains(err.Error(), "larger than a block can be") {
						t.Errorf("ReadBlock = %v", err)
					}
				} else if !hasWarning(f, "trailer cb") && err == nil {
					t.Errorf("no error and no warning: %q", f.Warnings())
				}
				if allocs > 1<<20 {
					t.Errorf("allocated %d bytes", allocs)
				}
				// ibFileEof of 4 GB
				b = fresh()
				if lay.idSize == 4 {
					binary.LittleEndian.PutUint32(b[168:], 0xFFFFFFFF)
				} else {
					binary.LittleEndian.PutUint64(b[184:], 0xFFFFFFFF)
				}
				f = openBytes(t, b)
				if !hasWarning(f, "truncated") {
					t.Errorf("no truncation warning: %q", f.Warnings())
				}
			})

			t.Run("zeroed page", func(t *testing.T) {
				// an NBT leaf that does not hold the message store
				var leaf *BTPage
				base.WalkPages(PTypeNBT, func(p *BTPage) bool {
					if p.Level == 0 && p.Node(0).NID > NIDRootFolder {
						leaf = p
						return false
					}
					return true
				})
				if leaf == nil {
					t.Skip("no suitable leaf")
				}
				b := fresh()
				clear(b[leaf.Offset : leaf.Offset+int64(lay.pageSize)])
				f := openBytes(t, b)
				n := 0
				if err := f.WalkNodes(func(NodeEntry) bool { n++; return true }); err != nil {
					t.Fatal(err)
				}
				if n != total-leaf.Count {
					t.Errorf("walked %d nodes, want %d", n, total-leaf.Count)
				}
				if !hasWarning(f, "not a B-tree page", hex(leaf.Offset)) {
					t.Errorf("no warning naming the page: %q", f.Warnings())
				}
				_, err := f.Node(leaf.Node(0).NID)
				if err == nil || !strings.Contains(err.Error(), hex(leaf.Offset)) {
					t.Errorf("Node in the zeroed page: %v", err)
				}
				if _, err := f.Data(mustNode(t, f, NIDMessageStore).Data); err != nil {
					t.Errorf("message store: %v", err)
				}
				// a zeroed root: Open works, walking says why it cannot
				b = fresh()
				root := int64(base.hdr.NBTRoot.IB)
				clear(b[root : root+int64(lay.pageSize)])
				f = openBytes(t, b)
				err = f.WalkNodes(func(NodeEntry) bool { return true })
				if err == nil || !strings.Contains(err.Error(), hex(root)) || !strings.Contains(err.Error(), "BTPAGE") {
					t.Errorf("WalkNodes over a zeroed root: %v", err)
				}
			})

			t.Run("flipped bits", func(t *testing.T) {
				store, _ := base.Node(NIDMessageStore)
				e, _ := base.Block(store.Data)
				want, _ := base.ReadBlock(store.Data)
				b := fresh()
				b[e.Offset+10] ^= 0x04
				f := openBytes(t, b)
				got, err := f.ReadBlock(store.Data)
				compressed := e.InflatedSize != e.Size
				switch {
				case compressed && err != nil:
					if !strings.Contains(err.Error(), "compressed block") || !strings.Contains(err.Error(), hex(e.Offset)) {
						t.Errorf("compressed block error: %v", err)
					}
				case err != nil:
					t.Fatalf("ReadBlock: %v", err)
				case !compressed && (len(got) != len(want) || bytes.Equal(got, want)):
					t.Errorf("data not returned as stored: %d bytes", len(got))
				}
				if !hasWarning(f, "CRC mismatch", hex(e.Offset), e.BID.String()) {
					t.Errorf("no CRC warning: %q", f.Warnings())
				}
				ok, _ := readable(f)
				if ok < total-1 {
					t.Errorf("%d of %d nodes readable", ok, total)
				}
			})

			t.Run("subnode tree loops", func(t *testing.T) {
				var n NodeEntry
				base.WalkNodes(func(e NodeEntry) bool {
					if e.Subnodes != 0 {
						n = e
						return false
					}
					return true
				})
				if n.Subnodes == 0 {
					t.Skip("no subnodes")
				}
				se, _ := base.Block(n.Subnodes)
				b := fresh()
				s := b[se.Offset:]
				s[1] = 1 // make it an SIBLOCK whose first child is itself
				hdr := 8
				if lay.idSize == 4 {
					hdr = 4
				}
				putID(s[hdr+lay.idSize:], lay.idSize, uint64(se.BID))
				f := openBytes(t, b)
				bounds.Within(t, 10*time.Second, func() {
					_, err := f.Subnodes(n.Subnodes)
					if err == nil || !strings.Contains(err.Error(), "loop") || !strings.Contains(err.Error(), hex(se.Offset)) {
						t.Errorf("Subnodes = %v", err)
					}
				})
			})
		})
	}
}

func mustNode(t *testing.T, f *File, nid NID) NodeEntry {
	t.Helper()
	e, err := f.Node(nid)
	if err != nil {
		t.Fatalf("Node(%v): %v", nid, err)
	}
	return e
}

// TestDamageSynthetic covers what the corpus lacks: XXBLOCK trees and
// damage in compressed blocks.
func TestDamageSynthetic(t *testing.T) {
	t.Run("XXBLOCK loop", func(t *testing.T) {
		tf, b := sampleFile(Unicode, CryptNone)
		// the XXBLOCK's second entry points back at the XXBLOCK
		x := b[tf.entries[0x10A].Offset:]
		binary.LittleEndian.PutUint64(x[16:], 0x10A)
		f := openBytes(t, b)
		d, err := f.Data(0x10A)
		if err == nil || !strings.Contains(err.Error(), "reached twice (loop)") {
			t.Errorf("Data = %v", err)
		}
		if len(d) != 3 {
			t.Errorf("%d blocks before the damage kept, want 3", len(d))
		}
	})
	t.Run("missing block keeps indices", func(t *testing.T) {
		tf := newTestFile(Unicode, CryptNone)
		tf.addBlock(0x4, []byte("one"))
		tf.addBlock(0x8, []byte("three"))
		tf.addBlock(0x102, tf.xblock(1, 11, 0x4, 0x44, 0x8))
		tf.addNode(NIDMessageStore, 0x102, 0, 0)
		f := openBytes(t, tf.build())
		d, err := f.Data(0x102)
		if !errors.Is(err, ErrNotFound) || len(d) != 3 || d[1] != nil || string(d[2]) != "three" {
			t.Errorf("Data = %q, %v", d, err)
		}
	})
	t.Run("compressed block", func(t *testing.T) {
		tf, b := sampleFile(OST2013, CryptNone)
		e := tf.entries[0x24]
		b[e.Offset+20] ^= 0xFF
		f := openBytes(t, b)
		_, err := f.ReadBlock(0x24)
		if err == nil || !strings.Contains(err.Error(), "compressed block (bid 0x24)") || !strings.Contains(err.Error(), hex(e.Offset)) {
			t.Errorf("ReadBlock = %v", err)
		}
	})
	t.Run("deep B-tree", func(t *testing.T) {
		// a page whose child claims a level not below its own
		tf, b := sampleFile(ANSI, CryptNone)
		f := openBytes(t, b)
		root, _ := f.ReadPage(int64(f.hdr.NBTRoot.IB))
		child := root.Branch(0).Ref
		// child level := root level
		b[int64(child.IB)+499] = byte(root.Level)
		fixPageCRC(b, int64(child.IB), tf.lay())
		f = openBytes(t, b)
		f.WalkNodes(func(NodeEntry) bool { return true })
		if !hasWarning(f, "level", hex(int64(child.IB))) {
			t.Errorf("no level warning: %q", f.Warnings())
		}
	})
}
