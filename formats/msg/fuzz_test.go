package msg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// FuzzPropertyStream feeds arbitrary bytes to the property stream parser
// and to readProps over a storage holding them (the first byte picks the
// header size), next to value streams for a few tags, so that entries
// that point at streams, multi-valued properties and missing streams are
// all exercised.
func FuzzPropertyStream(f *testing.F) {
	for _, s := range propertyStreamSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		hdr := []int{headerSub, headerEmbedded, headerTopLevel}[int(data[0])%3]
		data = data[1:]
		h, entries, _, _ := parsePropertyStream(data, hdr)
		if len(entries) > len(data)/16 {
			t.Fatalf("%d entries from %d bytes", len(entries), len(data))
		}
		for _, e := range entries {
			if e.Off < hdr || e.Off+16 > len(data) || e.Off%16 != hdr%16 {
				t.Fatalf("entry at offset %d", e.Off)
			}
		}
		if hdr == headerSub && h.RecipientCount != -1 {
			t.Fatalf("recipient count %d in an 8-byte header", h.RecipientCount)
		}
		st := fuzzStorage(data)
		b := &builder{cf: &compound{size: 1 << 20}, budget: 1 << 20, named: map[uint16]mapi.NamedProperty{}}
		var w []string
		props, _, _ := b.readProps(st, hdr, "fuzz", &w, true)
		for _, tag := range props.Tags() {
			p, _ := props.Get(tag)
			if p.Tag != tag {
				t.Fatalf("property %s stored under %s", p.Tag, tag)
			}
			if len(p.Values) > maxValues {
				t.Fatalf("%d values", len(p.Values))
			}
		}
		props.Str(mapi.PidTagSubject)
		props.Strings(0x8001)
	})
}

// fuzzStorage is a storage holding data as its property stream, and a
// few value streams.
func fuzzStorage(data []byte) *node {
	st := &node{name: "fuzz", id: -1, off: -1}
	add := func(name string, v []byte) {
		v = bytes.Clone(v)
		st.add(&node{name: name, stream: true, size: int64(len(v)), id: -1, off: -1,
			read: func() ([]byte, []string, error) { return v, nil, nil }})
	}
	add(propStreamName, data)
	add("__substg1.0_0037001F", mapi.EncodeUTF16("subject\x00"))
	add("__substg1.0_0037001E", []byte("subject\x00"))
	add("__substg1.0_10000102", []byte{1, 2, 3})
	add("__substg1.0_8001101F", append(i32(8), i32(4)...))
	add("__substg1.0_8001101F-00000000", mapi.EncodeUTF16("red\x00"))
	add("__substg1.0_80021102", append(i32(3), 0, 0, 0, 0))
	add("__substg1.0_80021102-00000000", []byte{1, 2, 3})
	add("__substg1.0_80031003", append(i32(1), i32(2)...))
	add("__substg1.0_00480048", make([]byte, 16))
	return st
}

// FuzzRead reads arbitrary bytes as a .msg file, through mscfb and the
// tolerant walk: no panic, no hang, and a message that holds together.
func FuzzRead(f *testing.F) {
	for _, s := range readSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if file != nil {
				t.Fatal("a file and an error")
			}
			return
		}
		m := file.Message
		if m == nil || m.Props.Len() == 0 {
			t.Fatal("no error and no message")
		}
		if file.Damaged && len(Warnings(m)) == 0 {
			t.Fatal("damaged without a warning")
		}
		depth := 0
		var walk func(m *mapi.Message, d int)
		walk = func(m *mapi.Message, d int) {
			depth = max(depth, d)
			m.Props.Str(mapi.PidTagSubject)
			for _, r := range m.Recipients {
				r.Str(mapi.PidTagDisplayName)
			}
			for _, a := range m.Attachments {
				a.Props.Binary(mapi.PidTagAttachDataBinary)
				if a.Embedded != nil {
					walk(a.Embedded, d+1)
				}
			}
		}
		walk(m, 0)
		if depth > MaxDepth {
			t.Fatalf("nesting %d", depth)
		}
	})
}

type seed struct {
	name string
	data []byte
}

// propertyStreamSeeds are property streams of each header size, with
// fixed values, values in streams, multi-valued ones and damage.
func propertyStreamSeeds() []seed {
	entry := func(tag uint32, v uint64) []byte {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint32(b, tag)
		binary.LittleEndian.PutUint32(b[4:], 6)
		binary.LittleEndian.PutUint64(b[8:], v)
		return b
	}
	hdr := func(n int) []byte {
		b := make([]byte, n)
		if n >= 24 {
			binary.LittleEndian.PutUint32(b[16:], 1)
			binary.LittleEndian.PutUint32(b[20:], 1)
		}
		return b
	}
	all := bytes.Join([][]byte{
		entry(0x0037001F, 16), entry(0x0037001E, 8), entry(0x10000102, 3), entry(0x8001101F, 8),
		entry(0x80021102, 8), entry(0x80031003, 8), entry(0x00480048, 16), entry(0x0E080003, 1234),
		entry(0x0E07000B, 1), entry(0x30070040, 0x01D0000000000000), entry(0x00170002, 1),
		entry(0x3701000D, 0xFFFFFFFF), entry(0x0001000A, 0x80004005), entry(0x00990001, 0),
	}, nil)
	return []seed{
		{"top-level", append(append([]byte{2}, hdr(32)...), all...)},
		{"embedded", append(append([]byte{1}, hdr(24)...), all...)},
		{"attachment", append(append([]byte{0}, hdr(8)...), all...)},
		{"missing-streams", bytes.Join([][]byte{{0}, hdr(8), entry(0x1234001F, 10), entry(0x5678101E, 8), entry(0x9ABC1102, 16)}, nil)},
		{"partial-entry", append(append([]byte{2}, hdr(32)...), append(entry(0x0037001F, 16), 1, 2, 3, 4, 5)...)},
		{"unknown-types", bytes.Join([][]byte{{0}, hdr(8), entry(0x00370077, 1), entry(0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF), make([]byte, 16)}, nil)},
		{"short", []byte{2, 0, 0, 0}},
	}
}

