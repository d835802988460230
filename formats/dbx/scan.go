package dbx

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// Recovery by scanning: every 4-aligned offset of the file past the header
// is tested for a block header (its object marker equal to its offset,
// the lengths of a live or freed block, pointers inside the file). Blocks
// no indexed message uses are linked into runs by their next pointers;
// a run whose first block starts an RFC 5322 header section is a message
// the tree no longer lists.

// scanWindow is how much of the file is read at a time while scanning.
const scanWindow = 1 << 20

// ScanBlocks calls fn for every plausible block header in the file, in
// offset order, skipping the bytes of a block once found. It reads the
// file through a window of scanWindow bytes.
func (f *File) ScanBlocks(fn func(Block)) error {
	start := int64(HeaderSize)
	start += (4 - start%4) % 4
	if start >= f.size {
		return nil
	}
	buf := make([]byte, min(scanWindow+20, f.size-start))
	for base := start; base+BlockHeaderSize <= f.size; {
		n := min(int64(len(buf)), f.size-base)
		got, err := f.r.ReadAt(buf[:n], base)
		if int64(got) < n && err != nil && err != io.EOF {
			return &FormatError{Off: base + int64(got), Structure: "file", Msg: fmt.Sprintf("read error while scanning: %v", err), Err: ErrFormat}
		}
		b := buf[:got]
		next := base + scanWindow
		for i := 0; i+BlockHeaderSize <= len(b) && int64(i) < scanWindow; i += 4 {
			off := base + int64(i)
			if uint32(b[i])|uint32(b[i+1])<<8|uint32(b[i+2])<<16|uint32(b[i+3])<<24 != uint32(off) {
				continue
			}
			blk, ok := parseBlock(off, b[i:min(i+20, len(b))])
			if !ok {
				continue
			}
			fn(blk)
			// a block's bytes hold no other block
			i += BlockSize - 4
			if int64(i+4) >= scanWindow {
				next = off + BlockSize
			}
		}
		if int64(got) < n || got == 0 {
			break
		}
		base = next
	}
	return nil
}

// How a message found by scanning came to be outside the tree.
const (
	// FoundFree: its blocks are free-list entries (the message was deleted).
	FoundFree = "freed blocks"
	// FoundOnFreeList: live-looking blocks, the first one on the free list
	// of header offset 0x48.
	FoundOnFreeList = "on the free list"
	// FoundUnlisted: sound blocks that neither the tree nor the free list
	// knows (a lost or damaged tree, or an interrupted write).
	FoundUnlisted = "unlisted"
)

// Unindexed is a message found by scanning: a run of data blocks that no
// message info of the tree uses and whose text starts a header section.
type Unindexed struct {
	*Chain
	How string // FoundFree, FoundOnFreeList or FoundUnlisted
}

// Leftover describes the runs of unused blocks that start no message.
type Leftover struct {
	Runs, Blocks int
	Bytes        int64
	First        []uint32 // first block of the first few runs
}

