package mbox

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/srctest"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// got is a message read back through the Reader.
type got struct {
	m     *formats.Message
	bytes []byte
}

func readAll(t testing.TB, data []byte) ([]got, []error) {
	t.Helper()
	rd := NewReader(bytes.NewReader(data), int64(len(data)))
	var out []got
	var problems []error
	for {
		m, err := rd.Next()
		if m != nil {
			rc, oerr := m.Open()
			if oerr != nil {
				t.Fatalf("Open: %v", oerr)
			}
			b, rerr := io.ReadAll(rc)
			if rerr != nil {
				t.Fatalf("read message %s: %v", m.Chain, rerr)
			}
			if m.Size != int64(len(b)) {
				t.Errorf("%s: Size %d, Open gave %d bytes", m.Chain, m.Size, len(b))
			}
			out = append(out, got{m, b})
		}
		if err == io.EOF {
			return out, problems
		}
		if err != nil {
			if _, ok := err.(*formats.Problem); !ok {
				t.Fatalf("fatal error: %v", err)
			}
			problems = append(problems, err)
		}
	}
}

// checkAccounting asserts that the scanner's spans tile the file: every
// byte is in a gap, a separator line or a message.
func checkAccounting(t testing.TB, data []byte) []*Span {
	t.Helper()
	s := NewScanner(bytes.NewReader(data), int64(len(data)))
	var spans []*Span
	var prev int64
	for {
		sp, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("scanner: %v", err)
		}
		if sp.Begin != prev || sp.Begin > sp.Sep || sp.Sep > sp.Start || sp.Start > sp.End || sp.End > int64(len(data)) {
			t.Fatalf("span %d out of order: prev end %d, begin %d sep %d start %d end %d (size %d)",
				sp.Index, prev, sp.Begin, sp.Sep, sp.Start, sp.End, len(data))
		}
		prev = sp.End
		spans = append(spans, sp)
	}
	if off, n := s.Trailer(); off != prev || off+n != int64(len(data)) {
		t.Fatalf("trailer %d+%d does not end the file (last end %d, size %d)", off, n, prev, len(data))
	}
	return spans
}

func gen(n int, seed uint64) []synth.Message {
	g := synth.NewGen(seed)
	msgs := make([]synth.Message, n)
	for i := range msgs {
		msgs[i] = g.Next()
	}
	return msgs
}

func everyFifth(i int) bool { return i%5 == 3 }

func TestVariantsRoundTrip(t *testing.T) {
	msgs := gen(40, 1)
	styles := []struct {
		name  string
		style synth.MboxStyle
	}{{"thunderbird", synth.Thunderbird}, {"mboxrd", synth.MboxRD}, {"mboxo", synth.MboxO}, {"mboxcl2", synth.MboxCL2}}
	for _, st := range styles {
		for _, crlf := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/crlf=%v", st.name, crlf), func(t *testing.T) {
				data, placed := synth.Mbox(msgs, synth.MboxOptions{Style: st.style, CRLF: crlf, Deleted: everyFifth})
				checkAccounting(t, data)
				out, problems := readAll(t, data)
				if len(problems) > 0 {
					t.Errorf("problems on a clean mbox: %v", problems)
				}
				if len(out) != len(placed) {
					t.Fatalf("got %d messages, want %d", len(out), len(placed))
				}
				for i, p := range placed {
					g := out[i]
					if !bytes.Equal(g.bytes, p.Want) {
						t.Errorf("message %d (%s): bytes differ from what was stored\n%s", i, p.ID, firstDiff(g.bytes, p.Want))
					}
					wantState := formats.Intact
					if p.Deleted {
						wantState = formats.Deleted
					}
					if g.m.State != wantState {
						t.Errorf("message %d: state %s, want %s (warnings %v)", i, g.m.State, wantState, g.m.Warnings)
					}
					h := g.m.Chain[0]
					if *h.Offset != p.Start || *h.Offset+*h.Length != p.End {
						t.Errorf("message %d: chain %s, want bytes %d..%d", i, h, p.Start, p.End)
					}
					if g.m.Method != "mbox" {
						t.Errorf("message %d: method %s", i, g.m.Method)
					}
					if len(g.m.Warnings) > 0 && !p.Deleted {
						t.Errorf("message %d: warnings on a clean mbox: %v", i, g.m.Warnings)
					}
				}
			})
		}
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-40)
	return fmt.Sprintf("at byte %d (lengths %d, %d):\n got  %q\n want %q", i, len(a), len(b), a[lo:min(len(a), i+40)], b[lo:min(len(b), i+40)])
}