// readSeeds are small compound files of our own: sound ones of several
// shapes and damaged copies.
func readSeeds() []seed {
	sample, _ := writeCFB(sampleMessage(), cfbOptions{})
	scattered, _ := writeCFB(sampleMessage(), cfbOptions{Scatter: rand.New(rand.NewPCG(1, 2))})
	small := msgItems(headerTopLevel, [4]uint32{1, 1, 1, 1}, []prop{
		strProp(mapi.PidTagSubject, "small"),
		strProp(mapi.PidTagBody, "body"),
	},
		storage(recipPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{strProp(mapi.PidTagDisplayName, "Alice")})...),
		storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{
			intProp(mapi.PidTagAttachMethod, mapi.AttachByValue),
			{tag: mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypBinary), value: []byte("data")},
		})...))
	smallContiguous, _ := writeCFB(small, cfbOptions{})
	smallScattered, _ := writeCFB(small, cfbOptions{Scatter: rand.New(rand.NewPCG(3, 4))})
	small4k, _ := writeCFB(small, cfbOptions{Sector4K: true})
	ansi, _ := writeCFB(msgItems(headerTopLevel, [4]uint32{}, []prop{
		{tag: mapi.NewTag(mapi.PidTagMessageClass, mapi.PtypString8), value: []byte("IPM.Note")},
		{tag: mapi.NewTag(mapi.PidTagSubject, mapi.PtypString8), value: []byte("\x93\xfa\x96\x7b\x8c\xea")},
		intProp(mapi.PidTagInternetCodepage, 50220),
		{tag: mapi.NewTag(0x8003, mapi.PtypString8|mapi.MultipleFlag), values: [][]byte{[]byte("a"), []byte("bc")}},
	}), cfbOptions{})
	ole, _ := writeCFB(msgItems(headerTopLevel, [4]uint32{0, 1, 0, 1}, []prop{strProp(mapi.PidTagSubject, "ole")},
		storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachOLE)},
			storage(objectName, stream("\x01Ole10Native", ole10Native("a.txt", `C:\a.txt`, []byte("hello"), true))))...)), cfbOptions{})
	big := msgItems(headerTopLevel, [4]uint32{}, []prop{
		strProp(mapi.PidTagSubject, "big body"),
		{tag: mapi.NewTag(mapi.PidTagBody, mapi.PtypString), value: bytes.Repeat(mapi.EncodeUTF16("0123456789abcdef"), 200)},
	})
	bigBody, _ := writeCFB(big, cfbOptions{Scatter: rand.New(rand.NewPCG(5, 6))})
	word, _ := writeCFB([]*item{stream("WordDocument", make([]byte, 600)), stream("1Table", []byte("x"))}, cfbOptions{})
	rng := rand.New(rand.NewPCG(9, 9))
	out := []seed{
		{"sample", sample},
		{"sample-scattered", scattered},
		{"small-4k-sectors", small4k},
		{"ansi-cp932", ansi},
		{"ole-package", ole},
		{"big-stream-scattered", bigBody},
		{"word-document", word},
		{"header-only", sample[:512]},
		{"not-cfb", []byte("From: someone\r\nSubject: not a msg\r\n\r\nbody\r\n")},
	}
	for _, dm := range damages {
		for _, base := range []seed{{"small", smallContiguous}, {"small-scattered", smallScattered}} {
			out = append(out, seed{base.name + "-" + dm.name, dm.apply(bytes.Clone(base.data), rng)})
		}
	}
	return out
}

// The committed seed corpora (testdata/fuzz/FuzzRead, FuzzPropertyStream)
// are the seeds above, plus minimized failing inputs kept as regression
// seeds, and testdata/sample.msg (for the examples) is sampleMessage.
// MSG_WRITE_SEEDS=1 rewrites them. None is copied from the corpus:
// FuzzTolerantWalk reads its corpus seeds at run time.
func TestFuzzSeeds(t *testing.T) {
	sample, _ := writeCFB(sampleMessage(), cfbOptions{})
	if os.Getenv("MSG_WRITE_SEEDS") != "" {
		if err := os.WriteFile(filepath.Join("testdata", "sample.msg"), sample, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if got, err := os.ReadFile(filepath.Join("testdata", "sample.msg")); err != nil || !bytes.Equal(got, sample) {
		t.Errorf("testdata/sample.msg is missing or stale (MSG_WRITE_SEEDS=1 go test -run TestFuzzSeeds rewrites it): %v", err)
	}
	for _, target := range []struct {
		name  string
		seeds []seed
	}{{"FuzzPropertyStream", propertyStreamSeeds()}, {"FuzzRead", readSeeds()}} {
		dir := filepath.Join("testdata", "fuzz", target.name)
		want := map[string][]byte{}
		for _, s := range target.seeds {
			name := seedName(s.name)
			if _, dup := want[name]; dup {
				t.Fatalf("seed name %s twice", name)
			}
			want[name] = []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data))
		}
		if os.Getenv("MSG_WRITE_SEEDS") != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, b := range want {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		var names []string
		for name := range want {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(got, want[name]) {
				t.Errorf("seed %s/%s is missing or stale (MSG_WRITE_SEEDS=1 go test -run TestFuzzSeeds rewrites it): %v", target.name, name, err)
			}
		}
	}
}

func seedName(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}
