package ndb

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"sort"
)

// testFile builds small PST/OST files in memory for tests and fuzz seeds:
// blocks, then the BBT and NBT pages, then the header, each with correct
// trailers, signatures and CRCs.
type testFile struct {
	v        Version
	crypt    uint8
	blocks   []testBlock
	nodes    []NodeEntry
	perPage  int // entries per leaf page (0: as many as fit)
	nextPage BID

	// filled by build
	entries map[BID]BlockEntry
	nbtRoot BRef
	bbtRoot BRef
	pageOff map[BID]int64 // page BID -> offset
}

type testBlock struct {
	bid      BID
	data     []byte
	compress bool // OST 2013 only
}

func newTestFile(v Version, crypt uint8) *testFile {
	return &testFile{v: v, crypt: crypt, nextPage: 0x1000_0001 &^ 3}
}

func (tf *testFile) lay() layout { return layouts[tf.v] }

func (tf *testFile) addBlock(bid BID, data []byte) {
	tf.blocks = append(tf.blocks, testBlock{bid: bid, data: data})
}

func (tf *testFile) addNode(nid NID, data, sub BID, parent NID) {
	tf.nodes = append(tf.nodes, NodeEntry{NID: nid, Data: data, Subnodes: sub, Parent: parent})
}

func (tf *testFile) putID(b []byte, id uint64) {
	if tf.lay().idSize == 4 {
		binary.LittleEndian.PutUint32(b, uint32(id))
	} else {
		binary.LittleEndian.PutUint64(b, id)
	}
}

// xblock returns an XBLOCK (level 1) or XXBLOCK (level 2).
func (tf *testFile) xblock(level int, total uint32, bids ...BID) []byte {
	n := tf.lay().idSize
	b := make([]byte, 8+n*len(bids))
	b[0], b[1] = BTypeXBlock, byte(level)
	binary.LittleEndian.PutUint16(b[2:], uint16(len(bids)))
	binary.LittleEndian.PutUint32(b[4:], total)
	for i, id := range bids {
		tf.putID(b[8+i*n:], uint64(id))
	}
	return b
}

// slblock returns an SLBLOCK of entries.
func (tf *testFile) slblock(entries ...SubnodeEntry) []byte {
	n := tf.lay().idSize
	hdr := 4
	if n == 8 {
		hdr = 8
	}
	b := make([]byte, hdr+3*n*len(entries))
	b[0], b[1] = BTypeSLBlock, 0
	binary.LittleEndian.PutUint16(b[2:], uint16(len(entries)))
	for i, e := range entries {
		o := b[hdr+3*n*i:]
		tf.putID(o, uint64(e.NID))
		tf.putID(o[n:], uint64(e.Data))
		tf.putID(o[2*n:], uint64(e.Subnodes))
	}
	return b
}

// siblock returns an SIBLOCK of entries.
func (tf *testFile) siblock(entries ...SIEntry) []byte {
	n := tf.lay().idSize
	hdr := 4
	if n == 8 {
		hdr = 8
	}
	b := make([]byte, hdr+2*n*len(entries))
	b[0], b[1] = BTypeSLBlock, 1
	binary.LittleEndian.PutUint16(b[2:], uint16(len(entries)))
	for i, e := range entries {
		o := b[hdr+2*n*i:]
		tf.putID(o, uint64(e.NID))
		tf.putID(o[n:], uint64(e.BID))
	}
	return b
}

func align(n, a int) int { return (n + a - 1) / a * a }