// recovered returns the index of the placed message each output holds,
// and -1 for outputs holding none. An output holds a placed message when it
// contains its signature (for Thunderbird mboxes that starts with the
// X-Mozilla-* fields the mbox added, which a copy of the message attached
// to another does not have), or else when its header carries the
// message's Message-ID. It fails the test when an output holds
// the start of two placed messages (glued).
func recovered(t *testing.T, out []got, placed []synth.Placed) []int {
	t.Helper()
	idx := make([]int, len(out))
	for i, g := range out {
		idx[i] = -1
		for j, p := range placed {
			if bytes.Contains(g.bytes, signature(p)) {
				if idx[i] >= 0 {
					t.Errorf("output %d (%s) holds messages %d and %d: glued", i, g.m.Chain, idx[i], j)
				}
				idx[i] = j
			}
		}
		if idx[i] >= 0 {
			continue
		}
		head := g.bytes
		if k := bytes.Index(head, []byte("\n\n")); k >= 0 {
			head = head[:k+1]
		}
		for j, p := range placed {
			if bytes.Contains(head, []byte("Message-ID: "+p.ID+"\n")) || bytes.Contains(head, []byte("Message-ID: "+p.ID+"\r\n")) {
				idx[i] = j
			}
		}
	}
	return idx
}

// signature is a placed message as stored from its first byte through
// its Message-ID line (the first 200 bytes if it has none): unique, and
// starting with what the mbox writer added.
func signature(p synth.Placed) []byte {
	if k := bytes.Index(p.Want, []byte("Message-ID: "+p.ID)); k >= 0 {
		return p.Want[:k+len("Message-ID: "+p.ID)]
	}
	return p.Want[:min(len(p.Want), 200)]
}

