package mapi_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/msg"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// FuzzConvert feeds Convert (the property-to-.eml conversion shared by
// .msg, PST and TNEF) items built from arbitrary bytes: a stream of
// records, each one property of the current object or a step between
// objects (see decodeItem). Seeds: sampleItem, the input under
// testdata/fuzz/FuzzConvert (one FuzzConvert found, see
// TestConvertLineBreakInField) and, when the corpus is present, real .msg
// files of its msg folder read by formats/msg and turned into that form at
// run time (corpus bytes are never copied into testdata):
// convertSeedFiles (origins in the corpus MANIFEST.tsv) whose encoding is
// at most 64 KiB, and every other .msg whose encoding is at most 16 KiB.
//
// It asserts: no panic, an error only for an item without properties,
// and output that starts with a complete header section and stays within
// a bound of the input.
func FuzzConvert(f *testing.F) {
	f.Add(encodeItem(sampleItem()))
	if root := corpus.Root(); root != "" {
		chosen := map[string]bool{}
		for _, name := range convertSeedFiles {
			p := filepath.Join(root, "msg", name)
			chosen[p] = true
			if b := encodeMsgFile(p, 64<<10); b != nil {
				f.Add(b)
			}
		}
		files, _ := filepath.Glob(filepath.Join(root, "msg", "*.msg"))
		sort.Strings(files)
		for _, p := range files {
			if chosen[p] {
				continue
			}
			if b := encodeMsgFile(p, 16<<10); b != nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := decodeItem(data)
		var out bytes.Buffer
		_, err := mapi.Convert(&out, m, mapi.Options{})
		if err != nil {
			if m.Props.Len() != 0 {
				t.Fatalf("error for an item with %d properties: %v", m.Props.Len(), err)
			}
			return
		}
		b := out.Bytes()
		if _, n, complete := rfc5322.Parse(b); !complete || n == 0 {
			t.Fatalf("output does not start with a complete header:\n%.400q", b)
		}
		// RTF decompression is bounded by mapi.MaxRTFSize; the rest of the
		// output is the input re-encoded (base64, quoted-printable, UTF-8
		// from UTF-16, HTML escaping) plus fixed headers.
		if bound := 8*len(data) + 4*mapi.MaxRTFSize + 64<<10; len(b) > bound {
			t.Fatalf("%d bytes of output from %d bytes of input", len(b), len(data))
		}
	})
}

// convertSeedFiles are small .msg files of the corpus msg folder of
// several kinds (note with HTML body in CP1251, task, contact, memo, sent
// message, voting reply) that FuzzConvert always adds when the corpus is
// present.
var convertSeedFiles = []string{
	"POI__HTMLBodyBinary_CP1251.msg",
	"Aspose__task.msg",
	"Aspose__contact.msg",
	"msgreader__A_memo.msg",
	"hughbe-MsgReader__ctabin__jotlmsg__sent.msg",
	"msgreader__voteYes.msg",
}

// Record kinds of the fuzz item encoding: kind byte, tag (4 bytes LE),
// length (2 bytes LE), value. A multi-valued property's value is a run of
// (2-byte length, bytes). The step records carry no tag.
const (
	recProp       = iota // a property of the current object
	recMulti             // a multi-valued property of the current object
	recRecipient         // start a recipient of the current message
	recAttachment        // start an attachment of the current message
	recEmbedded          // start the embedded message of the current attachment
	recUp                // back to the message one level up
	recKinds
)

type builder struct {
	stack []*mapi.Message // messages, innermost last
	cur   *mapi.Properties
}

func decodeItem(data []byte) *mapi.Message {
	top := &mapi.Message{}
	b := builder{stack: []*mapi.Message{top}, cur: &top.Props}
	for len(data) > 0 {
		kind := int(data[0]) % recKinds
		data = data[1:]
		msg := b.stack[len(b.stack)-1]
		switch kind {
		case recRecipient:
			r := &mapi.Properties{}
			msg.Recipients = append(msg.Recipients, r)
			b.cur = r
			continue
		case recAttachment:
			a := &mapi.Attachment{}
			msg.Attachments = append(msg.Attachments, a)
			b.cur = &a.Props
			continue
		case recEmbedded:
			if len(msg.Attachments) == 0 || len(b.stack) > 2000 {
				continue
			}
			e := &mapi.Message{}
			msg.Attachments[len(msg.Attachments)-1].Embedded = e
			b.stack = append(b.stack, e)
			b.cur = &e.Props
			continue
		case recUp:
			if len(b.stack) > 1 {
				b.stack = b.stack[:len(b.stack)-1]
			}
			b.cur = &b.stack[len(b.stack)-1].Props
			continue
		}
		if len(data) < 6 {
			return top
		}
		tag := mapi.Tag(binary.LittleEndian.Uint32(data))
		n := int(binary.LittleEndian.Uint16(data[4:]))
		data = data[6:]
		n = min(n, len(data))
		v := data[:n:n]
		data = data[n:]
		if kind == recProp {
			b.cur.Set(&mapi.Property{Tag: tag, Value: v})
			continue
		}
		var vals [][]byte
		for len(v) >= 2 {
			k := min(int(binary.LittleEndian.Uint16(v)), len(v)-2)
			vals = append(vals, v[2:2+k:2+k])
			v = v[2+k:]
		}
		b.cur.Set(&mapi.Property{Tag: tag, Values: vals})
	}
	return top
}

