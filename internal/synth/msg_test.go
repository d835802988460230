package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/richardlehane/mscfb"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/msg"
)

// readMSG reads a .msg with the project's reader and checks that the
// strict path (mscfb) read it, without the tolerant walk.
func readMSG(t *testing.T, b []byte) *mapi.Message {
	t.Helper()
	f, err := msg.NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("msg.NewFile: %v", err)
	}
	if f.Recovered || f.Damaged {
		t.Errorf("msg.NewFile: recovered %v, damaged %v (%v): %q", f.Recovered, f.Damaged, f.StrictErr, msg.Warnings(f.Message))
	}
	return f.Message
}

func TestMSGRoundTrip(t *testing.T) {
	for _, depth := range []int{0, 1, 3} {
		want := kitchenSink(depth)
		b, err := MSG(want)
		if err != nil {
			t.Fatal(err)
		}
		got := readMSG(t, b)
		d, n := compareMessages(t, "msg", want, got, extras{})
		if d != depth {
			t.Errorf("depth %d: embedded messages compared %d levels deep", depth, d)
		}
		t.Logf("depth %d: %d bytes, %d properties compared", depth, len(b), n)
	}
}

func TestMSGOutlookItems(t *testing.T) {
	g := NewGen(7)
	var items []*mapi.Message
	for i := 0; i < 12; i++ {
		items = append(items, OutlookNote(g))
	}
	items = append(items, OutlookAppointment(g), OutlookContact(g))
	embedded := 0
	for i, want := range items {
		b, err := MSG(want)
		if err != nil {
			t.Fatal(err)
		}
		got := readMSG(t, b)
		d, _ := compareMessages(t, want.Class(), want, got, extras{})
		embedded += d
		if i == 0 {
			b2, _ := MSG(want)
			if !bytes.Equal(b, b2) {
				t.Error("MSG is not deterministic")
			}
		}
	}
	if embedded == 0 {
		t.Error("no generated note had an embedded message")
	}
}

// TestMSGLayout checks the streams MS-OXMSG asks for: string values
// without terminators and Size counting them, the property stream
// headers, the named property mapping.
func TestMSGLayout(t *testing.T) {
	want := kitchenSink(1)
	b, err := MSG(want)
	if err != nil {
		t.Fatal(err)
	}
	streams := cfbStreams(t, b)
	subject := streams["__substg1.0_0037001F"]
	if s := mapi.DecodeUTF16(subject); !strings.HasPrefix(s, "Kitchen sink, level 0") || bytes.HasSuffix(subject, []byte{0, 0}) {
		t.Errorf("subject stream % x", subject)
	}
	ps := streams["__properties_version1.0"]
	if len(ps) < 32 || (len(ps)-32)%16 != 0 {
		t.Fatalf("top-level property stream of %d bytes", len(ps))
	}
	// next recipient id, next attachment id, recipient count, attachment count
	if got := ps[8:24]; !bytes.Equal(got, append(append(le32(2), le32(2)...), append(le32(2), le32(2)...)...)) {
		t.Errorf("property stream header % x", ps[:32])
	}
	foundSubject := false
	for off := 32; off+16 <= len(ps); off += 16 {
		tag := binary.LittleEndian.Uint32(ps[off:])
		if tag == uint32(mapi.NewTag(mapi.PidTagSubject, mapi.PtypString)) {
			foundSubject = true
			if size := binary.LittleEndian.Uint32(ps[off+8:]); int(size) != len(subject)+2 {
				t.Errorf("subject entry Size %d, stream %d bytes", size, len(subject))
			}
		}
		if flags := binary.LittleEndian.Uint32(ps[off+4:]); flags != 6 {
			t.Errorf("entry %08X: flags %d", tag, flags)
		}
	}
	if !foundSubject {
		t.Error("no subject entry")
	}
	emb := streams["__attach_version1.0_#00000001/__substg1.0_3701000D/__properties_version1.0"]
	if len(emb) < 24 || (len(emb)-24)%16 != 0 {
		t.Errorf("embedded property stream of %d bytes", len(emb))
	}
	att := streams["__attach_version1.0_#00000001/__properties_version1.0"]
	found := false
	for off := 8; off+16 <= len(att); off += 16 {
		if binary.LittleEndian.Uint32(att[off:]) == 0x3701000D {
			found = true
			if binary.LittleEndian.Uint32(att[off+8:]) != 0xFFFFFFFF {
				t.Errorf("embedded message entry Size % x", att[off+8:off+12])
			}
		}
	}
	if !found {
		t.Error("no entry for the embedded message")
	}
	// ids from 0x8000, in the order of the ids they had
	entries := streams["__nameid_version1.0/__substg1.0_00030102"]
	if len(entries) != 8*7 {
		t.Fatalf("entry stream of %d bytes, want 7 entries", len(entries))
	}
	for i := 0; i < 7; i++ {
		if idx := binary.LittleEndian.Uint32(entries[8*i+4:]) >> 16; idx != uint32(i) {
			t.Errorf("entry %d has property index %d", i, idx)
		}
	}
	// the first is 0x8001, "Keywords" in PS_PUBLIC_STRINGS (GUID index 2)
	if kind := binary.LittleEndian.Uint32(entries[4:]); kind&0xFFFF != 2<<1|1 {
		t.Errorf("first entry kind/guid %04X", kind&0xFFFF)
	}
	strs := streams["__nameid_version1.0/__substg1.0_00040102"]
	if n := binary.LittleEndian.Uint32(strs); mapi.DecodeUTF16(strs[4:4+n]) != "Keywords" {
		t.Errorf("string stream % x", clip(strs))
	}
	hashes := 0
	for name := range streams {
		if strings.HasPrefix(name, "__nameid_version1.0/__substg1.0_10") {
			hashes += len(streams[name]) / 8
		}
	}
	if hashes != 7 {
		t.Errorf("%d entries in the name to id mapping streams, want 7", hashes)
	}
	// "Keywords" is entry 0 (index 0, GUID index 2, a string): its hash
	// entry is in the stream its CRC picks
	h := plainCRC32(mapi.EncodeUTF16("Keywords"))
	bucket := streams[fmt.Sprintf("__nameid_version1.0/__substg1.0_%04X0102", 0x1000+(h^(2<<1|1))%0x1F)]
	if !bytes.Contains(bucket, append(le32(h), le32(2<<1|1)...)) {
		t.Errorf("no hash entry for Keywords")
	}
}