func TestDamage(t *testing.T) {
	msgs := gen(60, 2)
	rng := rand.New(rand.NewPCG(3, 4))
	type damage func(data []byte, placed []synth.Placed) []byte
	cases := []struct {
		name string
		crlf bool
		do   damage
		// lost lists placed messages the damage destroys or cuts
		lost func(placed []synth.Placed) map[int]bool
		// exact: messages (other than lost) that must come back byte-identical
		exact bool
	}{
		{name: "garbage between messages", exact: true, do: func(d []byte, p []synth.Placed) []byte {
			for _, k := range []int{50, 30, 10} { // back to front keeps offsets valid
				d = synth.Insert(d, p[k].Sep, synth.Garbage(rng, 700+k))
			}
			return d
		}},
		{name: "garbage between messages crlf", crlf: true, exact: true, do: func(d []byte, p []synth.Placed) []byte {
			for _, k := range []int{40, 20} {
				d = synth.Insert(d, p[k].Sep, synth.Garbage(rng, 333))
			}
			return d
		}},
		{name: "mangled separators", exact: true, do: func(d []byte, p []synth.Placed) []byte {
			d = synth.Replace(d, p[12].Sep, []byte("Fr\x00m"))
			d = synth.Replace(d, p[33].Sep, []byte("Frxm"))
			d = synth.Replace(d, p[44].Sep, []byte("\x00rom"))
			return d
		}},
		{name: "missing separators", exact: true, do: func(d []byte, p []synth.Placed) []byte {
			for _, k := range []int{55, 27, 8, 1} {
				d = synth.Cut(d, p[k].Sep, p[k].Start-p[k].Sep)
			}
			return d
		}},
		{name: "missing separators crlf", crlf: true, exact: true, do: func(d []byte, p []synth.Placed) []byte {
			for _, k := range []int{45, 9} {
				d = synth.Cut(d, p[k].Sep, p[k].Start-p[k].Sep)
			}
			return d
		}},
		{name: "NUL hole over a separator", do: func(d []byte, p []synth.Placed) []byte {
			// from the middle of message 19's last line through message 20's
			// separator, leaving 20's header intact
			return synth.Zero(d, p[20].Sep-30, p[20].Start-(p[20].Sep-30))
		}, lost: func(p []synth.Placed) map[int]bool { return map[int]bool{} }},
		{name: "NUL hole over a header start", do: func(d []byte, p []synth.Placed) []byte {
			// message 25's separator and its first header line are gone
			return synth.Zero(d, p[25].Sep, p[25].Start-p[25].Sep+60)
		}},
		{name: "NUL hole inside a body", do: func(d []byte, p []synth.Placed) []byte {
			mid := (p[15].Start + p[15].End) / 2
			return synth.Zero(d, mid, 512)
		}},
		{name: "sectors zeroed", do: func(d []byte, p []synth.Placed) []byte {
			for off := int64(4096); off+512 < int64(len(d)); off += 40960 {
				d = synth.Zero(d, off, 512)
			}
			return d
		}},
		{name: "truncated at 60%", do: func(d []byte, p []synth.Placed) []byte {
			return d[:len(d)*6/10]
		}, lost: func(p []synth.Placed) map[int]bool {
			return map[int]bool{} // computed below from the cut
		}},
		{name: "leading garbage", exact: true, do: func(d []byte, p []synth.Placed) []byte {
			return synth.Insert(d, 0, synth.Garbage(rng, 2000))
		}},
		{name: "trailing NULs", exact: true, do: func(d []byte, p []synth.Placed) []byte {
			return append(d, make([]byte, 8192)...)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, placed := synth.Mbox(msgs, synth.MboxOptions{Style: synth.Thunderbird, CRLF: c.crlf, Deleted: everyFifth})
			damaged := c.do(data, placed)
			checkAccounting(t, damaged)
			out, _ := readAll(t, damaged)
			idx := recovered(t, out, placed)
			found := map[int]int{}
			for i, j := range idx {
				if j >= 0 {
					found[j] = i
				}
			}
			// messages whose Message-ID line survives in the damaged file
			// must all be found
			var missing []int
			for j, p := range placed {
				if !bytes.Contains(damaged, []byte("Message-ID: "+p.ID)) {
					continue
				}
				if _, ok := found[j]; !ok {
					missing = append(missing, j)
				}
			}
			survivors := 0
			for _, p := range placed {
				if bytes.Contains(damaged, []byte("Message-ID: "+p.ID)) {
					survivors++
				}
			}
			if len(missing) > 0 {
				t.Errorf("%d of %d surviving messages not recovered: %v", len(missing), survivors, missing)
			}
			if c.exact {
				for j, i := range found {
					if !bytes.Equal(out[i].bytes, placed[j].Want) {
						t.Errorf("message %d not byte-identical: %s", j, firstDiff(out[i].bytes, placed[j].Want))
					}
				}
			}
			for j, i := range found {
				want := formats.Intact
				if placed[j].Deleted {
					want = formats.Deleted
				}
				if got := out[i].m.State; got != want && got != formats.Partial {
					t.Errorf("message %d: state %s, want %s or partial", j, got, want)
				}
			}
		})
	}
}

