package tnef

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDecode from fuzzSeeds")

// fuzzSeeds are the committed seeds of FuzzDecode, built by the writer in
// writer_test.go: well-formed streams of every shape Decode handles and
// the damage it must survive.
func fuzzSeeds() map[string][]byte {
	sample := sampleMessage()
	seeds := map[string][]byte{
		"sample":     sample,
		"empty":      newStream(1).bytes(),
		"truncated":  sample[:len(sample)-100],
		"header-cut": sample[:len(sample)/2],
		"bad-checksum": newStream(1).
			attrSum(LevelMessage, AttSubject, cstr("subject"), 0xBEEF).
			attr(LevelMessage, AttBody, cstr("body")).
			bytes(),
		"trailing-crlf": newStream(1).attr(LevelMessage, AttSubject, cstr("s")).raw([]byte("\r\n")).bytes(),
		"legacy-ole": newStream(1).
			attr(LevelMessage, AttFrom, trp("Ann", "SMTP:ann@example.com")).
			attr(LevelMessage, AttDateSent, dtr(2020, 1, 2, 3, 4, 5, 4)).
			attr(LevelAttachment, AttAttachRenddata, renddata(2)).
			attr(LevelAttachment, AttAttachTitle, cstr("obj.bin")).
			attr(LevelAttachment, AttAttachData, []byte("\xd0\xcf\x11\xe0 ole object")).
			attr(LevelAttachment, AttAttachMetaFile, []byte("wmf")).
			bytes(),
		"multi-valued": newStream(1).attr(LevelMessage, AttMsgProps, (&propWriter{}).
			multiFixed(mapi.NewTag(0x1000, mapi.PtypInteger16|mapi.MultipleFlag), u16b(1), u16b(2)).
			multiFixed(mapi.NewTag(0x1001, mapi.PtypTime|mapi.MultipleFlag), make([]byte, 8)).
			multiFixed(mapi.NewTag(0x1002, mapi.PtypGuid|mapi.MultipleFlag), mapi.PSMAPI[:]).
			variable(mapi.NewTag(0x1003, mapi.PtypString8|mapi.MultipleFlag), nil, cstr("a"), cstr("bc"), cstr("def")).
			variable(mapi.NewTag(0x1004, mapi.PtypBinary|mapi.MultipleFlag), nil, []byte{1}, nil).
			variable(mapi.NewTag(0x8000, mapi.PtypString), &mapi.NamedProperty{GUID: mapi.PSPUBLICSTRINGS, Name: "n"}, mapi.EncodeUTF16("v\x00")).
			list()).bytes(),
		"resync": func() []byte {
			b := newStream(1).
				attr(LevelMessage, AttSubject, cstr("long subject")).
				attr(LevelAttachment, AttAttachRenddata, renddata(1)).
				attr(LevelAttachment, AttAttachData, []byte("data")).
				bytes()
			b[11] += 4
			return b
		}(),
		"huge-count":  newStream(1).attr(LevelMessage, AttMsgProps, u32b(0xFFFFFFFF)).bytes(),
		"huge-rows":   newStream(1).attr(LevelMessage, AttRecipTable, u32b(0x7FFFFFFF)).bytes(),
		"huge-length": append(newStream(1).bytes(), 1, 0x04, 0x80, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 's'),
	}
	nested := newStream(1).attr(LevelMessage, AttSubject, cstr("deepest")).bytes()
	for range 3 {
		nested = newStream(1).
			attr(LevelAttachment, AttAttachRenddata, renddata(1)).
			attr(LevelAttachment, AttAttachment, (&propWriter{}).object(mapi.PidTagAttachDataBinary, iidMessage, nested).list()).
			bytes()
	}
	seeds["nested"] = nested
	return seeds
}

func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for name, b := range fuzzSeeds() {
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		path := filepath.Join(dir, name)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("seed %s is missing or stale: go test ./formats/tnef -run TestFuzzSeeds -update-seeds", name)
		}
	}
}

