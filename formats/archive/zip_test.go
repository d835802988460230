package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/bounds"
	"github.com/mailsalvage/mailsalvage/internal/srctest"
)

type zipEntry struct {
	name   string
	data   []byte
	method uint16
}

func zipOf(t *testing.T, entries []zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method, Modified: time.Unix(1700000000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	zw.Close()
	return b.Bytes()
}

// takeout is a mail export as Google Takeout makes one: an mbox (deflated)
// with a JSON file beside it, plus a stored .eml and an empty folder.
func takeout(t *testing.T) ([]zipEntry, []byte) {
	mbox := append(append([]byte("From 1@xxx Mon Jan  1 10:00:00 +0000 2024\n"), msg("takeout one")...),
		append([]byte("\nFrom 2@xxx Mon Jan  1 10:00:00 +0000 2024\n"), msg("takeout two")...)...)
	entries := []zipEntry{
		{name: "Takeout/Mail/All mail Including Spam and Trash.mbox", data: mbox, method: zip.Deflate},
		{name: "Takeout/Mail/user_settings.json", data: []byte(`{"a":1}`), method: zip.Deflate},
		{name: "Takeout/archive_browser.html", data: []byte("<html>not mail</html>"), method: zip.Deflate},
		{name: "Takeout/Saved/note.eml", data: msg("stored note"), method: zip.Store},
		{name: "Takeout/Empty/", method: zip.Store},
	}
	return entries, zipOf(t, entries)
}

// TestZip: deflated and stored members are read by their formats; a
// stored member's hop covers its bytes in the archive, a deflated one's
// its compressed bytes and says it was inflated; members of no mail
// format are counted once.
func TestZip(t *testing.T) {
	entries, archive := takeout(t)
	path := srctest.File(t, "takeout-2024.zip", archive)
	src, format, err := formats.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	msgs, problems := drain(t, src)
	if format != "zip" {
		t.Errorf("format %q", format)
	}
	var subjects []string
	for _, g := range msgs {
		subjects = append(subjects, g.subject)
		h := g.m.Chain[0]
		if h.Format != "zip" || h.Offset == nil || g.m.Folder[0] != "takeout-2024" || g.m.Evidence != path {
			t.Errorf("%s: chain %v, folder %v, evidence %q", g.subject, g.m.Chain, g.m.Folder, g.m.Evidence)
			continue
		}
		stored := archive[*h.Offset : *h.Offset+*h.Length]
		switch {
		case g.subject == "stored note":
			if !bytes.Equal(stored, entries[3].data) || !bytes.Equal(g.body, entries[3].data) {
				t.Errorf("stored member: hop %v does not cover its bytes", h)
			}
		case strings.Contains(h.Locator, "deflate"):
			// the hop covers the member's compressed bytes
			inflated, _ := io.ReadAll(flate.NewReader(bytes.NewReader(stored)))
			if !bytes.Equal(inflated, entries[0].data) || !slices.Equal(g.m.Folder, []string{"takeout-2024", "Takeout", "Mail", "All mail Including Spam and Trash"}) {
				t.Errorf("%s: hop %v, folder %v", g.subject, h, g.m.Folder)
			}
		default:
			t.Errorf("%s: hop %v", g.subject, h)
		}
	}
	slices.Sort(subjects)
	if !slices.Equal(subjects, []string{"stored note", "takeout one", "takeout two"}) {
		t.Errorf("subjects %q", subjects)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "1 members hold no mail format (Takeout/archive_browser.html)") {
		t.Errorf("problems %q", problems)
	}
}

// TestZipDamage: a member whose data does not match its CRC is read and
// reported; a directory that does not read is refused with a clear error;
// a member inflating past the ratio is cut and reported, without the
// data passing through memory.
func TestZipDamage(t *testing.T) {
	entries := []zipEntry{{name: "a.eml", data: bytes.Repeat(msg("long one"), 40), method: zip.Deflate}}
	good := zipOf(t, entries)
	t.Run("crc", func(t *testing.T) {
		bad := bytes.Clone(good)
		bad[14] ^= 0xff // the local header's CRC-32; the central one still says otherwise
		cd := bytes.LastIndex(bad, []byte("PK\x01\x02"))
		bad[cd+16] ^= 0xff // and the central directory's, which the reader checks
		src, _, err := formats.Open(srctest.File(t, "crc.zip", bad))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		msgs, problems := drain(t, src)
		if len(msgs) != 1 || len(problems) != 1 || !strings.Contains(problems[0], "CRC-32") {
			t.Fatalf("%d messages, problems %q", len(msgs), problems)
		}
	})
	t.Run("directory", func(t *testing.T) {
		// the end record cut off: found by the local header instead
		src, _, err := formats.Open(srctest.File(t, "dir.zip", good[:len(good)-30]))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		msgs, problems := drain(t, src)
		if len(msgs) != 1 || len(problems) != 1 || !strings.Contains(problems[0], "central directory does not read") {
			t.Fatalf("%d messages, problems %q", len(msgs), problems)
		}
		// nothing that looks like a member: refused, saying why
		if _, _, err := formats.Open(srctest.File(t, "none.zip", append([]byte("PK\x03\x04"), make([]byte, 10)...))); err == nil || !strings.Contains(err.Error(), "no member was found") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("bomb", func(t *testing.T) {
		defer func(r int64) { formats.InflateRatio = r }(formats.InflateRatio)
		formats.InflateRatio = 16
		body := bytes.Repeat([]byte("all work and no play makes jack a dull boy\n"), 200000)
		path := srctest.File(t, "bomb.zip", zipOf(t, []zipEntry{{name: "big.eml", data: append(msg("bomb"), body...), method: zip.Deflate}}))
		var problems []string
		var n int64
		alloc := bounds.Allocated(func() {
			src, _, err := formats.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			for {
				m, err := src.Next()
				if m != nil {
					rc, _ := m.Open()
					k, _ := io.Copy(io.Discard, rc)
					rc.Close()
					n += k
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					problems = append(problems, err.Error())
				}
			}
		})
		if len(problems) != 1 || !strings.Contains(problems[0], "zip bomb") || n == 0 || n > int64(len(body)) {
			t.Fatalf("%d bytes read, problems %q", n, problems)
		}
		if alloc > 8<<20 {
			t.Errorf("%d bytes allocated", alloc)
		}
	})
}

func FuzzZip(f *testing.F) {
	_, archive := takeout(&testing.T{})
	f.Add(archive)
	// cut before its central directory: the listing by local headers
	f.Add(archive[:bytes.Index(archive, []byte("PK\x01\x02"))])
	one := msg("zip64")
	f.Add(localMember("z.eml", zip.Store, 8, 0, 0, 0, []byte{1, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, one,
		append(append([]byte("PK\x07\x08\x00\x00\x00\x00"), binary.LittleEndian.AppendUint64(nil, uint64(len(one)))...), binary.LittleEndian.AppendUint64(nil, uint64(len(one)))...)))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<18 {
			return
		}
		defer func(r int64) { formats.InflateRatio = r }(formats.InflateRatio)
		formats.InflateRatio = 64
		src, err := OpenZip(bytes.NewReader(b), int64(len(b)), &formats.Probe{Path: "fuzz.zip"})
		if err != nil {
			return
		}
		defer src.Close()
		if !srctest.Exhaust(src, 100000) {
			t.Fatal("more than 100000 results from a 256 KiB archive")
		}
	})
}

// TestZipCut: a zip cut short (a download that stopped) has no central
// directory: its members are found by their local headers (deflated and
// stored, sizes in data descriptors), the one the cut reaches read as far
// as it goes, and the loss said.
func TestZipCut(t *testing.T) {
	entries, archive := takeout(t)
	for _, c := range []struct {
		name     string
		data     []byte
		subjects []string
	}{
		{"no central directory", archive[:bytes.Index(archive, []byte("PK\x01\x02"))], []string{"stored note", "takeout one", "takeout two"}},
		// cut inside the stored .eml: the mbox before it whole, the .eml's
		// first part (headers and part of its body)
		{"cut in a member", archive[:bytes.Index(archive, entries[3].data)+60], []string{"stored note", "takeout one", "takeout two"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			subjects, problems := readSubjects(t, "cut.zip", c.data)
			if !slices.Equal(subjects, c.subjects) || len(problems) == 0 || !strings.Contains(problems[0], "found by their local headers") {
				t.Fatalf("subjects %q, problems %q", subjects, problems)
			}
		})
	}
}

// TestZipCutDamagedMember: in a zip without its central directory, a
// deflated member whose data is damaged ends where its data descriptor
// says: the members after it are still found, and the damage is said.
func TestZipCutDamagedMember(t *testing.T) {
	var big bytes.Buffer
	for i := range 400 {
		big.Write(msg(fmt.Sprint("filler ", i)))
	}
	entries := []zipEntry{
		{name: "a/bulk.txt", data: big.Bytes(), method: zip.Deflate},
		{name: "a/one.eml", data: msg("after the damage"), method: zip.Deflate},
		{name: "a/two.eml", data: msg("stored after it"), method: zip.Store},
	}
	archive := zipOf(t, entries)
	archive = archive[:bytes.Index(archive, []byte("PK\x01\x02"))] // no central directory
	start := bytes.Index(archive, []byte("a/bulk.txt")) + len("a/bulk.txt")
	for i := start + 200; i < start+260; i++ {
		archive[i] ^= 0x5a // damage inside the deflate stream
	}
	subjects, problems := readSubjects(t, "damaged.zip", archive)
	// (the damaged member's head is a message too, read up to the damage)
	if !slices.Equal(subjects, []string{"after the damage", "filler 0", "stored after it"}) || !strings.Contains(strings.Join(problems, "\n"), "member a/bulk.txt: flate: corrupt input") {
		t.Errorf("subjects %q, problems %q", subjects, problems)
	}
}

// TestZipCutCRC: in a zip without its central directory, a deflated
// member's data is checked against the CRC-32 of its data descriptor.
func TestZipCutCRC(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.NoCompression) })
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "m/one.eml", Method: zip.Deflate})
	w.Write(msg("checked by its CRC"))
	zw.Close()
	archive := b.Bytes()
	archive = archive[:bytes.Index(archive, []byte("PK\x01\x02"))]
	i := bytes.Index(archive, []byte("body of checked"))
	archive[i] = 'B' // deflate (stored blocks) still reads; the CRC does not match
	src, _, err := formats.Open(srctest.File(t, "crc.zip", archive))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	msgs, problems := drain(t, src)
	if len(msgs) != 1 || !strings.Contains(strings.Join(problems, "\n"), "m/one.eml: its CRC-32 does not match") {
		t.Errorf("%d messages, problems %q", len(msgs), problems)
	}
}

