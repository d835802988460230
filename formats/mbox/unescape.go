package mbox

import (
	"bufio"
	"io"
)

// unescaper removes one '>' from every line of the form >From, >>From...
// (mboxrd; in mboxo only >From exists and the rule gives the same result).
type unescaper struct {
	br        *bufio.Reader
	pending   []byte // bytes of the current line not yet returned
	lineStart bool
	err       error
}

func newUnescaper(r io.Reader) *unescaper {
	return &unescaper{br: bufio.NewReaderSize(r, 64<<10), lineStart: true}
}

func (u *unescaper) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(u.pending) == 0 {
			if u.err != nil {
				break
			}
			line, err := u.br.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				err = nil
			}
			if u.lineStart && len(line) > 0 && line[0] == '>' {
				i := 1
				for i < len(line) && line[i] == '>' {
					i++
				}
				if len(line)-i >= 5 && string(line[i:i+5]) == "From " {
					line = line[1:]
				} else if i == len(line) && err == nil {
					// a line of 64 KiB of '>' cut by the buffer: peek at what
					// follows (after copying, as Peek may move the buffer)
					line = append([]byte(nil), line...)
					more, _ := u.br.Peek(5)
					if len(more) >= 5 && string(more[:5]) == "From " {
						line = line[1:]
					}
				}
			}
			u.lineStart = len(line) > 0 && line[len(line)-1] == '\n'
			u.pending, u.err = line, err
			if len(line) == 0 && err != nil {
				break
			}
		}
		c := copy(p[n:], u.pending)
		n += c
		u.pending = u.pending[c:]
	}
	if n == 0 && u.err != nil {
		return 0, u.err
	}
	return n, nil
}

// dropReader reads [pos, end) of r leaving out the bytes at the offsets in
// drops (sorted): the '>' of each >From line, found while scanning.
type dropReader struct {
	r        io.ReaderAt
	pos, end int64
	drops    []int64
}

func (d *dropReader) Read(p []byte) (int, error) {
	for len(d.drops) > 0 && d.drops[0] < d.pos {
		d.drops = d.drops[1:]
	}
	if len(d.drops) > 0 && d.drops[0] == d.pos {
		d.pos++
		d.drops = d.drops[1:]
	}
	if d.pos >= d.end {
		return 0, io.EOF
	}
	stop := d.end
	if len(d.drops) > 0 {
		stop = d.drops[0]
	}
	if int64(len(p)) > stop-d.pos {
		p = p[:stop-d.pos]
	}
	n, err := d.r.ReadAt(p, d.pos)
	d.pos += int64(n)
	if err == io.EOF && d.pos < d.end {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}