// TestNamedPropertyHash checks the name hash against names and hashes
// from the named property mapping of a .msg saved by Outlook
// (MSGReader's EmailWithMsgAttachment.msg in the corpus).
func TestNamedPropertyHash(t *testing.T) {
	for name, want := range map[string]uint32{
		"ExchangeApplicationFlags": 0x3499C20A,
		"HeaderBodyFragmentList":   0xF104FA84,
		"HasQuotedText":            0xC751860D,
	} {
		if got := plainCRC32(mapi.EncodeUTF16(name)); got != want {
			t.Errorf("%s: hash %08X, Outlook's %08X", name, got, want)
		}
	}
}

// cfbStreams reads every stream of a compound file with mscfb, by path.
func cfbStreams(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	doc, err := mscfb.New(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("mscfb: %v", err)
	}
	out := map[string][]byte{}
	for {
		e, err := doc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("mscfb: %v", err)
		}
		if e.FileInfo().IsDir() {
			continue
		}
		data := make([]byte, e.Size)
		if n, err := e.Read(data); n != len(data) || err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("mscfb: reading %s: %d of %d bytes, %v", e.Name, n, e.Size, err)
		}
		out[strings.Join(append(append([]string{}, e.Path...), e.Name), "/")] = data
	}
	return out
}

func TestMSGErrors(t *testing.T) {
	obj := &mapi.Message{}
	obj.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6600, mapi.PtypObject), Value: []byte{1}})
	unnamed := &mapi.Message{}
	unnamed.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x8000, mapi.PtypInteger32), Value: le32(1)})
	badGUID := &mapi.Message{}
	badGUID.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6600, mapi.PtypGuid), Value: []byte{1, 2}})
	tooMany := &mapi.Message{Recipients: make([]*mapi.Properties, 2049)}
	for i := range tooMany.Recipients {
		tooMany.Recipients[i] = &mapi.Properties{}
	}
	for name, m := range map[string]*mapi.Message{"object": obj, "unnamed": unnamed, "guid": badGUID, "2049 recipients": tooMany, "nil": nil} {
		if _, err := MSG(m); !errors.Is(err, ErrMSG) {
			t.Errorf("%s: error %v, want ErrMSG", name, err)
		}
	}
}

