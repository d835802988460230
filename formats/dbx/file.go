package dbx

import (
	"fmt"
	"io"
	"slices"
)

// File is an opened dbx file. Like debug/elf's File it reads from the
// io.ReaderAt it was given and only what is asked for: NewFile reads the
// header and the file info; trees, records and blocks are read when a
// method asks for them.
type File struct {
	Header *Header
	// Info is the file info of a message store (zero for other classes).
	Info FileInfo

	r    io.ReaderAt
	size int64
}

// NewFile reads the header of the dbx file held by the size bytes of r.
// It fails only when the bytes are not a dbx file at all (no magic, or
// shorter than the part of the header that is used).
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	n := min(size, HeaderSize+fileInfoLength)
	if n < 0x100 {
		return nil, formatErr(0, "file header", "file shorter than the file header", size)
	}
	b := make([]byte, n)
	if got, err := r.ReadAt(b, 0); got < 0x100 {
		return nil, &FormatError{Off: 0, Structure: "file header", Msg: fmt.Sprintf("unreadable: %v", err), Err: ErrFormat}
	} else {
		b = b[:got]
	}
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	f := &File{Header: h, r: r, size: size}
	if h.Class == ClassMessages && int64(len(b)) > HeaderSize {
		f.Info = parseFileInfo(b[HeaderSize:])
	}
	return f, nil
}

// Size is the size of the file as given to NewFile.
func (f *File) Size() int64 { return f.size }

// MessageInfos returns the offsets of the message info objects of tree 0,
// in tree order (4 bytes per message), and the damage met in the tree:
// one error per node that could not be read, each a *FormatError with its
// offset. A value listed twice is given once.
func (f *File) MessageInfos() ([]uint32, []error) {
	var out []uint32
	seen := map[uint32]bool{}
	var dup []error
	errs := f.WalkTree(0, func(v uint32, t *TreeNode) bool {
		if seen[v] {
			dup = append(dup, formatErr(t.Offset, treeNodeStructure, "message info listed twice in the tree", v))
			return true
		}
		seen[v] = true
		out = append(out, v)
		return true
	})
	return out, append(errs, dup...)
}

// FreeList returns the offsets of the message blocks on the list of
// freed blocks that starts at header offset 0x48, in list order, and the
// fault that ended the list early, if any. The list is followed no
// further than the file has blocks, and a loop is found by checking the
// offsets read for repeats each time their number doubles: at most 8
// bytes per block on the list.
func (f *File) FreeList() ([]uint32, error) {
	var out []uint32
	maxBlocks := f.size/BlockSize + 1
	check := 64
	for off := int64(f.Header.DeletedMessages); off != 0; {
		if int64(len(out)) > maxBlocks {
			if n := firstRepeat(out); n >= 0 {
				return out[:n], chainErr(int64(out[n]), "free list reaches a block twice (a loop)", nil)
			}
			return out, chainErr(off, "free list longer than the file has blocks", nil)
		}
		blk, err := f.ReadBlock(off)
		if err != nil {
			return out, err
		}
		out = append(out, uint32(off))
		if len(out) == check {
			check *= 2
			if n := firstRepeat(out); n >= 0 {
				return out[:n], chainErr(int64(out[n]), "free list reaches a block twice (a loop)", nil)
			}
		}
		if !pointerOK(blk.Next, off, f.size) {
			return out, chainErr(off, "free list: next pointer outside the file or misaligned", blk.Next)
		}
		off = int64(blk.Next)
	}
	if n := firstRepeat(out); n >= 0 {
		return out[:n], chainErr(int64(out[n]), "free list reaches a block twice (a loop)", nil)
	}
	return out, nil
}

// firstRepeat returns the index of the first offset of list that an
// earlier one repeats, or -1.
func firstRepeat(list []uint32) int {
	sorted := slices.Clone(list)
	slices.Sort(sorted)
	dup := map[uint32]bool{}
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			dup[sorted[i]] = true
		}
	}
	if len(dup) == 0 {
		return -1
	}
	seen := map[uint32]bool{}
	for i, o := range list {
		if dup[o] {
			if seen[o] {
				return i
			}
			seen[o] = true
		}
	}
	return -1
}