// build lays the file out and returns its bytes.
func (tf *testFile) build() []byte {
	lay := tf.lay()
	out := make([]byte, 0x400)
	tf.entries = map[BID]BlockEntry{}
	tf.pageOff = map[BID]int64{}
	for _, blk := range tf.blocks {
		stored := append([]byte(nil), blk.data...)
		inflated := len(stored)
		if blk.compress {
			var zb bytes.Buffer
			zw := zlib.NewWriter(&zb)
			zw.Write(stored)
			zw.Close()
			stored = zb.Bytes()
		}
		if !blk.bid.Internal() {
			switch tf.crypt {
			case CryptPermute:
				encodePermute(stored)
			case CryptCyclic:
				cryptCyclic(stored, uint32(blk.bid))
			}
		}
		off := len(out)
		span := lay.blockSpan(len(stored))
		out = append(out, make([]byte, span)...)
		copy(out[off:], stored)
		t := out[off+span-lay.blockTrailer:]
		le := binary.LittleEndian
		le.PutUint16(t, uint16(len(stored)))
		le.PutUint16(t[2:], ComputeSig(uint64(off), blk.bid))
		if lay.idSize == 4 {
			le.PutUint32(t[4:], uint32(blk.bid))
			le.PutUint32(t[8:], CRC(stored))
		} else {
			le.PutUint32(t[4:], CRC(stored))
			le.PutUint64(t[8:], uint64(blk.bid))
		}
		if lay.blockTrailer == 24 {
			le.PutUint16(t[16:], 2)
			le.PutUint16(t[18:], uint16(inflated))
		}
		tf.entries[blk.bid] = BlockEntry{BID: blk.bid, Offset: int64(off), Size: len(stored), RefCount: 2, InflatedSize: inflated}
	}
	// BBT
	var bbt []BlockEntry
	for _, e := range tf.entries {
		bbt = append(bbt, e)
	}
	sort.Slice(bbt, func(i, j int) bool { return bbt[i].BID < bbt[j].BID })
	var leaves [][]byte
	var keys []uint64
	for _, e := range bbt {
		b := make([]byte, lay.bbtLeafEntry)
		tf.putID(b, uint64(e.BID))
		tf.putID(b[lay.idSize:], uint64(e.Offset))
		le := binary.LittleEndian
		o := 2 * lay.idSize
		le.PutUint16(b[o:], uint16(e.Size))
		if lay.pageSize == 4096 {
			le.PutUint16(b[o+2:], uint16(e.InflatedSize))
			le.PutUint16(b[o+4:], uint16(e.RefCount))
		} else {
			le.PutUint16(b[o+2:], uint16(e.RefCount))
		}
		leaves = append(leaves, b)
		keys = append(keys, uint64(e.BID))
	}
	out, tf.bbtRoot = tf.tree(out, PTypeBBT, leaves, keys)
	// NBT
	sort.Slice(tf.nodes, func(i, j int) bool { return tf.nodes[i].NID < tf.nodes[j].NID })
	leaves, keys = nil, nil
	for _, n := range tf.nodes {
		b := make([]byte, lay.nbtLeafEntry)
		tf.putID(b, uint64(n.NID))
		tf.putID(b[lay.idSize:], uint64(n.Data))
		tf.putID(b[2*lay.idSize:], uint64(n.Subnodes))
		binary.LittleEndian.PutUint32(b[3*lay.idSize:], uint32(n.Parent))
		leaves = append(leaves, b)
		keys = append(keys, uint64(n.NID))
	}
	out, tf.nbtRoot = tf.tree(out, PTypeNBT, leaves, keys)
	tf.header(out)
	return out
}

// tree writes the pages of one B-tree, leaves first, and returns the root.
func (tf *testFile) tree(out []byte, ptype uint8, entries [][]byte, keys []uint64) ([]byte, BRef) {
	lay := tf.lay()
	level := 0
	for {
		size := lay.branchEntry
		if level == 0 {
			size = lay.bbtLeafEntry
			if ptype == PTypeNBT {
				size = lay.nbtLeafEntry
			}
		}
		per := lay.btMeta / size
		if tf.perPage > 0 && tf.perPage < per {
			per = tf.perPage
		}
		var nextEntries [][]byte
		var nextKeys []uint64
		for i := 0; i < len(entries) || i == 0; i += per {
			j := min(i+per, len(entries))
			out = append(out, make([]byte, align(len(out), lay.pageSize)-len(out))...)
			off := len(out)
			page := make([]byte, lay.pageSize)
			for k := i; k < j; k++ {
				copy(page[(k-i)*size:], entries[k])
			}
			m := page[lay.btMeta:]
			if lay.pageSize == 4096 {
				binary.LittleEndian.PutUint16(m, uint16(j-i))
				binary.LittleEndian.PutUint16(m[2:], uint16(lay.btMeta/size))
				m[4], m[5] = byte(size), byte(level)
			} else {
				m[0], m[1], m[2], m[3] = byte(j-i), byte(lay.btMeta/size), byte(size), byte(level)
			}
			bid := tf.nextPage
			tf.nextPage += 4
			tf.pageOff[bid] = int64(off)
			t := page[lay.pageSize-lay.pageTrailer:]
			t[0], t[1] = ptype, ptype
			binary.LittleEndian.PutUint16(t[2:], ComputeSig(uint64(off), bid))
			crc := CRC(page[:lay.pageCRCLen])
			if lay.idSize == 4 {
				binary.LittleEndian.PutUint32(t[4:], uint32(bid))
				binary.LittleEndian.PutUint32(t[8:], crc)
			} else {
				binary.LittleEndian.PutUint32(t[4:], crc)
				binary.LittleEndian.PutUint64(t[8:], uint64(bid))
			}
			out = append(out, page...)
			e := make([]byte, lay.branchEntry)
			var k0 uint64
			if i < len(keys) {
				k0 = keys[i]
			}
			tf.putID(e, k0)
			tf.putID(e[lay.idSize:], uint64(bid))
			tf.putID(e[2*lay.idSize:], uint64(off))
			nextEntries = append(nextEntries, e)
			nextKeys = append(nextKeys, k0)
			if j >= len(entries) {
				break
			}
		}
		if len(nextEntries) == 1 {
			return out, BRef{tf.nextPage - 4, uint64(tf.pageOff[tf.nextPage-4])}
		}
		entries, keys = nextEntries, nextKeys
		level++
	}
}