func TestEmbeddedAndBouncesNotSplit(t *testing.T) {
	bounce := "From MAILER-DAEMON Mon Jan  7 10:00:00 2019\n" +
		"Return-Path: <>\nReceived: from mx.example.com by mail.example.org; Mon, 7 Jan 2019 10:00:00 +0000\n" +
		"Date: Mon, 7 Jan 2019 10:00:00 +0000\nFrom: MAILER-DAEMON@example.org\nTo: alice@example.org\n" +
		"Subject: failure notice\nMessage-ID: <bounce1@example.org>\n\n" +
		"Hi. This is the qmail-send program at example.org.\nI'm afraid I wasn't able to deliver your message.\n\n" +
		"--- Below this line is a copy of the message.\n\n" +
		"Return-Path: <alice@example.org>\nReceived: from client by mx.example.org; Sun, 6 Jan 2019 09:00:00 +0000\n" +
		"Date: Sun, 6 Jan 2019 09:00:00 +0000\nFrom: alice@example.org\nTo: bob@nowhere.example\n" +
		"Subject: hello\nMessage-ID: <orig1@example.org>\n\nHello Bob.\n\n"
	report := "From MAILER-DAEMON Mon Jan  7 11:00:00 2019\n" +
		"Return-Path: <>\nDate: Mon, 7 Jan 2019 11:00:00 +0000\nFrom: postmaster@example.org\n" +
		"Subject: Undelivered Mail\nMessage-ID: <bounce2@example.org>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n" +
		"--B\nContent-Type: text/plain\n\nFailed.\n\n--B\nContent-Type: message/delivery-status\n\n" +
		"Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bob@nowhere.example\nAction: failed\nStatus: 5.1.1\n\n" +
		"--B\nContent-Type: text/rfc822-headers\n\n" +
		"Return-Path: <alice@example.org>\nReceived: from client by mx.example.org; Sun, 6 Jan 2019 09:00:00 +0000\n" +
		"Date: Sun, 6 Jan 2019 09:00:00 +0000\nFrom: alice@example.org\nTo: bob@nowhere.example\n" +
		"Subject: hello\nMessage-ID: <orig2@example.org>\n\n--B--\n\n"
	quoted := "From alice@example.org Mon Jan  7 12:00:00 2019\n" +
		"Date: Mon, 7 Jan 2019 12:00:00 +0000\nFrom: alice@example.org\nSubject: fwd\nMessage-ID: <q1@example.org>\n\n" +
		"See below.\n\nFrom: Bob <bob@example.org>\nTo: Alice <alice@example.org>\nDate: Sun, 6 Jan 2019 09:00:00 +0000\n" +
		"Subject: hello\n\nHello Alice.\n\n"
	// a content filter's notice that quotes the returned message's header
	// in its text part (amavis), with the report's parts behind it
	filter := "From MAILER-DAEMON Mon Jan  7 13:00:00 2019\n" +
		"Date: Mon, 7 Jan 2019 13:00:00 +0000\nFrom: \"Content-filter at example.org\" <postmaster@example.org>\n" +
		"Subject: Considered UNSOLICITED BULK EMAIL\nMessage-ID: <bounce3@example.org>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"F\"\n\n" +
		"--F\nContent-Type: text/plain\n\nA message from <alice@example.org> was considered spam.\n\n" +
		"Return-Path: <alice@example.org>\nReceived: from client by mx.example.org; Sun, 6 Jan 2019 09:00:00 +0000\n" +
		"Date: Sun, 6 Jan 2019 09:00:00 +0000\nFrom: alice@example.org\nTo: bob@example.org\nSubject: hello\n\n" +
		"Delivery of the email was stopped!\n\n--F\nContent-Type: message/delivery-status\n\n" +
		"Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.7.0\n\n--F--\n\n"
	data := []byte(bounce + report + quoted + filter)
	out, _ := readAll(t, data)
	if len(out) != 4 {
		for _, g := range out {
			t.Logf("%s: %.60q", g.m.Chain, g.bytes)
		}
		t.Fatalf("got %d messages, want 4 (a bounce quoting its original, a report with rfc822 headers, a quoted header block, a header quoted in a part)", len(out))
	}
	// and the generator's message/rfc822 forwards survive a lost separator
	msgs := gen(8, 9) // message 4 and 8 carry message/rfc822 parts
	d, placed := synth.Mbox(msgs, synth.MboxOptions{Style: synth.MboxRD})
	d = synth.Cut(d, placed[4].Sep, placed[4].Start-placed[4].Sep)
	out, _ = readAll(t, d)
	if len(out) != 8 {
		t.Fatalf("got %d messages, want 8", len(out))
	}
}

func TestTruncatedLastIsPartial(t *testing.T) {
	msgs := gen(10, 5)
	data, placed := synth.Mbox(msgs, synth.MboxOptions{Style: synth.MboxRD})
	cut := placed[9].Start + (placed[9].End-placed[9].Start)/2
	out, _ := readAll(t, data[:cut])
	if len(out) != 10 {
		t.Fatalf("got %d messages, want 10", len(out))
	}
	for i, g := range out[:9] {
		if g.m.State != formats.Intact {
			t.Errorf("message %d: state %s, want intact", i, g.m.State)
		}
	}
	if last := out[9]; last.m.State != formats.Partial || len(last.m.Warnings) == 0 {
		t.Errorf("truncated last message: state %s warnings %v, want partial with a reason", last.m.State, last.m.Warnings)
	}
}

