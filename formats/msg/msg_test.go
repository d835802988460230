package msg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

func readBytes(t *testing.T, data []byte) *File {
	t.Helper()
	f, err := NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("NewFile: %v", err)
	}
	return f
}

// checkSample asserts everything sampleMessage holds.
func checkSample(t *testing.T, f *File) {
	t.Helper()
	m := f.Message
	if got := m.Props.Str(mapi.PidTagSubject); got != "Hello from a test" {
		t.Errorf("subject %q", got)
	}
	if got := m.Props.Str(mapi.PidTagBody); got != "plain body\r\n" {
		t.Errorf("body %q", got)
	}
	if html, _ := m.Props.Binary(mapi.PidTagHtml); string(html) != "<p>html body</p>" {
		t.Errorf("html %q", html)
	}
	if f.Class != "IPM.Note" || !f.Unicode {
		t.Errorf("class %q unicode %v", f.Class, f.Unicode)
	}
	if got := m.Props.Strings(0x8001); strings.Join(got, ",") != "red,blue" {
		t.Errorf("multi-valued 0x8001: %q", got)
	}
	if n := m.Props.Named[0x8001]; n.Name != "Keywords" || n.GUID != mapi.PSPUBLICSTRINGS {
		t.Errorf("named 0x8001: %+v", n)
	}
	if n := m.Props.Named[0x8000]; n.LID != 0x8501 || n.GUID != mapi.PSETIDCommon {
		t.Errorf("named 0x8000: %+v", n)
	}
	if id := m.Props.NamedID(mapi.PSPUBLICSTRINGS, 0, "Keywords"); id != 0x8001 {
		t.Errorf("NamedID Keywords = 0x%x", id)
	}
	if len(m.Recipients) != 2 || m.Recipients[0].Str(mapi.PidTagDisplayName) != "Alice" || m.Recipients[1].Str(mapi.PidTagDisplayName) != "Bob" {
		t.Fatalf("recipients %d", len(m.Recipients))
	}
	if v, _ := m.Recipients[1].Int(mapi.PidTagRecipientType); v != mapi.RecipCc {
		t.Errorf("recipient type %d", v)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments %d", len(m.Attachments))
	}
	a := m.Attachments[0]
	if d, _ := a.Props.Binary(mapi.PidTagAttachDataBinary); string(d) != "attached text\n" || a.Props.Str(mapi.PidTagAttachLongFilename) != "notes.txt" {
		t.Errorf("attachment 0: %q %q", d, a.Props.Str(mapi.PidTagAttachLongFilename))
	}
	e := m.Attachments[1].Embedded
	if e == nil {
		t.Fatal("no embedded message")
	}
	if e.Props.Str(mapi.PidTagSubject) != "Inner" || len(e.Recipients) != 1 || e.Recipients[0].Str(mapi.PidTagDisplayName) != "Carol" {
		t.Errorf("embedded: %q, %d recipients", e.Props.Str(mapi.PidTagSubject), len(e.Recipients))
	}
	if e.Props.Named == nil || e.Props.Named[0x8001].Name != "Keywords" {
		t.Errorf("embedded message does not share the named property map")
	}
}

func TestSampleMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  cfbOptions
	}{
		{"contiguous", cfbOptions{}},
		{"scattered", cfbOptions{Scatter: rand.New(rand.NewPCG(1, 2))}},
		{"scattered2", cfbOptions{Scatter: rand.New(rand.NewPCG(3, 4))}},
		{"4096-byte sectors", cfbOptions{Sector4K: true}},
		{"4096-byte sectors, scattered", cfbOptions{Sector4K: true, Scatter: rand.New(rand.NewPCG(5, 6))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, _ := writeCFB(sampleMessage(), tc.opt)
			f := readBytes(t, data)
			checkSample(t, f)
			if f.Recovered || f.Damaged || len(Warnings(f.Message)) > 0 {
				t.Errorf("recovered %v damaged %v warnings %q", f.Recovered, f.Damaged, Warnings(f.Message))
			}
			// the tolerant walk reads a sound file the same
			cf, err := openTolerant(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			g, err := build(cf)
			if err != nil {
				t.Fatal(err)
			}
			checkSample(t, g)
			if cf.damaged || len(cf.warnings) > 0 || g.Damaged {
				t.Errorf("tolerant walk of a sound file: %q %q", cf.warnings, Warnings(g.Message))
			}
		})
	}
}

