package carve

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

func sectorPad(b []byte) []byte {
	n := (len(b) + 511) / 512 * 512
	return append(b, make([]byte, n-len(b))...)
}

func TestCarveSimple(t *testing.T) {
	g := synth.NewGen(1)
	var img []byte
	var want [][]byte
	img = append(img, make([]byte, 4096)...)
	for i := 0; i < 8; i++ {
		m := g.Next().Bytes
		if i%2 == 1 {
			m = bytes.ReplaceAll(m, []byte("\n"), []byte("\r\n"))
		}
		want = append(want, m)
		img = append(img, sectorPad(append([]byte(nil), m...))...)
		// random cluster between
		img = append(img, synth.Garbage(rand.New(rand.NewPCG(uint64(i), 9)), 1024)...)
	}
	out, probs := carveBytes(t, img, Options{ChunkSize: 4096})
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	if len(out) != len(want) {
		for _, o := range out {
			t.Logf("got %s %s %q", o.m.Chain, o.m.State, o.m.Warnings)
		}
		t.Fatalf("%d messages, want %d", len(out), len(want))
	}
	for i, o := range out {
		if !bytes.Equal(o.bytes, want[i]) {
			t.Errorf("message %d: got %d bytes, want %d (%s, %s, %q)", i, len(o.bytes), len(want[i]), o.m.Chain, o.m.State, o.m.Warnings)
		}
		if o.m.State != formats.Carved {
			t.Errorf("message %d: state %s %q", i, o.m.State, o.m.Warnings)
		}
		if o.m.Method != "carve-message" {
			t.Errorf("method %q", o.m.Method)
		}
	}
}

func TestCarveNoGlue(t *testing.T) {
	g := synth.NewGen(2)
	a, b := g.Next().Bytes, g.Next().Bytes
	// concatenated, no separator: two messages
	img := append(append(append([]byte(nil), a...), '\n'), b...)
	out, _ := carveBytes(t, img, Options{})
	if len(out) != 2 {
		t.Fatalf("%d messages", len(out))
	}
	if !bytes.Equal(out[1].bytes, b) {
		t.Errorf("second message differs")
	}
	if !strings.HasPrefix(string(out[0].bytes), string(a)) {
		t.Errorf("first message differs")
	}
}

// TestCarveUTF16 finds a message stored as UTF-16LE (a memory dump, the
// transport headers of a Unicode store) and gives it decoded to UTF-8.
func TestCarveUTF16(t *testing.T) {
	m := synth.NewGen(5).Next().Bytes
	var u []byte
	for _, r := range string(m) {
		for _, c := range utf16.Encode([]rune{r}) {
			u = append(u, byte(c), byte(c>>8))
		}
	}
	img := append(make([]byte, 4096), u...)
	img = append(img, make([]byte, 4096)...)
	out, _ := carveBytes(t, img, Options{})
	if len(out) != 1 {
		t.Fatalf("%d messages", len(out))
	}
	o := out[0]
	if o.m.Method != "carve-message-utf16le" || o.off != 4096 {
		t.Errorf("method %s at 0x%x", o.m.Method, o.off)
	}
	if !bytes.Equal(o.bytes, m) {
		t.Errorf("decoded %d bytes, want the %d of the message", len(o.bytes), len(m))
	}
}

// TestCarveLongExtensionNames: Exchange Online writes dozens of X- fields
// with names longer than 40 bytes ("X-MS-Exchange-CrossTenant-
// OriginalArrivalTime"); they count as extension fields, not as unknown
// ones, and do not make its notices' headers unconvincing.
func TestCarveLongExtensionNames(t *testing.T) {
	var hdr strings.Builder
	hdr.WriteString("Received: from a.example.com (10.0.0.1) by b.example.com with SMTP; Mon, 21 May 2018 05:08:01 +0000\n")
	for i := range 30 {
		fmt.Fprintf(&hdr, "X-MS-Exchange-Transport-CrossTenantHeadersStamped-%02d: x\n", i)
	}
	for _, f := range []string{"Thread-Topic: hi", "Authentication-Results-Original: none", "Auto-Submitted: auto-replied"} {
		hdr.WriteString(f + "\n")
	}
	hdr.WriteString("From: postmaster@example.com\nTo: a@example.org\nDate: Mon, 21 May 2018 05:08:01 +0000\nSubject: Undeliverable\nMessage-ID: <1@example.com>\n\nbody\n")
	h := DetectHeader([]byte(hdr.String()))
	if h.Ext != 30 || h.Unknown != 2 || !h.Accepts(ctxJunk) {
		t.Errorf("Ext %d, Unknown %d, accepted after junk %v; want 30, 2, true", h.Ext, h.Unknown, h.Accepts(ctxJunk))
	}
}