// FuzzDecode: its seeds under testdata/fuzz/FuzzDecode are the streams
// written by TestFuzzSeeds with the test writer (writer_test.go) and
// minimized failing inputs (found-*); none comes from the corpus.
func FuzzDecode(f *testing.F) {
	for _, b := range fuzzSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		var fe *FormatError
		switch {
		case err == ErrSignature:
			if m != nil || IsTNEF(b) {
				t.Fatalf("ErrSignature with message %v for signature %v", m, IsTNEF(b))
			}
			return
		case err != nil && !errors.As(err, &fe):
			t.Fatalf("error of an unexpected kind: %v", err)
		case m == nil:
			t.Fatal("no message")
		case fe != nil && (fe.Offset < 0 || fe.Offset > int64(len(b))):
			t.Fatalf("error offset %d outside the %d bytes", fe.Offset, len(b))
		}
		// Resync may read bytes a second time, no more.
		if n := checkInvariants(t, m, 0); n > 2*len(b) {
			t.Fatalf("%d bytes of values from %d bytes of input", n, len(b))
		}
		// Same input, same output.
		m2, err2 := Decode(b)
		if fmt.Sprint(err) != fmt.Sprint(err2) || describe(m) != describe(m2) {
			t.Fatal("two decodes differ")
		}
	})
}

// checkInvariants checks a decoded message and returns the bytes of its
// values, embedded messages included.
func checkInvariants(t *testing.T, m *mapi.Message, depth int) (n int) {
	if depth > MaxDepth {
		t.Fatalf("embedded messages nested %d deep", depth)
	}
	if len(m.Warnings) > maxWarnings+1 {
		t.Fatalf("%d warnings", len(m.Warnings))
	}
	if len(m.Attachments) > maxAttachments || len(m.Recipients) > maxRecipients {
		t.Fatalf("%d attachments, %d recipients", len(m.Attachments), len(m.Recipients))
	}
	all := []*mapi.Properties{&m.Props}
	all = append(all, m.Recipients...)
	for _, a := range m.Attachments {
		all = append(all, &a.Props)
		if a.Embedded != nil {
			n += checkInvariants(t, a.Embedded, depth+1)
		}
	}
	for _, p := range all {
		for id := range p.Named {
			if id < 0x8000 {
				t.Fatalf("named property id 0x%04X", id)
			}
		}
		for _, tag := range p.Tags() {
			prop, _ := p.Get(tag)
			if fs := tag.Type().FixedSize(); fs > 0 && !tag.Type().Multi() && len(prop.Value) != fs {
				t.Fatalf("property %s: %d bytes", tag, len(prop.Value))
			}
			if tag.ID() >= 0x8000 {
				if _, ok := p.Named[tag.ID()]; !ok {
					t.Fatalf("property %s has no name", tag)
				}
			}
			n += len(prop.Value)
			for _, v := range prop.Values {
				n += len(v)
			}
			p.String(tag.ID()) // decodes without panic
		}
	}
	return n
}

// describe renders a message canonically, for comparing two decodes.
func describe(m *mapi.Message) string {
	var b strings.Builder
	var props func(p *mapi.Properties)
	props = func(p *mapi.Properties) {
		fmt.Fprintf(&b, "cp %d\n", p.CodePage)
		ids := make([]int, 0, len(p.Named))
		for id := range p.Named {
			ids = append(ids, int(id))
		}
		sort.Ints(ids)
		for _, id := range ids {
			fmt.Fprintf(&b, "name %04X %v\n", id, p.Named[uint16(id)])
		}
		for _, tag := range p.Tags() {
			prop, _ := p.Get(tag)
			fmt.Fprintf(&b, "%s %x %x\n", tag, prop.Value, bytes.Join(prop.Values, []byte{'|'}))
		}
	}
	props(&m.Props)
	for _, r := range m.Recipients {
		b.WriteString("recipient\n")
		props(r)
	}
	for _, a := range m.Attachments {
		b.WriteString("attachment\n")
		props(&a.Props)
		if a.Embedded != nil {
			b.WriteString("embedded{\n" + describe(a.Embedded) + "}\n")
		}
	}
	b.WriteString(strings.Join(m.Warnings, "\n"))
	return b.String()
}