func encodeItem(m *mapi.Message) []byte {
	var out []byte
	rec := func(kind int, tag mapi.Tag, v []byte) {
		if len(v) > 0xffff {
			v = v[:0xffff]
		}
		out = append(out, byte(kind))
		out = binary.LittleEndian.AppendUint32(out, uint32(tag))
		out = binary.LittleEndian.AppendUint16(out, uint16(len(v)))
		out = append(out, v...)
	}
	props := func(p *mapi.Properties) {
		for _, tag := range p.Tags() {
			prop, _ := p.Get(tag)
			if prop.Values == nil {
				rec(recProp, tag, prop.Value)
				continue
			}
			var v []byte
			for _, x := range prop.Values {
				if len(x) > 0xfff {
					x = x[:0xfff]
				}
				v = binary.LittleEndian.AppendUint16(v, uint16(len(x)))
				v = append(v, x...)
			}
			rec(recMulti, tag, v)
		}
	}
	var walk func(m *mapi.Message)
	walk = func(m *mapi.Message) {
		props(&m.Props)
		for _, r := range m.Recipients {
			out = append(out, recRecipient)
			props(r)
		}
		for _, a := range m.Attachments {
			out = append(out, recAttachment)
			props(&a.Props)
			if a.Embedded != nil {
				out = append(out, recEmbedded)
				walk(a.Embedded)
				out = append(out, recUp)
			}
		}
	}
	walk(m)
	return out
}

// encodeMsgFile reads a .msg and encodes it, or returns nil when it
// cannot be read or its encoding is over max bytes.
func encodeMsgFile(p string, max int) []byte {
	data, err := os.ReadFile(p)
	if err != nil || len(data) > 4*max {
		return nil
	}
	m, err := msg.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	b := encodeItem(m)
	if len(b) > max {
		return nil
	}
	return b
}

func utf16z(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

func sampleItem() *mapi.Message {
	m := &mapi.Message{}
	m.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagSubject, 0x001F), Value: utf16z("hello ../../x")})
	m.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagMessageClass, 0x001F), Value: utf16z("IPM.Note")})
	m.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x1000, 0x001F), Value: utf16z("body text")})
	r := &mapi.Properties{}
	r.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagDisplayName, 0x001F), Value: utf16z("Someone")})
	m.Recipients = append(m.Recipients, r)
	a := &mapi.Attachment{Embedded: &mapi.Message{}}
	a.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x3705, 0x0003), Value: []byte{5, 0, 0, 0}})
	a.Embedded.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagSubject, 0x001F), Value: utf16z("inner")})
	m.Attachments = append(m.Attachments, a)
	return m
}

// TestConvertSeeds checks that the committed FuzzConvert seeds are fuzz
// inputs; corpus files are added at run time by FuzzConvert, never written
// under testdata.
func TestConvertSeeds(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzConvert", "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("go test fuzz v1\n[]byte(")) {
			t.Errorf("%s is not a fuzz seed", p)
		}
	}
}

// A line break inside a property that becomes a header field (found by
// FuzzConvert: an address "0@\n0") made go-message refuse the whole
// message; it is now written on one line.
func TestConvertLineBreakInField(t *testing.T) {
	m := &mapi.Message{}
	m.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagSentRepresentingEmailAddress, 0x001F), Value: utf16z("a@b\n.example")})
	m.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagSentRepresentingName, 0x001F), Value: utf16z("Eve\r\nBcc: victim@example.com")})
	a := &mapi.Attachment{}
	a.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x3705, 0x0003), Value: []byte{1, 0, 0, 0}})
	a.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x3707, 0x001F), Value: utf16z("evil\r\nname.txt")})
	a.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x3701, 0x0102), Value: []byte("data")})
	m.Attachments = append(m.Attachments, a)
	var out bytes.Buffer
	if _, err := mapi.Convert(&out, m, mapi.Options{}); err != nil {
		t.Fatal(err)
	}
	h, _, complete := rfc5322.Parse(out.Bytes())
	if !complete {
		t.Fatalf("no complete header:\n%s", out.Bytes())
	}
	if _, ok := h.Get("Bcc"); ok {
		t.Errorf("a display name injected a Bcc field:\n%s", out.Bytes())
	}
	if from := rfc5322.DecodeText(h.Values("From")[0]); !strings.Contains(from, "Eve") || !strings.Contains(from, "a@b .example") {
		t.Errorf("From = %q", from)
	}
	if !bytes.Contains(out.Bytes(), []byte("evil%0D%0Aname.txt")) {
		t.Errorf("attachment name lost:\n%s", out.Bytes())
	}
}