// TestCarveSectorInsideMessage: two places where a sector boundary falls
// inside one message on something that looks like a header, and no other
// file starts there: a DKIM signature's list of signed fields cut after a
// colon ("h=...:from:" | "to:subject:date"), and the header of a message
// attached as message/rfc822, which must start right after its part
// header.
func TestCarveSectorInsideMessage(t *testing.T) {
	// the attached header starts at the boundary, or its second line does
	for _, lead := range []string{"", "Return-Path: <a@example.org>\n"} {
		head := "Received: from mx.example.com (mx.example.com [192.0.2.1]) by mail.example.org with ESMTP id 1; Mon, 1 Jan 2024 00:00:00 +0000\n"
		dkim := "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; t=1"
		list := ";\n        h=mime-version:message-id:from:"
		dkim += strings.Repeat("0", 1024-len(head)-len(dkim)-len(list)) + list // the list is cut at offset 1024
		first := head + dkim + "to:subject:date;\n        bh=abc=;\n        b=def\n" +
			"Received: from relay.example.com (relay.example.com [192.0.2.2]) by mx.example.com with ESMTP id 2; Mon, 1 Jan 2024 00:00:00 +0000\n" +
			"Return-Path: <>\nFrom: MAILER-DAEMON@example.com\nTo: a@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n" +
			"Subject: Undelivered Mail\nMessage-ID: <b1@example.com>\nMIME-Version: 1.0\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nUser unknown.\n"
		part := "\n--B\nContent-Type: message/rfc822\n\n" + lead
		first += strings.Repeat("x", 2048-len(first)-len(part)) + part // the boundary is at offset 2048
		msg := first + "Received: from client by mx.example.org; Sun, 31 Dec 2023 09:00:00 +0000\n" +
			"From: a@example.org\nTo: gone@example.net\nDate: Sun, 31 Dec 2023 09:00:00 +0000\nSubject: hello\nMessage-ID: <o1@example.org>\n\nhello\n--B--\n"
		if len(head)+len(dkim) != 1024 || !strings.HasSuffix(msg[:2048], "\n"+lead) {
			t.Fatalf("the test message is not laid out as meant")
		}
		img := append(make([]byte, 4096), sectorPad([]byte(msg))...)
		img = append(img, make([]byte, 4096)...)
		out, _ := carveBytes(t, img, Options{})
		if len(out) != 1 || !bytes.Equal(out[0].bytes, []byte(msg)) {
			for _, o := range out {
				t.Logf("got %s %s %q", o.m.Chain, o.m.State, o.m.Warnings)
			}
			t.Errorf("lead %q: %d messages, want the one message whole", lead, len(out))
		}
	}
}

// TestCarveSectorStarts: a file that starts at a sector boundary right
// after a cluster of text (one that does not end with a line break, or
// does), found from its first byte, in the ways real notices begin; and a
// sector boundary that cuts an extension field's name ("X-Apparently-" |
// "From:") or falls in a text/rfc822-headers part starts no file.
func TestCarveSectorStarts(t *testing.T) {
	const hdr = "Date: Thu, 29 Apr 2015 23:34:45 +0900\nSubject: Undeliverable: Nyaan\nMessage-ID: <0000@example.prod.outlook.com>\n\nDelivery has failed.\n"
	text := strings.Repeat("lorem ipsum dolor sit amet\n", 40)[:1024] // no line break at its end
	lines := strings.Repeat("lorem ipsum dolor sit amet\n", 40)[:1024-1] + "\n"
	for _, c := range []struct{ name, before, msg string }{
		{"mbox From line after text", text, "From postmaster@example.com  Thu Apr 29 23:34:45 2015\nFrom: postmaster@example.com\n" + hdr},
		{"Content-Type first, after lines", lines, "Content-Type: text/plain; charset=\"utf-8\"\nMIME-Version: 1.0\nAuto-Submitted: auto-replied\nFrom: Mail Delivery System <Mailer-Daemon@example.ru>\n" + hdr},
		{"Content-Type first, after text", text, "Content-Type: text/plain; charset=\"utf-8\"\nMIME-Version: 1.0\nAuto-Submitted: auto-replied\nFrom: Mail Delivery System <Mailer-Daemon@example.ru>\n" + hdr},
	} {
		img := append([]byte(c.before), sectorPad([]byte(c.msg))...)
		img = append(img, make([]byte, 4096)...)
		out, _ := carveBytes(t, img, Options{})
		want := c.msg
		if strings.HasPrefix(want, "From ") {
			want = want[strings.IndexByte(want, '\n')+1:] // the separator is not the message's
		}
		if len(out) != 1 || string(out[0].bytes) != want {
			for _, o := range out {
				t.Logf("got %s %s %q", o.m.Chain, o.m.State, o.m.Warnings)
			}
			t.Errorf("%s: %d messages, want the one message whole", c.name, len(out))
		}
	}

	// inside one message: an extension name cut at 1024, and the returned
	// header of a text/rfc822-headers part starting at 2048
	head := "Received: from a.example.com (a.example.com [192.0.2.1]) by b.example.com with ESMTP id 1; Sat, 22 Nov 2014 07:23:30 +0900\n" +
		"X-YMail-OSG: "
	cut := "\nX-Apparently-"
	msg := head + strings.Repeat("a", 1024-len(head)-len(cut)) + cut + "From: <s@example.co.jp>\n" +
		"Return-Path: <>\nFrom: MAILER-DAEMON@example.com\nTo: s@example.co.jp\nDate: Sat, 22 Nov 2014 07:23:30 +0900\nSubject: failure\n" +
		"Message-ID: <b2@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n" +
		"--B\nContent-Type: text/plain\n\nUser unknown.\n"
	part := "\n--B\nContent-Type: text/rfc822-headers\n\n"
	msg += strings.Repeat("x", 2048-len(msg)-len(part)) + part +
		"Received: from client by mx.example.org; Sat, 22 Nov 2014 07:00:00 +0900\nFrom: s@example.co.jp\nTo: gone@example.net\nSubject: hi\nMessage-ID: <o2@example.co.jp>\n\n--B--\n"
	if !strings.HasSuffix(msg[:1024], "X-Apparently-") || !strings.HasSuffix(msg[:2048], "\n\n") {
		t.Fatal("the test message is not laid out as meant")
	}
	img := append(make([]byte, 4096), sectorPad([]byte(msg))...)
	img = append(img, make([]byte, 4096)...)
	out, _ := carveBytes(t, img, Options{})
	if len(out) != 1 || string(out[0].bytes) != msg {
		for _, o := range out {
			t.Logf("got %s %s %q", o.m.Chain, o.m.State, o.m.Warnings)
		}
		t.Errorf("%d messages, want the one message whole", len(out))
	}
}
