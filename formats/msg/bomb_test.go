package msg

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/bounds"
)

// bombDepth is the nesting of the deep bomb.
var bombDepth = 1000

// Bombs: a compound file nesting embedded messages 1,000 deep, one whose
// directory is a cycle, one whose FAT chains loop, and one whose streams
// declare 4 GiB each are read to a bounded result (MaxDepth levels, the
// warnings of the damage) with allocations in proportion to the file,
// not to what it declares. Memory is measured, not time.
func TestBombs(t *testing.T) {
	inner := msgItems(headerEmbedded, [4]uint32{}, []prop{strProp(mapi.PidTagSubject, "level 1000")})
	for range bombDepth - 1 {
		inner = msgItems(headerEmbedded, [4]uint32{0, 1, 0, 1}, []prop{strProp(mapi.PidTagSubject, "level")},
			storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)},
				storage(objectName, inner...))...))
	}
	top := msgItems(headerTopLevel, [4]uint32{0, 1, 0, 1}, []prop{strProp(mapi.PidTagSubject, "top")},
		storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)},
			storage(objectName, inner...))...))
	deep, _ := writeCFB(top, cfbOptions{})
	sample, _ := writeCFB(sampleMessage(), cfbOptions{})
	var cycle []byte
	for _, d := range damages {
		if d.name == "directory cycle" {
			cycle = d.apply(bytes.Clone(sample), rand.New(rand.NewPCG(1, 1)))
		}
	}
	if cycle == nil || bytes.Equal(cycle, sample) {
		t.Fatal("no directory cycle damage")
	}
	// every FAT entry points at its own sector
	fatLoop := bytes.Clone(sample)
	ss := 512
	fat := int(binary.LittleEndian.Uint32(sample[0x4C:]))
	for k := 0; k < ss/4; k++ {
		o := (fat+1)*ss + 4*k
		if v := binary.LittleEndian.Uint32(fatLoop[o:]); v < 0xFFFFFFFA {
			binary.LittleEndian.PutUint32(fatLoop[o:], uint32(k))
		}
	}
	// every stream declares 4 GiB
	hugeStreams := bytes.Clone(sample)
	dir := int(binary.LittleEndian.Uint32(sample[0x30:]))
	for i := 0; i < ss/128; i++ {
		e := (dir+1)*ss + 128*i
		if hugeStreams[e+0x42] == 2 {
			binary.LittleEndian.PutUint32(hugeStreams[e+0x78:], 0xFFFFFFF0)
		}
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"1,000 nested messages", deep},
		{"directory cycle", cycle},
		{"FAT loops", fatLoop},
		{"4 GiB streams", hugeStreams},
	} {
		var f *File
		var err error
		n := bounds.Allocated(func() { f, err = NewFile(bytes.NewReader(c.data), int64(len(c.data))) })
		if bound := uint64(64*len(c.data)) + 8<<20; n > bound {
			t.Errorf("%s: %d bytes allocated for a %d-byte file (bound %d)", c.name, n, len(c.data), bound)
		}
		t.Logf("%s: %d bytes in, %d allocated, err %v", c.name, len(c.data), n, err)
		if err != nil {
			continue
		}
		if c.name == "1,000 nested messages" {
			depth := 0
			for m := f.Message; len(m.Attachments) > 0 && m.Attachments[0].Embedded != nil; m = m.Attachments[0].Embedded {
				depth++
			}
			if depth != MaxDepth || !strings.Contains(strings.Join(Warnings(f.Message), "\n"), "deeper than") {
				t.Errorf("nested: depth %d, want %d with a warning", depth, MaxDepth)
			}
			// and the conversion to .eml is bounded too
			var out bytes.Buffer
			n := bounds.Allocated(func() { _, err = mapi.Convert(&out, f.Message, mapi.Options{}) })
			if err != nil || n > 64<<20 || out.Len() > 16<<20 {
				t.Errorf("nested: Convert allocated %d bytes, wrote %d: %v", n, out.Len(), err)
			}
			continue
		}
		if !f.Damaged || len(Warnings(f.Message)) == 0 {
			t.Errorf("%s: read as sound", c.name)
		}
	}
}

// The tolerant walk (what reads a damaged compound file) meets the same
// nesting with the same bound.
func TestBombDeepTolerant(t *testing.T) {
	inner := msgItems(headerEmbedded, [4]uint32{}, []prop{strProp(mapi.PidTagSubject, "deepest")})
	for range bombDepth - 1 {
		inner = msgItems(headerEmbedded, [4]uint32{0, 1, 0, 1}, []prop{strProp(mapi.PidTagSubject, "level")},
			storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)},
				storage(objectName, inner...))...))
	}
	data, _ := writeCFB(inner, cfbOptions{})
	var f *File
	n := bounds.Allocated(func() {
		cf, err := openTolerant(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		f, err = build(cf)
		if err != nil {
			t.Fatal(err)
		}
	})
	if bound := uint64(64*len(data)) + 8<<20; n > bound {
		t.Errorf("%d bytes allocated for a %d-byte file (bound %d)", n, len(data), bound)
	}
	if f.Embedded != MaxDepth {
		t.Errorf("%d embedded messages read, want %d", f.Embedded, MaxDepth)
	}
	t.Logf("%d bytes in, %d allocated", len(data), n)
}

// Deeper still: mscfb's traversal costs entries times depth, so NewFile
// leaves a file nesting storages past the limit to the tolerant walk
// (4,000 levels: half a gigabyte through mscfb before).
func TestBombDeeperThanMscfbCanAfford(t *testing.T) {
	inner := msgItems(headerEmbedded, [4]uint32{}, []prop{strProp(mapi.PidTagSubject, "deepest")})
	for range 4000 {
		inner = msgItems(headerEmbedded, [4]uint32{0, 1, 0, 1}, []prop{strProp(mapi.PidTagSubject, "level")},
			storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)},
				storage(objectName, inner...))...))
	}
	data, _ := writeCFB(inner, cfbOptions{})
	var f *File
	var err error
	n := bounds.Allocated(func() { f, err = NewFile(bytes.NewReader(data), int64(len(data))) })
	if err != nil {
		t.Fatal(err)
	}
	if bound := uint64(8*len(data)) + 8<<20; n > bound {
		t.Errorf("%d bytes allocated for a %d-byte file (bound %d)", n, len(data), bound)
	}
	if f.Embedded != MaxDepth {
		t.Errorf("%d embedded messages read, want %d", f.Embedded, MaxDepth)
	}
	t.Logf("%d bytes in, %d allocated", len(data), n)
}