// FindUnindexed scans the file for data block chains that no indexed
// message uses (used reports the blocks that indexed messages use, and
// may be nil) and returns those that start an RFC 5322 header: messages
// deleted or lost from the tree. Memory: a 12-byte record per unused
// block, and the text of one block at a time.
func (f *File) FindUnindexed(used func(off uint32) bool) ([]Unindexed, Leftover, error) {
	type cand struct {
		off, next uint32
		length    uint16
		free      bool
	}
	var cands []cand
	err := f.ScanBlocks(func(b Block) {
		if used != nil && used(uint32(b.Offset)) {
			return
		}
		c := cand{off: uint32(b.Offset), next: b.Next, free: b.Free, length: uint16(b.Length)}
		if b.Free {
			c.length = BlockDataSize
		}
		cands = append(cands, c)
	})
	find := func(off uint32) int {
		i := sort.Search(len(cands), func(i int) bool { return cands[i].off >= off })
		if i < len(cands) && cands[i].off == off {
			return i
		}
		return -1
	}
	hasPred := make([]bool, len(cands))
	for _, c := range cands {
		if j := find(c.next); c.next != 0 && j >= 0 && cands[j].free == c.free {
			hasPred[j] = true
		}
	}
	freeList, _ := f.FreeList()
	slices.Sort(freeList)

	var out []Unindexed
	var left Leftover
	visited := make([]bool, len(cands))
	text := make([]byte, BlockDataSize)
	keep := func(c *Chain) {
		if len(c.Blocks) == 0 {
			return
		}
		if looksLikeStart(f, c) {
			how := FoundUnlisted
			switch {
			case c.Free:
				how = FoundFree
			case func() bool { _, ok := slices.BinarySearch(freeList, c.Blocks[0]); return ok }():
				how = FoundOnFreeList
			}
			out = append(out, Unindexed{Chain: c, How: how})
			return
		}
		left.Runs++
		left.Blocks += len(c.Blocks)
		left.Bytes += c.Size
		if len(left.First) < 8 {
			left.First = append(left.First, c.Blocks[0])
		}
	}
	// runs from their heads first, then what is left (runs that are
	// loops, whose every block has a predecessor)
	for pass := 0; pass < 2; pass++ {
		for h := range cands {
			if visited[h] || (pass == 0 && hasPred[h]) {
				continue
			}
			c := &Chain{Free: cands[h].free}
			for i := h; ; {
				visited[i] = true
				k := cands[i]
				n := int64(k.length)
				if avail := f.size - int64(k.off) - BlockHeaderSize; n > avail {
					n = max(0, avail)
					c.Err = chainErr(int64(k.off), fmt.Sprintf("block cut off by the end of the file: %d of %d text bytes", n, k.length), nil)
				}
				if k.free {
					// a freed block keeps no text length: its text runs to
					// the block's end, less the NULs a last block ends with;
					// a new message starts where a block starts a header
					// after a block that ended in NULs
					got, _ := f.r.ReadAt(text, int64(k.off)+BlockHeaderSize)
					t := text[:got]
					trimmed := int64(len(bytes.TrimRight(t, "\x00")))
					if len(c.Blocks) > 0 && c.Lengths[len(c.Lengths)-1] < BlockDataSize && startsFields(t) {
						keep(c)
						c = &Chain{Free: true}
					}
					n = max(trimmed, int64(min(freeClobbered, got)))
				}
				c.Blocks = append(c.Blocks, k.off)
				c.Lengths = append(c.Lengths, uint16(n))
				c.Size += n
				if c.Err != nil || k.next == 0 {
					break
				}
				if !pointerOK(k.next, int64(k.off), f.size) {
					c.Err = chainErr(int64(k.off), "next pointer outside the file or misaligned", k.next)
					break
				}
				j := find(k.next)
				switch {
				case j >= 0 && visited[j]:
					c.Err = chainErr(int64(k.next), fmt.Sprintf("block reached twice (a loop in the chain, from block @0x%x)", k.off), nil)
				case j >= 0 && cands[j].free != k.free:
					c.Err = chainErr(int64(k.next), fmt.Sprintf("chain from block @0x%x runs into a block of the other kind (live/freed)", k.off), nil)
				case j < 0 && used != nil && used(k.next):
					c.Err = chainErr(int64(k.next), fmt.Sprintf("chain from block @0x%x runs into a block of an indexed message", k.off), nil)
				case j < 0:
					_, err := f.ReadBlock(int64(k.next))
					if fe, ok := err.(*FormatError); ok {
						fe.Msg += fmt.Sprintf(" (pointed to by block @0x%x)", k.off)
						c.Err = fe
					} else {
						c.Err = chainErr(int64(k.next), fmt.Sprintf("next block (from @0x%x) overlaps another block", k.off), nil)
					}
				}
				if c.Err != nil {
					break
				}
				i = j
			}
			keep(c)
		}
	}
	return out, left, err
}

// looksLikeStart reads the start of a chain's text (up to 64 KiB) and
// says whether it starts an RFC 5322 header section.
func looksLikeStart(f *File, c *Chain) bool {
	b, _ := io.ReadAll(io.LimitReader(f.chainReader(c), 64<<10))
	return startsHeader(b)
}

// startsHeader says whether b starts a message header: a complete header
// section of at least three fields, most of them common message fields,
// two of them fields only whole messages carry (rfc5322.Block's test
// without its demand for a transport field: drafts and sent messages in
// a store have none).
func startsHeader(b []byte) bool {
	blk := rfc5322.Examine(b, 0)
	return blk.LooksLikeMessage() || (blk.Complete && blk.Fields >= 3 && blk.Trace >= 2 && blk.Known*2 >= blk.Fields)
}

// startsFields is the test for a new message inside a run of freed
// blocks, made on one block's raw text (whose first bytes the free list
// overwrote, read as '?'): field lines to the end of the block or to an
// empty line, two of them at least, one a field only whole messages carry.
func startsFields(raw []byte) bool {
	b := make([]byte, len(raw))
	copy(b, raw)
	copy(b, "????")
	blk := rfc5322.Examine(b, 0)
	return blk.Fields >= 2 && blk.Trace >= 1 && blk.Known*2 >= blk.Fields
}