func TestPropertyStream(t *testing.T) {
	entry := func(tag uint32, v uint64) []byte {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint32(b, tag)
		binary.LittleEndian.PutUint32(b[4:], 6)
		binary.LittleEndian.PutUint64(b[8:], v)
		return b
	}
	hdr := make([]byte, 32)
	binary.LittleEndian.PutUint32(hdr[16:], 3) // recipients
	binary.LittleEndian.PutUint32(hdr[20:], 1) // attachments
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name    string
		data    []byte
		hdr     int
		entries int
		recips  int64
		damaged bool
		warn    string
	}{
		{"top-level", cat(hdr, entry(0x0037001F, 10), entry(0x0E080003, 1234)), 32, 2, 3, false, ""},
		{"embedded", cat(hdr[:24], entry(0x0037001F, 10)), 24, 1, 3, false, ""},
		{"attachment", cat(hdr[:8], entry(0x37050003, 1)), 8, 1, -1, false, ""},
		{"short header", hdr[:20], 32, 0, -1, true, "shorter than its 32-byte header"},
		{"zero padding", cat(hdr, entry(0x0037001F, 10), make([]byte, 4)), 32, 1, 3, false, "padding"},
		{"partial entry", cat(hdr, entry(0x0037001F, 10), []byte{1, 2, 3}), 32, 1, 3, true, "partial 3-byte entry"},
		{"zero entry", cat(hdr, make([]byte, 16), entry(0x0037001F, 10)), 32, 1, 3, false, "all-zero"},
		{"unknown type", cat(hdr, entry(0x00370077, 10)), 32, 1, 3, true, "unknown property types"},
		{"empty", nil, 8, 0, -1, true, "shorter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, entries, warns, damaged := parsePropertyStream(tc.data, tc.hdr)
			if len(entries) != tc.entries || h.RecipientCount != tc.recips || damaged != tc.damaged {
				t.Errorf("%d entries, %d recipients, damaged %v; want %d, %d, %v", len(entries), h.RecipientCount, damaged, tc.entries, tc.recips, tc.damaged)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(warns, "|"), tc.warn) {
				t.Errorf("warnings %q lack %q", warns, tc.warn)
			}
			if tc.warn == "" && len(warns) > 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
		})
	}
}