// A Content-Length that reaches over damage and a whole message behind
// it (it lands on the end of the file) is not used: the message behind
// the damage is recovered on its own, and the spans stay in file order.
func TestContentLengthOverDamage(t *testing.T) {
	second := "Return-Path: <c@example.org>\n" +
		"Received: from mx.example.org by mail.example.com; Mon, 1 Jan 2001 00:00:00 +0000\n" +
		"Received: from relay.example.org by mx.example.org; Mon, 1 Jan 2001 00:00:00 +0000\n" +
		"From: c@example.org\nTo: d@example.com\nDate: Mon, 1 Jan 2001 00:00:00 +0000\nSubject: behind\n\nsecond body\n"
	body := "first body\n" + strings.Repeat("\x00", 40) + "\n" + second
	data := []byte("From a@example.com Mon Jan  1 00:00:00 2001\n" +
		"From: a@example.com\nDate: Mon, 1 Jan 2001 00:00:00 +0000\nSubject: first\n" +
		fmt.Sprintf("Content-Length: %d\n\n", len(body)) + body)
	spans := checkAccounting(t, data)
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2", len(spans))
	}
	if spans[0].ContentLength || !strings.Contains(strings.Join(spans[0].Warnings, "; "), "Content-Length") {
		t.Errorf("first span: ContentLength %v, warnings %q; want the length set aside with a warning", spans[0].ContentLength, spans[0].Warnings)
	}
	if got, want := spans[1].Start, int64(len(data)-len(second)); got != want || spans[1].Found != FoundAfterDamage {
		t.Errorf("second span starts at %d found %q, want %d after-damage", got, spans[1].Found, want)
	}
}

// A UTF-8 byte order mark in front of the first separator (an mbox saved
// by a Windows editor) belongs to the separator line: the first message
// starts after it, found by its separator, with no bytes unaccounted for.
func TestByteOrderMark(t *testing.T) {
	data := []byte("\xef\xbb\xbfFrom a@example.com Mon Jan  1 00:00:00 2001\nFrom: a@example.com\nSubject: one\n\nbody\n\n" +
		"From b@example.com Mon Jan  1 00:00:00 2001\nFrom: b@example.com\nSubject: two\n\nbody\n")
	spans := checkAccounting(t, data)
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2", len(spans))
	}
	if spans[0].Found != FoundSeparator || spans[0].Sep != 0 || len(spans[0].Warnings) != 0 {
		t.Errorf("first span: found %q, separator at %d, warnings %q; want a separator at 0 and no warning", spans[0].Found, spans[0].Sep, spans[0].Warnings)
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		head string
		want bool
	}{
		{"From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\n", true},
		{"From alice@example.com Mon Jan  1 00:00:00 2001\nReceived: x\n", true},
		{"\nFrom \r\nFrom: a@b\r\n", true},
		{"Fr\x00m - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\n", true},
		{"Received: x\nFrom: a\n\nbody\n\nFrom b@c Mon Jan  1 00:00:00 2001\nReceived: y\n\n", true},
		{"Received: x\nFrom: a\nSubject: s\n\nFrom the desk of the editor: hello\n", false},
		{"\x7fELF\x02\x01\x01\x00", false},
		{"Dear Sir,\n\nFrom what I hear...\n", false},
		{"Frxm - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\n", true},
		{"From: alice@example.com\nTo: bob@example.com\n", false},
		{"\xef\xbb\xbfFrom alice@example.com Mon Jan  1 00:00:00 2001\nReceived: x\n", true},
	}
	for _, c := range cases {
		got := Match(&formats.Probe{Head: []byte(c.head)}) > 0
		if got != c.want {
			t.Errorf("Match(%.40q) = %v, want %v", c.head, got, c.want)
		}
	}
}

func TestUnescaper(t *testing.T) {
	in := "a\n>From x\n>>From y\n>Fromage\n> From z\nFrom w\n>>>From \n"
	want := "a\nFrom x\n>From y\n>Fromage\n> From z\nFrom w\n>>From \n"
	for _, size := range []int{1, 3, 7, 1 << 20} {
		b, err := io.ReadAll(&smallReads{r: newUnescaper(strings.NewReader(in)), n: size})
		if err != nil || string(b) != want {
			t.Errorf("read size %d: got %q, %v; want %q", size, b, err, want)
		}
	}
}