// localMember lays out one member as a streaming zip64 writer would: a
// local header (flags, method, CRC and 32-bit sizes as given), its extra
// field, the data and, with flag 8, a zip64 data descriptor.
func localMember(name string, method uint16, flags uint16, crc uint32, csize32, usize32 uint32, extra, data []byte, descriptor []byte) []byte {
	var b bytes.Buffer
	h := make([]byte, 30)
	copy(h, "PK\x03\x04")
	binary.LittleEndian.PutUint16(h[4:], 45)
	binary.LittleEndian.PutUint16(h[6:], flags)
	binary.LittleEndian.PutUint16(h[8:], method)
	binary.LittleEndian.PutUint32(h[14:], crc)
	binary.LittleEndian.PutUint32(h[18:], csize32)
	binary.LittleEndian.PutUint32(h[22:], usize32)
	binary.LittleEndian.PutUint16(h[26:], uint16(len(name)))
	binary.LittleEndian.PutUint16(h[28:], uint16(len(extra)))
	b.Write(h)
	b.WriteString(name)
	b.Write(extra)
	b.Write(data)
	b.Write(descriptor)
	return b.Bytes()
}

// TestZipCutZip64: in a zip without its central directory, a member whose
// sizes are in its zip64 field, and a deflated member with a zip64 data
// descriptor (as a streaming writer leaves a large mbox in a Takeout
// archive), or a zip64 field with a 32-bit descriptor, are read, and so
// are the members after them.
func TestZipCutZip64(t *testing.T) {
	u64 := func(vs ...uint64) []byte {
		b := make([]byte, 8*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint64(b[8*i:], v)
		}
		return b
	}
	field := func(data []byte) []byte { // tag 1, its length, the data
		return append([]byte{1, 0, byte(len(data)), 0}, data...)
	}
	one := msg("sizes in zip64")
	a := localMember("a/one.eml", zip.Store, 0, crc32.ChecksumIEEE(one), 0xFFFFFFFF, 0xFFFFFFFF,
		field(u64(uint64(len(one)), uint64(len(one)))), one, nil)
	two := msg("zip64 descriptor")
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.DefaultCompression)
	fw.Write(two)
	fw.Close()
	desc := append([]byte("PK\x07\x08"), binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(two))...)
	desc = append(desc, u64(uint64(z.Len()), uint64(len(two)))...)
	b := localMember("a/two.eml", zip.Deflate, 8, 0, 0, 0, field(u64(0, 0)), z.Bytes(), desc)
	// a zip64 field, but a descriptor of 32-bit sizes (not as APPNOTE has it)
	four := msg("narrow descriptor")
	narrow := append([]byte("PK\x07\x08"), binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(four))...)
	narrow = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(narrow, uint32(len(four))), uint32(len(four)))
	d := localMember("a/four.eml", zip.Store, 8, 0, 0, 0, field(u64(0, 0)), four, narrow)
	three := msg("after them")
	c := localMember("a/three.eml", zip.Store, 0, crc32.ChecksumIEEE(three), uint32(len(three)), uint32(len(three)), nil, three, nil)
	archive := append(append(append(a, b...), d...), c...)

	subjects, problems := readSubjects(t, "takeout-cut.zip", archive)
	if !slices.Equal(subjects, []string{"after them", "narrow descriptor", "sizes in zip64", "zip64 descriptor"}) || strings.Contains(strings.Join(problems, "\n"), "CRC") {
		t.Errorf("subjects %q, problems %q", subjects, problems)
	}
}

// readSubjects opens data as a file named name and returns the subjects
// of the messages read from it, sorted, and the problems said.
func readSubjects(t *testing.T, name string, data []byte) ([]string, []string) {
	t.Helper()
	src, _, err := formats.Open(srctest.File(t, name, data))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	msgs, problems := drain(t, src)
	var subjects []string
	for _, g := range msgs {
		subjects = append(subjects, g.subject)
	}
	slices.Sort(subjects)
	return subjects, problems
}
