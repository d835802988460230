package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
)

func init() {
	formats.Register(formats.Format{Name: "tar", Match: MatchTar, OpenFile: OpenTar})
}

// MatchTar recognizes a ustar header ("ustar" at offset 257, POSIX and GNU)
// whose checksum is right.
func MatchTar(p *formats.Probe) int {
	h := p.Head
	if len(h) < 512 || string(h[257:262]) != "ustar" || !checksumOK(h[:512]) {
		return 0
	}
	return 80
}

// checksumOK reports whether a header block's chksum field (octal, at
// 148) is the sum of its bytes with the field read as spaces.
func checksumOK(b []byte) bool {
	var sum, want int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	field := strings.TrimRight(strings.TrimLeft(string(b[148:156]), " "), " \x00")
	if _, err := fmt.Sscanf(field, "%o", &want); err != nil {
		return false
	}
	return sum == want
}

// OpenTar lists a tar archive's members and walks them as a folder. It
// fails only when no member could be listed.
func OpenTar(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	a, problems := listTar(r, size)
	return a.walk(p, problems)
}

// listTar reads the headers of a tar archive.
func listTar(r io.ReaderAt, size int64) (*archive, []string) {
	a := newArchive("tar", r)
	var problems []string
	skipped := map[string]int{}
	n := 0
	for base := int64(0); base < size; {
		end, err := listFrom(a, r, base, size, &n, skipped)
		if err == nil {
			// the end-of-archive marker (zero blocks): is there more?
			// (a hole of zeros in the middle, or archives joined)
			next := nextHeader(r, max(end, base+1), size)
			if next < 0 || n >= maxMembers {
				break
			}
			problems = append(problems, fmt.Sprintf("tar: an end-of-archive marker (blocks of zeros) near offset 0x%x, with members after it (a hole of zeros, or archives joined): the listing resumes at 0x%x", end, next))
			base = next
			continue
		}
		// a header that does not read (overwritten, a hole of zeros in
		// the middle): the listing resumes at the next sound header
		next := nextHeader(r, max(end, base+1), size) // always past base: no loop
		if next < 0 {
			problems = append(problems, fmt.Sprintf("tar: the header after %d members, near offset 0x%x, does not read (%v), and no sound header follows: the rest of the archive is not listed", n, end, err))
			break
		}
		problems = append(problems, fmt.Sprintf("tar: the header after %d members, near offset 0x%x, does not read (%v): the listing resumes at the next sound header, at 0x%x", n, end, err, next))
		base = next
	}
	if n >= maxMembers {
		problems = append(problems, fmt.Sprintf("tar: more than %d members: the rest is not listed", maxMembers))
	}
	problems = append(problems, leftOut("tar", skipped)...)
	return a, problems
}

// listFrom lists the members of the tar stream at base, counting them in
// *n, up to its end (nil) or a header that does not read: the error, and
// how far the reading had gone.
func listFrom(a *archive, r io.ReaderAt, base, size int64, n *int, skipped map[string]int) (int64, error) {
	// a seekable section: archive/tar seeks over each member's data (and
	// reads its last byte, to see that it is there) rather than reading
	// through it, and its position is the data's offset
	sr := io.NewSectionReader(r, base, size-base)
	at := func() int64 { pos, _ := sr.Seek(0, io.SeekCurrent); return min(base+pos, size) }
	tr := tar.NewReader(sr)
	for ; *n < maxMembers; *n++ {
		h, err := tr.Next()
		if err == io.EOF {
			return at(), nil
		}
		if err != nil {
			return at(), err
		}
		// archive/tar reads headers in whole blocks and nothing of the
		// data before it is asked: the data starts where it has read to
		off := at()
		name, ok := cleanName(h.Name)
		if !ok {
			skipped["names outside the archive"]++
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			a.dir(name, h.ModTime)
		case tar.TypeReg: // (archive/tar reads old tars' NUL type as TypeReg)
			if off+h.Size > size {
				a.problem("tar: member %s: %d bytes declared, the archive ends after %d of them", name, h.Size, max(0, size-off))
				h.Size = max(0, size-off)
			}
			a.file(&member{name: name, off: off, stored: h.Size, size: h.Size, mod: h.ModTime})
		case tar.TypeLink:
			// a hard link: the same data as a member before it (a
			// message delivered to two folders, in a spool)
			if target, ok := cleanName(h.Linkname); ok && a.members[target] != nil && !a.members[target].dir {
				t := *a.members[target]
				t.name, t.mod = name, h.ModTime
				a.file(&t)
			} else {
				skipped["hard links to no member listed before them"]++
			}
		case tar.TypeGNUSparse:
			skipped["sparse members"]++
		default:
			skipped["symbolic links, devices and other special members"]++
		}
	}
	return at(), nil
}

// nextHeader returns the offset of the first block at or after from (on
// the archive's 512-byte grid) that is a sound ustar header, or -1.
func nextHeader(r io.ReaderAt, from, size int64) int64 {
	buf := make([]byte, 512<<7)
	for pos := (from + 511) / 512 * 512; pos+512 <= size; pos += int64(len(buf)) {
		k, _ := r.ReadAt(buf, pos)
		for i := 0; i+512 <= k; i += 512 {
			if b := buf[i : i+512]; string(b[257:262]) == "ustar" && checksumOK(b) {
				return pos + int64(i)
			}
		}
		if k < len(buf) {
			break
		}
	}
	return -1
}
