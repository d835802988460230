package export

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"os"
)

// fileIndex remembers which content was written where. It is the one
// structure of a run that grows with the number of messages, so it keeps
// little in memory: an open-addressing table (linear probing) of 8-byte
// slots, each 28 bits of a keyed hash of the content's SHA-256 and the
// offset of a record in a spill file. The record holds the whole SHA-256
// and the file's path; it is read back when the 28 bits match, which is
// for a duplicate or, for distinct content, in well under 1% of lookups
// below a million messages. The table is at most 3/4 full and doubles
// when it gets there: 11 to 21 bytes a message (16 on average),
// whatever the paths' length.
type fileIndex struct {
	slots   []uint64 // 0: empty; else hash bits<<offBits | (offset+1)
	n       int
	spill   *os.File // records: SHA-256, uvarint length, path
	buf     []byte   // records not yet written to spill, starting at flushed
	flushed int64
	seed    maphash.Seed
	bits    func(sum *[32]byte) uint64 // tests: replaces the keyed hash
}

const (
	indexBuf   = 256 << 10
	offBits    = 36 // spill offsets up to 64 GiB: some 400 million messages
	offMask    = 1<<offBits - 1
	hashBits   = 64 - offBits
	minSlots   = 1 << 10
	maxSlots   = 1 << hashBits // the home slot is taken from the hash bits
	recordHead = 32            // the SHA-256 that starts every record
)

// maxPath bounds a path below OUT: folder elements are at most 100 bytes,
// and folder depth is what the source gives, so this is generous.
const maxPath = 64 << 10

var errIndex = errors.New("export: damaged index spill file")

func newFileIndex(spill string) (*fileIndex, error) {
	f, err := os.OpenFile(spill, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &fileIndex{slots: make([]uint64, minSlots), spill: f, seed: maphash.MakeSeed()}, nil
}

// hashOf returns the bits of a SHA-256 that its slot keeps; their low
// bits choose the slot. They are a keyed hash of it, the key chosen at
// random for each index: a mailbox made to hold many messages whose
// SHA-256s agree on those bits (2^28 tries each) would make lookups read
// the spill file again and again; with a key it cannot be made.
func (x *fileIndex) hashOf(sum *[32]byte) uint64 {
	if x.bits != nil {
		return x.bits(sum) & (1<<hashBits - 1)
	}
	return maphash.Bytes(x.seed, sum[:]) & (1<<hashBits - 1)
}

// find returns the spill offset of the record for sum, or -1.
func (x *fileIndex) find(sum *[32]byte) (int64, error) {
	h := x.hashOf(sum)
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return -1, nil
		}
		if s>>offBits != h {
			continue
		}
		off := int64(s&offMask) - 1
		var got [32]byte
		if err := x.readAt(got[:], off); err != nil {
			return -1, err
		}
		if got == *sum {
			return off, nil
		}
	}
}

// readAt reads len(p) bytes of the records at off: from the spill file,
// the buffer, or both.
func (x *fileIndex) readAt(p []byte, off int64) error {
	if off < 0 || off+int64(len(p)) > x.flushed+int64(len(x.buf)) {
		return errIndex
	}
	if off < x.flushed {
		n := min(int64(len(p)), x.flushed-off)
		got, err := x.spill.ReadAt(p[:n], off)
		if int64(got) < n {
			if err == nil {
				err = errIndex
			}
			return err
		}
		p, off = p[n:], x.flushed
	}
	copy(p, x.buf[off-x.flushed:])
	return nil
}

// has reports whether content with this hash was written. It may be
// called at the same time as other calls of has and lookup, not of add.
func (x *fileIndex) has(sum [32]byte) bool {
	off, err := x.find(&sum)
	return off >= 0 && err == nil
}

// lookup returns the path written for content with this hash.
func (x *fileIndex) lookup(sum [32]byte) (string, bool, error) {
	off, err := x.find(&sum)
	if err != nil {
		return "", true, err
	}
	if off < 0 {
		return "", false, nil
	}
	off += recordHead
	// most paths are under 200 bytes: one read, then the rest if longer
	head := make([]byte, binary.MaxVarintLen64+256)
	avail := x.flushed + int64(len(x.buf)) - off
	if avail < int64(len(head)) {
		head = head[:max(avail, 0)]
	}
	if err := x.readAt(head, off); err != nil {
		return "", true, err
	}
	l, k := binary.Uvarint(head)
	if k <= 0 || l > maxPath {
		return "", true, errIndex
	}
	if uint64(len(head)-k) >= l {
		return string(head[k : k+int(l)]), true, nil
	}
	rec := make([]byte, l)
	if err := x.readAt(rec, off+int64(k)); err != nil {
		return "", true, err
	}
	return string(rec), true, nil
}

// add records that content with this hash was written at rel. A hash
// already in the index keeps its first path.
func (x *fileIndex) add(sum [32]byte, rel string) error {
	if len(rel) > maxPath {
		return errors.New("export: path too long for the index")
	}
	if off, err := x.find(&sum); err != nil {
		return err
	} else if off >= 0 {
		return nil
	}
	off := x.flushed + int64(len(x.buf))
	if off >= offMask {
		return errors.New("export: index spill file full")
	}
	if (x.n+1)*4 > len(x.slots)*3 {
		if len(x.slots) >= maxSlots {
			return errors.New("export: index full")
		}
		x.grow()
	}
	x.insert(x.hashOf(&sum)<<offBits | uint64(off+1))
	x.n++
	x.buf = append(x.buf, sum[:]...)
	x.buf = binary.AppendUvarint(x.buf, uint64(len(rel)))
	x.buf = append(x.buf, rel...)
	if len(x.buf) >= indexBuf {
		if _, err := x.spill.WriteAt(x.buf, x.flushed); err != nil {
			return err
		}
		x.flushed += int64(len(x.buf))
		x.buf = x.buf[:0]
	}
	return nil
}

func (x *fileIndex) insert(slot uint64) {
	mask := len(x.slots) - 1
	i := int(slot>>offBits) & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = slot
}

// grow doubles the table.
func (x *fileIndex) grow() {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	for _, s := range old {
		if s != 0 {
			x.insert(s)
		}
	}
}

func (x *fileIndex) len() int { return x.n }

func (x *fileIndex) close() error { return x.spill.Close() }
