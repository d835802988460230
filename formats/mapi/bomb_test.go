package mapi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/bounds"
)

// lzfuHeader is a compressed-RTF header: COMPSIZE, RAWSIZE, COMPTYPE
// "LZFu", CRC.
func lzfuHeader(compSize, rawSize uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, compSize)
	b = binary.LittleEndian.AppendUint32(b, rawSize)
	b = append(b, "LZFu"...)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// LZFu bombs: RAWSIZE of 4 GiB over a few bytes, and data made only of
// the longest back-references (17 bytes out for 2 in, the best ratio the
// format allows), end in a bounded result: output and allocations in
// proportion to the input and never past MaxRTFSize.
func TestBombLZFu(t *testing.T) {
	// every control byte says "eight references"; each reference copies
	// 17 bytes from the start of the dictionary
	refs := func(n int) []byte {
		var d []byte
		for len(d) < n {
			d = append(d, 0xFF)
			for range 8 {
				d = append(d, 0x00, 0x0F) // offset 0, length 17
			}
		}
		return d
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"RAWSIZE 4 GiB, 16 bytes of data", append(lzfuHeader(28, 0xFFFFFFFF), make([]byte, 16)...)},
		{"RAWSIZE 4 GiB, 1 MiB of references", append(lzfuHeader(12+1<<20, 0xFFFFFFFF), refs(1<<20)...)},
		{"RAWSIZE 4 GiB, COMPSIZE 4 GiB", append(lzfuHeader(0xFFFFFFFF, 0xFFFFFFFF), refs(4096)...)},
		{"stored, RAWSIZE 4 GiB", append(append(lzfuHeader(0xFFFFFFFF, 0xFFFFFFFF)[:8], "MELA\x00\x00\x00\x00"...), make([]byte, 100)...)},
	} {
		var out []byte
		var err error
		n := bounds.Allocated(func() { out, err = DecompressRTF(c.data) })
		if len(out) > MaxRTFSize || len(out) > 9*len(c.data) {
			t.Errorf("%s: %d bytes out of %d", c.name, len(out), len(c.data))
		}
		// append doubling: the output at most twice over, plus the first
		// allocation of 8 bytes per input byte
		if bound := uint64(2*len(out) + 8*len(c.data) + 1<<20); n > bound {
			t.Errorf("%s: %d bytes allocated for %d out (bound %d)", c.name, n, len(out), bound)
		}
		var re *RTFError
		if err != nil && !errors.As(err, &re) {
			t.Errorf("%s: error %v is not an *RTFError", c.name, err)
		}
		t.Logf("%s: %d in, %d out, %d allocated, err %v", c.name, len(c.data), len(out), n, err)
	}
}

// Convert meets embedded messages 1,000 deep: it writes MaxDepth levels
// (the deeper ones attached as they are, with a warning) in bounded
// memory.
func TestBombConvertDeep(t *testing.T) {
	utf16 := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = binary.LittleEndian.AppendUint16(b, uint16(r))
		}
		return b
	}
	top := &Message{}
	m := top
	for i := range 1000 {
		m.Props.Set(&Property{Tag: NewTag(PidTagSubject, PtypString), Value: utf16("level")})
		m.Props.Set(&Property{Tag: NewTag(PidTagBody, PtypString), Value: utf16(strings.Repeat("body ", 20))})
		if i == 999 {
			break
		}
		a := &Attachment{Embedded: &Message{}}
		a.Props.Set(&Property{Tag: NewTag(PidTagAttachMethod, PtypInteger32), Value: []byte{AttachEmbeddedMessage, 0, 0, 0}})
		m.Attachments = append(m.Attachments, a)
		m = a.Embedded
	}
	var out bytes.Buffer
	var rep Report
	var err error
	n := bounds.Allocated(func() { rep, err = Convert(&out, top, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	if n > 64<<20 || out.Len() > 4<<20 {
		t.Errorf("%d bytes allocated, %d written", n, out.Len())
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "deep") {
		t.Errorf("no depth warning: %q", rep.Warnings)
	}
	t.Logf("%d bytes written, %d allocated, %d warnings", out.Len(), n, len(rep.Warnings))
}