func TestNameID(t *testing.T) {
	guid := make([]byte, 32)
	copy(guid, mapi.PSETIDAddress[:])
	copy(guid[16:], mapi.PSETIDAppointment[:])
	ent := func(nameOrLID, info uint32) []byte { return append(i32(nameOrLID), i32(info)...) }
	strs := append(append(i32(8), mapi.EncodeUTF16("Wick")...), append(i32(6), mapi.EncodeUTF16("ab\x00")...)...)
	for _, tc := range []struct {
		name    string
		entries []byte
		want    map[uint16]mapi.NamedProperty
		warns   int
	}{
		{"lid in stream GUID", ent(0x8083, 3<<1), map[uint16]mapi.NamedProperty{0x8000: {GUID: mapi.PSETIDAddress, LID: 0x8083}}, 0},
		{"second GUID", ent(0x820D, 5<<16|4<<1), map[uint16]mapi.NamedProperty{0x8005: {GUID: mapi.PSETIDAppointment, LID: 0x820D}}, 0},
		{"PS_MAPI", ent(0x3A06, 1<<1), map[uint16]mapi.NamedProperty{0x8000: {GUID: mapi.PSMAPI, LID: 0x3A06}}, 0},
		{"string", ent(0, 2<<16|2<<1|1), map[uint16]mapi.NamedProperty{0x8002: {GUID: mapi.PSPUBLICSTRINGS, Name: "Wick"}}, 0},
		{"string with NUL", ent(12, 2<<1|1), map[uint16]mapi.NamedProperty{0x8000: {GUID: mapi.PSPUBLICSTRINGS, Name: "ab"}}, 0},
		{"GUID out of range", ent(1, 9<<1), map[uint16]mapi.NamedProperty{}, 1},
		{"string out of range", ent(400, 2<<1|1), map[uint16]mapi.NamedProperty{}, 1},
		{"duplicate id", append(ent(1, 3<<1), ent(2, 3<<1)...), map[uint16]mapi.NamedProperty{0x8000: {GUID: mapi.PSETIDAddress, LID: 1}}, 1},
		{"partial", append(ent(1, 3<<1), 1, 2), map[uint16]mapi.NamedProperty{0x8000: {GUID: mapi.PSETIDAddress, LID: 1}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warns := parseNameID(guid, tc.entries, strs)
			if len(got) != len(tc.want) || len(warns) != tc.warns {
				t.Fatalf("got %v (warnings %q), want %v with %d warnings", got, warns, tc.want, tc.warns)
			}
			for id, w := range tc.want {
				if got[id] != w {
					t.Errorf("0x%x: %+v, want %+v", id, got[id], w)
				}
			}
		})
	}
}

func TestChooseCodePage(t *testing.T) {
	props := func(kv ...uint32) *mapi.Properties {
		p := &mapi.Properties{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Set(&mapi.Property{Tag: mapi.NewTag(uint16(kv[i]), mapi.PtypInteger32), Value: i32(kv[i+1])})
		}
		return p
	}
	sjis := [][]byte{{0x93, 0xfa, 0x96, 0x7b}}
	latin := [][]byte{[]byte("Subject \xf6\xe4\xfc")}
	for _, tc := range []struct {
		name   string
		p      *mapi.Properties
		parent int
		str8   [][]byte
		want   int
		source string
	}{
		{"message code page", props(0x3FFD, 1251, 0x3FDE, 20127), 0, nil, 1251, "message"},
		{"ISO-2022-JP mail kept as Shift_JIS", props(0x3FDE, 50220), 0, sjis, 932, "internet"},
		{"ISO-8859-1 -> 1252", props(0x3FDE, 28591), 0, latin, 1252, "internet"},
		{"KOI8-R -> 1251", props(0x3FDE, 20866), 0, nil, 1251, "internet"},
		{"UTF-8 valid", props(0x3FDE, 65001), 0, [][]byte{[]byte("äöü")}, 65001, "internet"},
		{"UTF-8 not valid: locale", props(0x3FDE, 65001, 0x3FF1, 1031), 0, latin, 1252, "locale"},
		{"ASCII: locale Japanese", props(0x3FDE, 20127, 0x3FF1, 1041), 0, sjis, 932, "locale"},
		{"locale Russian", props(0x3FF1, 1049), 0, nil, 1251, "locale"},
		{"locale zh-TW", props(0x3FF1, 0x0404), 0, nil, 950, "locale"},
		{"locale zh-CN", props(0x3FF1, 0x0804), 0, nil, 936, "locale"},
		{"embedded inherits", props(0x3FDE, 50220), 1251, nil, 1251, "parent"},
		{"embedded's own", props(0x3FFD, 932), 1251, nil, 932, "message"},
		{"unknown code page ignored", props(0x3FFD, 12345), 0, nil, 1252, "default"},
		{"nothing", props(), 0, nil, 1252, "default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mapi.ChooseCodePage(tc.p, tc.parent, tc.str8)
			if got.CodePage != tc.want || got.Source != tc.source {
				t.Errorf("got %d (%s), want %d (%s)", got.CodePage, got.Source, tc.want, tc.source)
			}
		})
	}
}

