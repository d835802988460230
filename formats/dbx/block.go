package dbx

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The message object (Schloh, "OE dbx file format: message"): a message's
// RFC 5322 text is kept in a singly linked chain of 0x210-byte data blocks
// in the message segments. Each block has a 0x10-byte header, four int4:
// its own offset (the object marker), the length of its body (0x200), the
// length of the text in this block, and the offset of the next block (0
// in the last); the text follows.
//
// When Outlook Express frees a message's blocks it rewrites their headers
// as entries of the free list (UnDBX, dbxread.c; its README): the body
// length becomes 0x1fc, the text length 0x210, the next pointer links the
// free list, and a fifth int4, the previous entry, overwrites the first
// four bytes of the text. The text of a freed block is otherwise left
// where it was.
const (
	BlockSize       = 0x210
	BlockHeaderSize = 0x10
	BlockDataSize   = BlockSize - BlockHeaderSize // 0x200

	freeBodyLength = 0x1fc
	freeTextLength = 0x210
	// freeClobbered is how many bytes of a freed block's text the free
	// list's back pointer overwrote.
	freeClobbered = 4
)

// Block is the header of one data block.
type Block struct {
	Offset int64
	Self   uint32 // object marker: equals Offset in a sound block
	Body   uint32 // body length: 0x200 (0x1fc when freed)
	Length uint32 // text bytes in this block (0x210 when freed)
	Next   uint32 // next block, 0 at the end
	Prev   uint32 // freed blocks only: the previous free-list entry
	Free   bool   // the header is a free-list entry's
}

// parseBlock decodes the 20 bytes at off as a block header and says
// whether they are a sound live or freed block header: the marker equals
// the offset and the lengths are the format's. Its pointers are checked
// apart (pointerOK), so that a block whose next pointer is damaged still
// gives its text.
func parseBlock(off int64, b []byte) (Block, bool) {
	u := func(i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }
	blk := Block{Offset: off, Self: u(0), Body: u(4), Length: u(8), Next: u(12)}
	if int64(blk.Self) != off {
		return blk, false
	}
	switch {
	case blk.Body == BlockDataSize && blk.Length > 0 && blk.Length <= BlockDataSize:
		return blk, true
	case blk.Body == freeBodyLength && blk.Length == freeTextLength && len(b) >= 20:
		blk.Free = true
		blk.Prev = u(16)
		return blk, true
	}
	return blk, false
}

// pointerOK says whether p is 0 or could be a block of a file of the
// given size: 4-aligned, inside the file, not the block itself.
func pointerOK(p uint32, self int64, size int64) bool {
	return p == 0 || (p%4 == 0 && int64(p) != self && int64(p)+BlockHeaderSize <= size)
}

// ReadBlock reads the header of the data block at off. A header that is
// not a sound block header is returned with an error saying why; its
// pointers are not checked.
func (f *File) ReadBlock(off int64) (Block, error) {
	if off <= 0 || off+BlockHeaderSize > f.size {
		return Block{Offset: off}, chainErr(off, "block offset outside the file", nil)
	}
	var b [20]byte
	n, _ := f.r.ReadAt(b[:min(int64(len(b)), f.size-off)], off)
	if n < BlockHeaderSize {
		return Block{Offset: off}, chainErr(off, "block header unreadable", nil)
	}
	blk, ok := parseBlock(off, b[:n])
	if !ok {
		switch {
		case int64(blk.Self) != off:
			return blk, chainErr(off, "self offset of the block is wrong", blk.Self)
		case blk.Body == freeBodyLength:
			return blk, chainErr(off, "freed block cut off by the end of the file", nil)
		case blk.Body != BlockDataSize:
			return blk, chainErr(off, "not a data block: body length", blk.Body)
		default:
			return blk, chainErr(off, "text length out of range", blk.Length)
		}
	}
	return blk, nil
}

