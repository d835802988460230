package eml

import (
	"fmt"
	"io"
)

// Trim finds where the text of a mail file ends. Files recovered from disks
// and from damaged copies often carry bytes after the message: NUL bytes up
// to the end of the last cluster (disk slack), or other binary data. Trim
// reads r backwards from size in bounded chunks and returns keep, the length
// of the file without the trailing run of binary bytes (NUL and the C0
// controls other than TAB, LF, CR, FF and ESC), with one warning for the
// trailing NUL bytes and one for other binary bytes before them, each naming
// the byte offset and count. A file with nothing to trim gives keep == size
// and no warnings; a file made only of binary bytes gives keep == 0.
func Trim(r io.ReaderAt, size int64) (keep int64, warnings []string, err error) {
	if size <= 0 {
		return 0, nil, nil
	}
	buf := make([]byte, min(size, chunkSize))
	keep = size
	nulStart := size // start of the trailing all-NUL run
	inNul := true
	for keep > 0 {
		start := max(0, keep-int64(len(buf)))
		b := buf[:keep-start]
		if err := readAt(r, b, start); err != nil {
			return size, nil, err
		}
		i := len(b)
		for i > 0 && isBinary(b[i-1]) {
			if b[i-1] != 0 {
				inNul = false
			} else if inNul {
				nulStart = start + int64(i-1)
			}
			i--
		}
		keep = start + int64(i)
		if i > 0 {
			break
		}
	}
	if nulStart < size {
		warnings = append(warnings, fmt.Sprintf("%d trailing NUL bytes at %s trimmed (disk slack)", size-nulStart, at(nulStart)))
	}
	if keep < nulStart {
		warnings = append(warnings, fmt.Sprintf("%d bytes of trailing binary data at %s trimmed", nulStart-keep, at(keep)))
	}
	return keep, warnings, nil
}