// ole10Native builds a Packager stream.
func ole10Native(label, path string, data []byte, unicode bool) []byte {
	var b []byte
	b = append(b, 2, 0)
	b = append(append(b, label...), 0)
	b = append(append(b, path...), 0)
	b = append(b, 0, 0, 3, 0)
	tmp := append([]byte(`C:\Temp\`+label), 0)
	b = append(append(b, i32(uint32(len(tmp)))...), tmp...)
	b = append(append(b, i32(uint32(len(data)))...), data...)
	if unicode {
		for _, s := range []string{`C:\Temp\` + label, label, path} {
			u := mapi.EncodeUTF16(s)
			b = append(append(b, i32(uint32(len(u)/2))...), u...)
		}
	}
	return append(i32(uint32(len(b))), b...)
}

func TestOle10Native(t *testing.T) {
	for _, tc := range []struct {
		name     string
		data     []byte
		label    string
		payload  string
		packaged bool
	}{
		{"packaged", ole10Native("a.txt", `C:\x\a.txt`, []byte("hello"), false), "a.txt", "hello", true},
		{"unicode names", ole10Native("b.txt", `C:\x\b.txt`, []byte("hi"), true), "b.txt", "hi", true},
		{"not a package", append(i32(4), 'd', 'a', 't', 'a'), "", "data", false},
		{"truncated", ole10Native("c.txt", "c", []byte("0123456789"), false)[:30], "", "", false},
		{"too short", []byte{1, 2}, "", "\x01\x02", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := parseOle10Native(tc.data, 1252)
			if n.Packaged != tc.packaged || n.Label != tc.label || (tc.payload != "" && string(n.Data) != tc.payload) {
				t.Errorf("got %+v", n)
			}
		})
	}
}

func TestOLEAttachment(t *testing.T) {
	items := msgItems(headerTopLevel, [4]uint32{0, 2, 0, 2}, []prop{strProp(mapi.PidTagSubject, "ole")},
		storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachOLE)},
			storage(objectName, stream("\x01Ole10Native", ole10Native("report.pdf", `C:\docs\report.pdf`, []byte("%PDF-1.4"), true)),
				stream("\x01CompObj", []byte{1, 2, 3})))...),
		storage(attachPrefix+"00000001", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachOLE)},
			storage(objectName, stream("WordDocument", []byte("...")), stream("1Table", []byte("..."))))...),
	)
	data, _ := writeCFB(items, cfbOptions{})
	f := readBytes(t, data)
	m := f.Message
	if f.OLE != 2 || f.Embedded != 0 || f.Damaged {
		t.Errorf("OLE %d embedded %d damaged %v", f.OLE, f.Embedded, f.Damaged)
	}
	a := m.Attachments[0]
	if d, _ := a.Props.Binary(mapi.PidTagAttachDataBinary); string(d) != "%PDF-1.4" || a.Props.Str(mapi.PidTagAttachLongFilename) != "report.pdf" {
		t.Errorf("packaged file: %q %q", d, a.Props.Str(mapi.PidTagAttachLongFilename))
	}
	if _, ok := m.Attachments[1].Props.Binary(mapi.PidTagAttachDataBinary); ok {
		t.Errorf("a Word storage got attachment data")
	}
	w := strings.Join(m.Warnings, "\n")
	if !strings.Contains(w, `packaged file "report.pdf"`) || !strings.Contains(w, "1Table, WordDocument") {
		t.Errorf("warnings: %s", w)
	}
}

func TestMatch(t *testing.T) {
	sample, _ := writeCFB(sampleMessage(), cfbOptions{})
	word, _ := writeCFB([]*item{stream("WordDocument", make([]byte, 5000)), stream("1Table", []byte("x"))}, cfbOptions{})
	far := append([]byte{}, sample[:512]...)
	far = append(far, make([]byte, formats.HeadSize-512)...)
	binary.LittleEndian.PutUint32(far[48:], 1000) // directory at sector 1000
	for _, tc := range []struct {
		name string
		head []byte
		want int
	}{
		{"msg", sample, ConfidenceMsg},
		{"word", word, 0},
		{"no magic", append([]byte("PK\x03\x04"), sample[4:]...), 0},
		{"short", sample[:100], 0},
		{"directory beyond the probe", far, ConfidenceFarDirectory},
		{"empty", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Match(&formats.Probe{Head: tc.head}); got != tc.want {
				t.Errorf("Match = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestNotMessage(t *testing.T) {
	word, _ := writeCFB([]*item{stream("WordDocument", make([]byte, 5000)), stream("1Table", []byte("x"))}, cfbOptions{})
	_, err := NewFile(bytes.NewReader(word), int64(len(word)))
	if !errors.Is(err, ErrNotMessage) || !strings.Contains(err.Error(), "WordDocument") {
		t.Errorf("Word file: %v", err)
	}
	for _, data := range [][]byte{nil, []byte("hello"), make([]byte, 4096), bytes.Repeat([]byte("From x\n"), 200)} {
		_, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%d bytes: %v", len(data), err)
		}
	}
}

// OpenFile yields exactly one message whose bytes are what Size says.
func TestOpenFile(t *testing.T) {
	data, _ := writeCFB(sampleMessage(), cfbOptions{})
	fm, ok := formats.Lookup("msg")
	if !ok {
		t.Fatal("msg not registered")
	}
	src, err := fm.OpenFile(bytes.NewReader(data), int64(len(data)), &formats.Probe{Head: data})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m, err := src.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(); err != io.EOF {
		t.Errorf("second Next: %v", err)
	}
	rc, _ := m.Open()
	b, _ := io.ReadAll(rc)
	rc.Close()
	if int64(len(b)) != m.Size || !bytes.Contains(b, []byte("Hello from a test")) {
		t.Errorf("Size %d, read %d: %q", m.Size, len(b), b)
	}
	if m.Method != "msg" || m.State != formats.Intact || m.Chain.String() != "msg IPM.Note" {
		t.Errorf("method %s state %s chain %s", m.Method, m.State, m.Chain)
	}
	want := map[string]string{"msg_class": "IPM.Note", "msg_codepage": "65001", "msg_store": "unicode", "msg_stream_count": "26", "msg_embedded_count": "1"}
	for k, v := range want {
		if m.Attrs[k] != v {
			t.Errorf("attr %s = %q, want %q", k, m.Attrs[k], v)
		}
	}
}

// Embedded messages nested deeper than MaxDepth are left out with a
// warning; the file still reads.
func TestDepthLimit(t *testing.T) {
	inner := msgItems(headerEmbedded, [4]uint32{}, []prop{strProp(mapi.PidTagSubject, "level 70")})
	for i := 69; i >= 1; i-- {
		inner = msgItems(headerEmbedded, [4]uint32{0, 1, 0, 1}, []prop{strProp(mapi.PidTagSubject, "level")},
			storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)},
				storage(objectName, inner...))...))
	}
	top := msgItems(headerTopLevel, [4]uint32{0, 1, 0, 1}, []prop{strProp(mapi.PidTagSubject, "top")},
		storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{intProp(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)},
			storage(objectName, inner...))...))
	data, _ := writeCFB(top, cfbOptions{})
	f := readBytes(t, data)
	depth := 0
	for m := f.Message; len(m.Attachments) > 0 && m.Attachments[0].Embedded != nil; m = m.Attachments[0].Embedded {
		depth++
	}
	if depth != MaxDepth || f.Embedded != MaxDepth {
		t.Errorf("depth %d, embedded %d; want %d", depth, f.Embedded, MaxDepth)
	}
	if !strings.Contains(strings.Join(Warnings(f.Message), "\n"), "deeper than 64 levels") {
		t.Errorf("no depth warning")
	}
}