// TestMSGConvert has msgconvert (Email::Outlook::Message, Debian's
// libemail-outlook-message-perl) convert generated .msg files, and checks
// the subject, the attachments by name and size, the embedded messages
// and the RTF body it decompressed with its own LZFu decoder.
func TestMSGConvert(t *testing.T) {
	if _, err := exec.LookPath("msgconvert"); err != nil {
		t.Skip("msgconvert not installed (apt-get install libemail-outlook-message-perl)")
	}
	dir := t.TempDir()
	g := NewGen(11)
	for i := 0; i < 8; i++ {
		n := g.Note()
		m := NoteMessage(n)
		b, err := MSG(m)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "item.msg")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("msgconvert", "--outfile", "-", file)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("msgconvert: %v: %s", err, stderr.String())
		}
		checkMsgconvert(t, n, out)
	}
}

func checkMsgconvert(t *testing.T, n *Note, eml []byte) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(eml))
	if err != nil {
		t.Fatalf("msgconvert output does not parse: %v", err)
	}
	// msgconvert writes header fields unencoded, in ISO-8859-1
	if got := latin1(e.Header.Get("Subject")); got != n.Subject {
		t.Errorf("msgconvert: Subject %q, want %q", got, n.Subject)
	}
	if got := e.Header.Get("Message-Id"); got != n.MessageID {
		t.Errorf("msgconvert: Message-Id %q, want %q", got, n.MessageID)
	}
	files := map[string]int{}
	var rtf [][]byte
	embedded := 0
	var walk func(e *message.Entity)
	walk = func(e *message.Entity) {
		mt, _, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil {
					return
				}
				walk(p)
			}
		}
		body, _ := io.ReadAll(e.Body)
		switch {
		case mt == "message/rfc822":
			embedded++
		case mt == "application/rtf":
			rtf = append(rtf, body)
		default:
			if _, p, err := e.Header.ContentDisposition(); err == nil && p["filename"] != "" {
				files[p["filename"]] = len(body)
			}
		}
	}
	walk(e)
	for _, f := range n.Attachments {
		if got, ok := files[f.Name]; !ok || got != len(f.Data) {
			t.Errorf("msgconvert: attachment %q: %d bytes (found %v), want %d", f.Name, got, ok, len(f.Data))
		}
	}
	if embedded != len(n.Forwarded) {
		t.Errorf("msgconvert: %d embedded messages, want %d", embedded, len(n.Forwarded))
	}
	if n.HTML != "" {
		if len(rtf) == 0 {
			t.Errorf("msgconvert: no RTF body")
		} else if !bytes.Equal(rtf[0], HTMLToRTF(n.HTML)) {
			t.Errorf("msgconvert decompressed the RTF body differently:\n%q\nwant\n%q", clip(rtf[0]), clip(HTMLToRTF(n.HTML)))
		}
	}
}

// latin1 decodes s as ISO-8859-1 when it is not UTF-8.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// TestMSGMscfb checks that mscfb lists every stream MSGEntries made, with
// its size and bytes, and nothing else.
func TestMSGMscfb(t *testing.T) {
	entries, err := MSGEntries(kitchenSink(3))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	var flatten func(es []*CFBEntry, path string)
	flatten = func(es []*CFBEntry, path string) {
		for _, e := range es {
			if e.Storage {
				flatten(e.Children, path+e.Name+"/")
			} else {
				want[path+e.Name] = e.Data
			}
		}
	}
	flatten(entries, "")
	b, err := CFB(entries)
	if err != nil {
		t.Fatal(err)
	}
	got := cfbStreams(t, b)
	if len(got) != len(want) {
		t.Errorf("mscfb lists %d streams, %d written", len(got), len(want))
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || !bytes.Equal(g, w) {
			t.Errorf("%s: mscfb reads %d bytes (listed %v), %d written", name, len(g), ok, len(w))
		}
	}
	checkCFBStructure(t, b)
}

func BenchmarkMSG(b *testing.B) {
	g := NewGen(1)
	var items []*mapi.Message
	for i := 0; i < 16; i++ {
		items = append(items, OutlookNote(g))
	}
	for b.Loop() {
		for _, m := range items {
			if _, err := MSG(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