// Chain is the run of blocks that holds one message's text.
type Chain struct {
	Blocks  []uint32 // offsets of the blocks, in order
	Lengths []uint16 // text bytes taken from each block
	Size    int64    // sum of Lengths
	// Free: the blocks are free-list entries; the first freeClobbered
	// bytes of each block's text were overwritten.
	Free bool
	// Err, when not nil, says why the chain ended before a zero next
	// pointer: the text is only what the blocks before it held.
	Err *FormatError
}

// ReadChain follows the chain of live data blocks that starts at first,
// reading only their headers. It stops at a zero next pointer, or at the
// first fault: a pointer outside the file, a block whose self offset is
// wrong or whose header is not a data block's, a block reached twice (a
// loop), a block cut off by the end of the file (its surviving text is
// kept). At most one visit per block of the file is made.
func (f *File) ReadChain(first int64) *Chain {
	c := &Chain{}
	seen := map[uint32]bool{}
	maxBlocks := f.size/BlockSize + 1
	for off := first; off != 0; {
		if int64(len(c.Blocks)) > maxBlocks {
			c.Err = chainErr(off, "more blocks than the file holds", nil)
			return c
		}
		if seen[uint32(off)] {
			c.Err = chainErr(off, "block reached twice (a loop in the chain)", nil)
			return c
		}
		seen[uint32(off)] = true
		blk, err := f.ReadBlock(off)
		if err != nil {
			c.Err = err.(*FormatError)
			if len(c.Blocks) > 0 {
				c.Err.Msg = fmt.Sprintf("%s (pointed to by block @0x%x)", c.Err.Msg, c.Blocks[len(c.Blocks)-1])
			}
			return c
		}
		if blk.Free {
			c.Err = chainErr(off, "block is on the free list (freed while still in use)", nil)
			return c
		}
		n := int64(blk.Length)
		if end := off + BlockHeaderSize + n; end > f.size {
			n = max(0, f.size-off-BlockHeaderSize)
			c.Err = chainErr(off, fmt.Sprintf("block cut off by the end of the file: %d of %d text bytes", n, blk.Length), nil)
		}
		c.Blocks = append(c.Blocks, uint32(off))
		c.Lengths = append(c.Lengths, uint16(n))
		c.Size += n
		if c.Err == nil && !pointerOK(blk.Next, off, f.size) {
			c.Err = chainErr(off, "next pointer outside the file or misaligned", blk.Next)
		}
		if c.Err != nil {
			return c
		}
		off = int64(blk.Next)
	}
	return c
}

// Reader returns a reader of the chain's text: the blocks' text bytes in
// order. In a freed chain the bytes the free list overwrote are given as
// '?' (they are a pointer, not text).
func (f *File) chainReader(c *Chain) io.Reader {
	return &chainReader{r: f.r, c: c}
}

type chainReader struct {
	r   io.ReaderAt
	c   *Chain
	i   int   // current block
	pos int64 // position in its text
}

func (cr *chainReader) Read(p []byte) (int, error) {
	for cr.i < len(cr.c.Blocks) && cr.pos >= int64(cr.c.Lengths[cr.i]) {
		cr.i++
		cr.pos = 0
	}
	if cr.i >= len(cr.c.Blocks) {
		return 0, io.EOF
	}
	n := min(int64(len(p)), int64(cr.c.Lengths[cr.i])-cr.pos)
	got, err := cr.r.ReadAt(p[:n], int64(cr.c.Blocks[cr.i])+BlockHeaderSize+cr.pos)
	if cr.c.Free {
		for k := 0; k < got; k++ {
			if cr.pos+int64(k) < freeClobbered {
				p[k] = '?'
			}
		}
	}
	cr.pos += int64(got)
	if err == io.EOF && int64(got) == n {
		err = nil
	}
	if err == nil && int64(got) < n {
		err = io.ErrUnexpectedEOF
	}
	return got, err
}
