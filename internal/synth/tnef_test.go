package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/tnef"
)

// tnefExtras are the properties formats/tnef derives from the legacy
// attributes of an attachment when attAttachment lacks them:
// PidTagAttachMethod and PidTagRenderingPosition from attAttachRendData,
// PidTagAttachFilename (8-bit) from attAttachTitle.
var tnefExtras = extras{
	attachment: func(k propKey) bool {
		switch k.tag {
		case mapi.NewTag(mapi.PidTagAttachMethod, mapi.PtypInteger32),
			mapi.NewTag(mapi.PidTagRenderingPosition, mapi.PtypInteger32),
			mapi.NewTag(mapi.PidTagAttachFilename, mapi.PtypString8):
			return true
		}
		return false
	},
}

func decodeTNEF(t *testing.T, b []byte) *mapi.Message {
	t.Helper()
	m, err := tnef.Decode(b)
	if err != nil {
		t.Fatalf("tnef.Decode: %v", err)
	}
	return m
}

func TestTNEFRoundTrip(t *testing.T) {
	for _, depth := range []int{0, 1, 3} {
		want := kitchenSink(depth)
		b, err := TNEF(want)
		if err != nil {
			t.Fatal(err)
		}
		got := decodeTNEF(t, b)
		d, n := compareMessages(t, "tnef", want, got, tnefExtras)
		if d != depth {
			t.Errorf("depth %d: embedded messages compared %d levels deep", depth, d)
		}
		t.Logf("depth %d: %d bytes, %d properties compared", depth, len(b), n)
		checkTNEFFraming(t, b)
	}
}

// checkTNEFFraming walks the attributes as stored: the signature, the
// first three attributes in their order, and every checksum.
func checkTNEFFraming(t *testing.T, b []byte) {
	t.Helper()
	r, err := tnef.NewReader(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Key() == 0 {
		t.Error("key 0")
	}
	var ids []uint32
	for {
		a, err := r.Next()
		if err != nil {
			break
		}
		if !a.ChecksumOK() {
			t.Errorf("attribute %s at %d: checksum %04X", tnef.AttName(a.ID), a.Offset, a.Checksum)
		}
		ids = append(ids, a.ID)
	}
	if len(ids) < 4 || ids[0] != tnef.AttTnefVersion || ids[1] != tnef.AttOemCodepage || ids[2] != tnef.AttMessageClass || ids[3] != tnef.AttMsgProps {
		var names []string
		for _, id := range ids {
			names = append(names, tnef.AttName(id))
		}
		t.Errorf("attributes %v", names)
	}
}

func TestTNEFOutlookItems(t *testing.T) {
	g := NewGen(5)
	var items []*mapi.Message
	for i := 0; i < 12; i++ {
		items = append(items, OutlookNote(g))
	}
	items = append(items, OutlookAppointment(g), OutlookContact(g))
	for _, want := range items {
		b, err := TNEF(want)
		if err != nil {
			t.Fatal(err)
		}
		compareMessages(t, want.Class(), want, decodeTNEF(t, b), tnefExtras)
		checkTNEFFraming(t, b)
		if b2, _ := TNEF(want); !bytes.Equal(b, b2) {
			t.Error("TNEF is not deterministic")
		}
	}
}

func TestTNEFErrors(t *testing.T) {
	obj := &mapi.Message{}
	obj.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6600, mapi.PtypObject), Value: []byte{1}})
	unnamed := &mapi.Message{}
	unnamed.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x8000, mapi.PtypInteger32), Value: le32(1)})
	short := &mapi.Message{}
	short.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6600, mapi.PtypInteger64), Value: []byte{1}})
	server := &mapi.Message{}
	server.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6600, mapi.PtypServerID), Value: []byte{1}})
	for name, m := range map[string]*mapi.Message{"object": obj, "unnamed": unnamed, "short value": short, "server id": server, "nil": nil} {
		if _, err := TNEF(m); !errors.Is(err, ErrTNEF) {
			t.Errorf("%s: error %v, want ErrTNEF", name, err)
		}
	}
}

// TestTNEFTool has Debian's tnef list and extract the attachments of
// generated streams and save the RTF body, which it decompresses with its
// own LZFu decoder.
func TestTNEFTool(t *testing.T) {
	if _, err := exec.LookPath("tnef"); err != nil {
		t.Skip("tnef not installed (apt-get install tnef)")
	}
	g := NewGen(13)
	for i := 0; i < 8; i++ {
		n := g.Note()
		b, err := TNEF(NoteMessage(n))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "winmail.dat")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("tnef", "--list", "-f", file).CombinedOutput()
		if err != nil {
			t.Fatalf("tnef --list: %v: %s", err, out)
		}
		// a line per attachment: its name, then the file name it would get
		var listed []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			name, _, _ := strings.Cut(line, "\t|")
			listed = append(listed, name)
		}
		var want []string
		for _, f := range n.Attachments {
			want = append(want, f.Name)
		}
		for _, fw := range n.Forwarded {
			want = append(want, fw.Subject)
		}
		if strings.Join(listed, "|") != strings.Join(want, "|") {
			t.Errorf("tnef --list: %q, want %q", listed, want)
		}

		x := filepath.Join(dir, "x")
		if err := os.Mkdir(x, 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("tnef", "-C", x, "--save-body=body", "--body-pref=R", "-f", file).CombinedOutput(); err != nil {
			t.Fatalf("tnef: %v: %s", err, out)
		}
		for _, f := range n.Attachments {
			got, err := os.ReadFile(filepath.Join(x, f.Name))
			if err != nil || !bytes.Equal(got, f.Data) {
				t.Errorf("tnef extracted %q: %d bytes (%v), want %d", f.Name, len(got), err, len(f.Data))
			}
		}
		if n.HTML != "" {
			got, err := os.ReadFile(filepath.Join(x, "body.rtf"))
			if err != nil || !bytes.Equal(got, HTMLToRTF(n.HTML)) {
				t.Errorf("tnef saved the RTF body as %q (%v)", clip(got), err)
			}
		}
	}
}

// TestTNEFLayout checks the fixed attributes' data.
func TestTNEFLayout(t *testing.T) {
	m := kitchenSink(0)
	b, err := TNEF(m)
	if err != nil {
		t.Fatal(err)
	}
	if binary.LittleEndian.Uint32(b) != 0x223E9F78 {
		t.Errorf("signature % x", b[:4])
	}
	r, _ := tnef.NewReader(b)
	for {
		a, err := r.Next()
		if err != nil {
			break
		}
		switch a.ID {
		case tnef.AttTnefVersion:
			if !bytes.Equal(a.Data, le32(0x00010000)) {
				t.Errorf("attTnefVersion % x", a.Data)
			}
		case tnef.AttOemCodepage:
			if !bytes.Equal(a.Data, append(le32(1252), le32(0)...)) {
				t.Errorf("attOemCodepage % x", a.Data)
			}
		case tnef.AttMessageClass:
			if string(a.Data) != "IPM.Note\x00" {
				t.Errorf("attMessageClass %q", a.Data)
			}
		case tnef.AttAttachRenddata:
			if len(a.Data) != 14 || binary.LittleEndian.Uint16(a.Data) != 1 {
				t.Errorf("attAttachRendData % x", a.Data)
			}
		}
	}
}
