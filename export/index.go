package export

import (
	"encoding/binary"
	"errors"
	"os"
)

// fileIndex remembers which content was written where. It is the one
// structure of a run that grows with the number of messages, so it keeps
// little in memory: the first 16 bytes of each SHA-256 (a collision would
// take 2^64 work) and the offset of the file's path in a spill file, which
// is read back only for the rare duplicate. About 30 bytes a message.
type fileIndex struct {
	at      map[[16]byte]int64 // offset of the path record in spill
	spill   *os.File           // path records: uvarint length, path
	buf     []byte             // records not yet written to spill, starting at flushed
	flushed int64
	n       int
}

const indexBuf = 256 << 10

// maxPath bounds a path below OUT: folder elements are at most 100 bytes,
// and folder depth is what the source gives, so this is generous.
const maxPath = 64 << 10

var errIndex = errors.New("export: damaged index spill file")

func newFileIndex(spill string) (*fileIndex, error) {
	f, err := os.OpenFile(spill, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &fileIndex{at: make(map[[16]byte]int64), spill: f}, nil
}

func key(sum [32]byte) (k [16]byte) {
	copy(k[:], sum[:16])
	return k
}

// has reports whether content with this hash was written.
func (x *fileIndex) has(sum [32]byte) bool {
	_, ok := x.at[key(sum)]
	return ok
}

// lookup returns the path written for content with this hash.
func (x *fileIndex) lookup(sum [32]byte) (string, bool, error) {
	off, ok := x.at[key(sum)]
	if !ok {
		return "", false, nil
	}
	var rec []byte
	if off >= x.flushed {
		rec = x.buf[off-x.flushed:]
	} else {
		rec = make([]byte, binary.MaxVarintLen64+maxPath)
		n, err := x.spill.ReadAt(rec, off)
		if n == 0 && err != nil {
			return "", true, err
		}
		rec = rec[:n]
	}
	l, k := binary.Uvarint(rec)
	if k <= 0 || uint64(len(rec)-k) < l {
		return "", true, errIndex
	}
	return string(rec[k : k+int(l)]), true, nil
}

func (x *fileIndex) add(sum [32]byte, rel string) error {
	x.at[key(sum)] = x.flushed + int64(len(x.buf))
	x.buf = binary.AppendUvarint(x.buf, uint64(len(rel)))
	x.buf = append(x.buf, rel...)
	x.n++
	if len(x.buf) >= indexBuf {
		if _, err := x.spill.WriteAt(x.buf, x.flushed); err != nil {
			return err
		}
		x.flushed += int64(len(x.buf))
		x.buf = x.buf[:0]
	}
	return nil
}

func (x *fileIndex) len() int { return x.n }

func (x *fileIndex) close() error { return x.spill.Close() }