// header writes the file header at the start of out.
func (tf *testFile) header(out []byte) {
	le := binary.LittleEndian
	copy(out, headerMagic)
	copy(out[8:], "SM")
	if tf.v == OST2013 {
		copy(out[8:], "SO")
	}
	wver := map[Version]uint16{ANSI: 14, Unicode: 23, OST2013: 36}[tf.v]
	le.PutUint16(out[10:], wver)
	le.PutUint16(out[12:], 19)
	out[14], out[15] = 1, 1
	if tf.v == ANSI {
		le.PutUint32(out[168:], uint32(len(out)))
		le.PutUint32(out[184:], uint32(tf.nbtRoot.BID))
		le.PutUint32(out[188:], uint32(tf.nbtRoot.IB))
		le.PutUint32(out[192:], uint32(tf.bbtRoot.BID))
		le.PutUint32(out[196:], uint32(tf.bbtRoot.IB))
		out[460], out[461] = 0x80, tf.crypt
	} else {
		le.PutUint64(out[184:], uint64(len(out)))
		le.PutUint64(out[216:], uint64(tf.nbtRoot.BID))
		le.PutUint64(out[224:], tf.nbtRoot.IB)
		le.PutUint64(out[232:], uint64(tf.bbtRoot.BID))
		le.PutUint64(out[240:], tf.bbtRoot.IB)
		out[512], out[513] = 0x80, tf.crypt
		le.PutUint32(out[524:], CRC(out[8:8+516]))
	}
	le.PutUint32(out[4:], CRC(out[8:8+471]))
}

// sampleFile builds a file with one of everything: a node with one data
// block, a node with an XBLOCK tree, one with an XXBLOCK tree, a subnode
// tree with an SIBLOCK, and (in OST 2013) compressed blocks.
func sampleFile(v Version, crypt uint8) (*testFile, []byte) {
	tf := newTestFile(v, crypt)
	small := bytes.Repeat([]byte("hello, heap "), 10)
	tf.addBlock(0x4, small)
	var parts []BID
	var total uint32
	for i := 0; i < 3; i++ {
		bid := BID(0x10 + 4*i)
		data := bytes.Repeat([]byte{byte('a' + i)}, 100+i)
		tf.addBlock(bid, data)
		parts = append(parts, bid)
		total += uint32(len(data))
	}
	tf.addBlock(0x102, tf.xblock(1, total, parts...))
	tf.addBlock(0x106, tf.xblock(1, total, parts...))
	tf.addBlock(0x10A, tf.xblock(2, 2*total, 0x102, 0x106))
	tf.addBlock(0x20, []byte("subnode data"))
	tf.addBlock(0x202, tf.slblock(SubnodeEntry{0x3F, 0x20, 0}, SubnodeEntry{0x5F, 0x4, 0}))
	tf.addBlock(0x206, tf.slblock(SubnodeEntry{0x7F, 0x20, 0}))
	tf.addBlock(0x20A, tf.siblock(SIEntry{0x3F, 0x202}, SIEntry{0x7F, 0x206}))
	if v == OST2013 {
		tf.blocks = append(tf.blocks, testBlock{bid: 0x24, data: bytes.Repeat([]byte("compress me "), 400), compress: true})
		tf.addNode(0x62, 0x24, 0, 0)
	}
	tf.addNode(NIDMessageStore, 0x4, 0, 0)
	tf.addNode(NIDRootFolder, 0x102, 0x20A, NIDRootFolder)
	tf.addNode(0x200024, 0x10A, 0x202, NIDRootFolder)
	for i := 0; i < 40; i++ {
		tf.addNode(MakeNID(NIDTypeNormalMessage, uint32(0x20000+i)), 0x4, 0, NIDRootFolder)
	}
	tf.perPage = 7
	return tf, tf.build()
}
