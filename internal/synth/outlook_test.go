package synth

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// convertMSG writes an item as .msg, reads it back and converts it to
// RFC 5322 with the project's converter.
func convertMSG(t *testing.T, m *mapi.Message) *message.Entity {
	t.Helper()
	b, err := MSG(m)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := mapi.Convert(&out, readMSG(t, b), mapi.Options{})
	if err != nil {
		t.Fatalf("mapi.Convert: %v", err)
	}
	for _, w := range rep.Warnings {
		t.Errorf("mapi.Convert: %s", w)
	}
	e, err := message.Read(&out)
	if err != nil {
		t.Fatalf("converted message does not parse: %v", err)
	}
	return e
}

type parts struct {
	text, html string
	files      map[string]int
	calendar   string
	vcard      string
	embedded   int
}

func walkParts(e *message.Entity) parts {
	p := parts{files: map[string]int{}}
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		mt, _, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			for {
				part, err := mr.NextPart()
				if err != nil {
					return
				}
				walk(part, depth)
			}
		}
		body, _ := io.ReadAll(e.Body)
		_, dp, _ := e.Header.ContentDisposition()
		switch {
		case mt == "message/rfc822":
			p.embedded++
		case mt == "text/calendar":
			p.calendar = string(body)
		case mt == "text/vcard":
			p.vcard = string(body)
		case dp["filename"] != "":
			p.files[dp["filename"]] = len(body)
		case mt == "text/plain":
			p.text = string(body)
		case mt == "text/html":
			p.html = string(body)
		}
	}
	walk(e, 0)
	return p
}

// TestOutlookNoteConvert checks that a generated note survives .msg and
// the converter as the mail it stands for: headers, both bodies (the HTML
// one rebuilt from the compressed RTF), attachments and forwarded notes.
func TestOutlookNoteConvert(t *testing.T) {
	g := NewGen(21)
	htmlSeen, fwdSeen := 0, 0
	for i := 0; i < 12; i++ {
		n := g.Note()
		e := convertMSG(t, NoteMessage(n))
		h := mail.Header{Header: e.Header}
		if s, _ := h.Subject(); s != n.Subject {
			t.Errorf("Subject %q, want %q", s, n.Subject)
		}
		if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Address != n.From.Email || from[0].Name != n.From.Name {
			t.Errorf("From %v, want %v", from, n.From)
		}
		to, _ := h.AddressList("To")
		cc, _ := h.AddressList("Cc")
		if len(to) != len(n.To) || len(cc) != len(n.Cc) {
			t.Errorf("%d To and %d Cc, want %d and %d", len(to), len(cc), len(n.To), len(n.Cc))
		}
		if d, _ := h.Date(); !d.Equal(n.Date) {
			t.Errorf("Date %v, want %v", d, n.Date)
		}
		if id := h.Get("Message-Id"); id != n.MessageID {
			t.Errorf("Message-Id %q, want %q", id, n.MessageID)
		}
		p := walkParts(e)
		if p.text != n.Text {
			t.Errorf("text body %q, want %q", p.text, n.Text)
		}
		if p.html != n.HTML {
			t.Errorf("HTML body %q, want %q", p.html, n.HTML)
		}
		if n.HTML != "" {
			htmlSeen++
		}
		for _, f := range n.Attachments {
			if p.files[f.Name] != len(f.Data) {
				t.Errorf("attachment %q: %d bytes, want %d (%v)", f.Name, p.files[f.Name], len(f.Data), p.files)
			}
		}
		if p.embedded != len(n.Forwarded) {
			t.Errorf("%d embedded messages, want %d", p.embedded, len(n.Forwarded))
		}
		fwdSeen += len(n.Forwarded)
	}
	if htmlSeen == 0 || fwdSeen == 0 {
		t.Errorf("%d notes with HTML, %d forwarded: the generator should make both", htmlSeen, fwdSeen)
	}
}

// TestOutlookNested forwards a note three levels deep and reads it back
// from both containers.
func TestOutlookNested(t *testing.T) {
	g := NewGen(4)
	n := g.Note()
	cur := n
	for i := 0; i < 3; i++ {
		inner := g.note(false)
		cur.Forwarded = []*Note{inner}
		cur = inner
	}
	m := NoteMessage(n)
	b, err := MSG(m)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := compareMessages(t, "msg", m, readMSG(t, b), extras{}); d != 3 {
		t.Errorf("msg: %d levels of embedded messages, want 3", d)
	}
	tb, err := TNEF(m)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := compareMessages(t, "tnef", m, decodeTNEF(t, tb), tnefExtras); d != 3 {
		t.Errorf("tnef: %d levels of embedded messages, want 3", d)
	}
}

func TestOutlookAppointmentContact(t *testing.T) {
	g := NewGen(9)
	a := OutlookAppointment(g)
	p := walkParts(convertMSG(t, a))
	for _, want := range []string{"BEGIN:VEVENT", "DTSTART:2019", "DTEND:2019", "LOCATION:", "ORGANIZER", "ATTENDEE", "UID:040000008200E00074C5B7101A82E008"} {
		if !strings.Contains(p.calendar, want) {
			t.Errorf("calendar part lacks %q:\n%s", want, p.calendar)
		}
	}
	c := OutlookContact(g)
	p = walkParts(convertMSG(t, c))
	email := c.Props.Str(c.Props.NamedID(mapi.PSETIDAddress, mapi.PidLidEmail1EmailAddress, ""))
	for _, want := range []string{"BEGIN:VCARD", "FN:" + c.Props.Str(mapi.PidTagDisplayName), "EMAIL;TYPE=INTERNET:" + email, "ADR;TYPE=WORK:"} {
		if !strings.Contains(p.vcard, want) {
			t.Errorf("vCard lacks %q:\n%s", want, p.vcard)
		}
	}
}

func TestOutlookDeterministic(t *testing.T) {
	build := func() []byte {
		g := NewGen(99)
		var out []byte
		for i := 0; i < 5; i++ {
			for _, m := range []*mapi.Message{OutlookNote(g), OutlookAppointment(g), OutlookContact(g)} {
				b, err := MSG(m)
				if err != nil {
					t.Fatal(err)
				}
				tb, err := TNEF(m)
				if err != nil {
					t.Fatal(err)
				}
				out = append(append(out, b...), tb...)
			}
		}
		return out
	}
	if !bytes.Equal(build(), build()) {
		t.Error("the same seed gives different files")
	}
}

func TestShortName(t *testing.T) {
	for in, want := range map[string]string{
		"Quarterly figures 12.csv": "QUARTE~1.CSV",
		"data-1.bin":               "DATA-1.BIN",
		"notes 2.txt":              "NOTES2~1.TXT",
		"README":                   "README",
		"archive.tar.gz":           "ARCHIV~1.GZ",
	} {
		if got := shortName(in); got != want {
			t.Errorf("shortName(%q) = %q, want %q", in, got, want)
		}
	}
}
