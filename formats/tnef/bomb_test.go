package tnef

import (
	"encoding/binary"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/bounds"
)

// Bombs: streams that declare huge lengths and counts, or nest embedded
// messages a thousand deep, end in a bounded result: what the bytes hold,
// warnings or an error, and allocations in proportion to the input, not
// to what it declares.
func TestBombs(t *testing.T) {
	subject := newStream(1).attr(LevelMessage, AttSubject, cstr("s")).bytes()
	hugeAttr := newStream(1).attr(LevelMessage, AttSubject, cstr("s")).bytes()
	hugeAttr = append(hugeAttr, byte(LevelMessage))
	hugeAttr = binary.LittleEndian.AppendUint32(hugeAttr, AttBody)
	hugeAttr = binary.LittleEndian.AppendUint32(hugeAttr, 0xFFFFFFF0)
	hugeAttr = append(hugeAttr, make([]byte, 4096)...)

	// a property list that declares 2^31 properties, and one whose
	// variable-size value declares 2^31 values of 4 GiB
	hugeCount := newStream(1).attr(LevelMessage, AttMsgProps, append(u32b(0x7FFFFFFF), (&propWriter{}).int32(mapi.PidTagImportance, 2).b.Bytes()...)).bytes()
	vals := u32b(1)
	vals = binary.LittleEndian.AppendUint32(vals, uint32(mapi.NewTag(mapi.PidTagBody, mapi.PtypBinary)))
	vals = binary.LittleEndian.AppendUint32(vals, 0x7FFFFFFF)
	vals = binary.LittleEndian.AppendUint32(vals, 0xFFFFFFF0)
	vals = append(vals, make([]byte, 64)...)
	hugeValues := newStream(1).attr(LevelMessage, AttMsgProps, vals).bytes()
	// a recipient table of 2^32-1 rows
	hugeRecips := newStream(1).attr(LevelMessage, AttRecipTable, append(u32b(0xFFFFFFFF), make([]byte, 32)...)).bytes()

	// embedded messages nested 1,000 deep
	deep := subject
	for range 1000 {
		deep = newStream(1).
			attr(LevelMessage, AttSubject, cstr("outer")).
			attr(LevelAttachment, AttAttachRenddata, renddata(1)).
			attr(LevelAttachment, AttAttachment, (&propWriter{}).object(mapi.PidTagAttachDataBinary, iidMessage, deep).list()).
			bytes()
	}

	for _, c := range []struct {
		name string
		data []byte
	}{
		{"attribute of 4 GiB", hugeAttr},
		{"2^31 properties", hugeCount},
		{"2^31 values of 4 GiB", hugeValues},
		{"2^32 recipients", hugeRecips},
		{"1,000 nested messages", deep},
	} {
		var m *mapi.Message
		var err error
		n := bounds.Allocated(func() { m, err = Decode(c.data) })
		// the decoder copies what it keeps; 64 times the input and a
		// megabyte covers that and is far below what any declaration asks
		if bound := uint64(64*len(c.data)) + 1<<20; n > bound {
			t.Errorf("%s: %d bytes allocated for %d bytes of input (bound %d)", c.name, n, len(c.data), bound)
		}
		if err == nil && m == nil {
			t.Errorf("%s: no message and no error", c.name)
		}
		if m != nil && c.name != "1,000 nested messages" && len(m.Warnings) == 0 && err == nil {
			t.Errorf("%s: read without a warning", c.name)
		}
		t.Logf("%s: %d bytes in, %d allocated, err %v", c.name, len(c.data), n, err)
		if c.name == "1,000 nested messages" && m != nil {
			depth := 0
			for len(m.Attachments) == 1 && m.Attachments[0].Embedded != nil {
				m = m.Attachments[0].Embedded
				depth++
			}
			if depth != MaxDepth {
				t.Errorf("nested: %d levels decoded, want %d", depth, MaxDepth)
			}
		}
	}
}