type smallReads struct {
	r io.Reader
	n int
}

func (s *smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), s.n)]) }

func TestFolderName(t *testing.T) {
	cases := map[string][]string{
		"/x/Inbox":            {"Inbox"},
		"/x/Archive.mbox":     {"Archive"},
		"All mail.mbox":       {"All mail"},
		"/x/notes.txt":        {"notes.txt"},
		"":                    nil,
		"/x/Sent Items.MBOX ": {"Sent Items.MBOX "},
	}
	for in, want := range cases {
		got := FolderName(in)
		if strings.Join(got, "/") != strings.Join(want, "/") || len(got) != len(want) {
			t.Errorf("FolderName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestShortReader: data that ends before the size given ends the scan
// there (it spun in place before): the messages before the end are read.
func TestShortReader(t *testing.T) {
	var b bytes.Buffer
	for i := range 6 {
		fmt.Fprintf(&b, "From a@example.org Mon Jan  1 00:00:00 2024\nFrom: a@example.org\nSubject: m%d\n\nbody %d\n\n", i, i)
	}
	data := b.Bytes()
	done := make(chan int)
	go func() {
		rd := NewReader(srctest.Short{B: data, N: len(data) / 2}, int64(len(data))*3)
		n := 0
		for {
			m, err := rd.Next()
			if m != nil {
				n++
			}
			if err == io.EOF {
				break
			}
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n < 2 || n > 4 {
			t.Errorf("%d messages from the first half of 6", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the scan does not end")
	}
}

// TestQuotedHeaderNotSplit: the ways notices put the returned message's
// header after a blank line in their text, none of them a message whose
// separator was lost; and the lost separator after a header that ends in
// a mail client's "Status: RO" field, which is one.
func TestQuotedHeaderNotSplit(t *testing.T) {
	const returned = "Return-Path: <alice@example.org>\nReceived: from client by mx.example.org; Sun, 6 Jan 2019 09:00:00 +0000\n" +
		"Date: Sun, 6 Jan 2019 09:00:00 +0000\nFrom: alice@example.org\nTo: bob@example.org\nSubject: hello\nMessage-ID: <o@example.org>\n\nHello Bob.\n"
	const notice = "From MAILER-DAEMON Mon Jan  7 10:00:00 2019\nDate: Mon, 7 Jan 2019 10:00:00 +0000\nFrom: MAILER-DAEMON@example.org\n" +
		"Subject: failure notice\nMessage-ID: <n@example.org>\n"
	const next = "\nFrom carol@example.org Tue Jan  8 10:00:00 2019\nFrom: carol@example.org\nSubject: next\n\nbody\n"
	for _, c := range []struct {
		name, msg string
		want      int
	}{
		{"a boxed intro line", notice + "\nUser unknown.\n\n--------RETURNED MAIL FOLLOWS--------\n" + returned, 2},
		{"the intro in two languages", notice + "\nUser unknown.\n\n--- Below the next line is a copy of the message.\n--- Ниже копия сообщения.\n\n" + returned, 2},
		{"sendmail's 'reads (in part)'", notice + "\nUser not known\n\nYour message reads (in part):\n\n" + returned, 2},
		{"Exim's copy heading", notice + "\nmalformed address\n\n------ This is a copy of your message, including all the headers. ------\n\n" + returned, 2},
		{"a report whose delimiters were lost", notice + "\nReporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.1.1\n" +
			"Last-Attempt-Date: Mon, 7 Jan 2019 10:00:00 +0000\n\n" + returned, 2},
		{"a part whose header is the returned message's", notice + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"---fff0\"\n\n" +
			"-----fff0\nContent-Type: text/plain\n\nUser unknown.\n\n-----fff0\n" + returned + "\n-----fff0--\n", 2},
		{"a lost separator after Status: RO", "From a@example.org Mon Jan  7 10:00:00 2019\nFrom: a@example.org\nSubject: one\nStatus: RO\n\n\n" + returned, 3},
	} {
		out, _ := readAll(t, []byte(c.msg+next))
		if len(out) != c.want {
			for _, g := range out {
				t.Logf("%s: %.60q", g.m.Chain, g.bytes)
			}
			t.Errorf("%s: %d messages, want %d", c.name, len(out), c.want)
		}
	}
}
