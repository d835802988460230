// Package synth makes mail for tests, demos and benchmarks: realistic
// synthetic messages, mailboxes holding them in each format's layout, and
// the damage that recovered mailboxes show. Everything is deterministic for
// a given seed, so fixtures can be rebuilt byte for byte.
package synth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Message is a generated message.
type Message struct {
	ID      string // Message-ID with angle brackets
	Subject string // decoded subject
	Date    time.Time
	Bytes   []byte // RFC 5322 message, LF line endings
}

var (
	firstNames = []string{"Alice", "Bob", "Carol", "Dmitri", "Eve", "Fatima", "Günter", "Hiroshi", "Ingrid", "José", "Kwame", "Léa", "Mei", "Noor", "Olek", "Priya"}
	lastNames  = []string{"Archer", "Baker", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann", "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "O'Brien", "Petrov"}
	domains    = []string{"example.com", "example.org", "example.net", "mail.example.de", "corp.example.co.uk"}
	topics     = []string{"Quarterly report", "Lunch on Friday?", "Project plan", "Invoice 4471", "Re: budget review", "Fwd: travel itinerary", "Meeting notes", "Server migration", "Über die Zusammenarbeit", "Résumé attached", "Holiday schedule", "Contract draft v3", "Build failure on main", "Photos from the trip"}
	words      = strings.Fields(`the a of to and in that is for it as with was on be at by this had not are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three`)
)

// Gen makes messages from a seeded random source.
type Gen struct {
	rng *rand.Rand
	n   int
	// BigAttachment, if > 0, is the size of an extra base64 attachment put
	// into every tenth message (benchmarks use it to reach realistic sizes).
	BigAttachment int
}

// NewGen returns a generator for the given seed.
func NewGen(seed uint64) *Gen {
	return &Gen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *Gen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

func (g *Gen) person() (name, addr string) {
	f, l := g.pick(firstNames), g.pick(lastNames)
	local := strings.ToLower(strings.NewReplacer("ü", "ue", "é", "e", "'", "", "í", "i", "ö", "oe").Replace(f + "." + l))
	return f + " " + l, local + "@" + g.pick(domains)
}

// encodeWord RFC 2047-encodes s if it is not ASCII.
func encodeWord(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
		}
	}
	return s
}

func addrField(name, addr string) string {
	if strings.ContainsAny(name, "'.,") {
		name = `"` + name + `"`
	}
	return encodeWord(name) + " <" + addr + ">"
}

// paragraph returns a paragraph of words wrapped at about 72 columns.
// Now and then a line starts with "From " (which mbox writers must quote)
// or ">From ".
func (g *Gen) paragraph() string {
	var b strings.Builder
	col := 0
	n := 20 + g.rng.IntN(60)
	for i := 0; i < n; i++ {
		w := g.pick(words)
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
			switch g.rng.IntN(12) {
			case 0:
				w = "From"
			case 1:
				w = ">From"
			}
		}
		if col+len(w)+1 > 72 {
			b.WriteByte('\n')
			col = 0
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	b.WriteString(".\n")
	return b.String()
}

func (g *Gen) body() string {
	var b strings.Builder
	n := 1 + g.rng.IntN(5)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(g.paragraph())
	}
	return b.String()
}

func base64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

// Next returns a new message. Kinds rotate through plain text,
// multipart/alternative, multipart/mixed with an attachment, and a message
// carrying an embedded message/rfc822.
func (g *Gen) Next() Message {
	g.n++
	fromName, from := g.person()
	toName, to := g.person()
	subject := g.pick(topics)
	if g.rng.IntN(3) == 0 {
		subject = fmt.Sprintf("%s (%d)", subject, g.n)
	}
	date := time.Date(2019, 1, 1, 8, 0, 0, 0, time.FixedZone("", (g.rng.IntN(25)-12)*3600)).
		Add(time.Duration(g.n)*7*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second)
	id := fmt.Sprintf("<%d.%08x@%s>", g.n, g.rng.Uint32(), strings.SplitN(from, "@", 2)[1])

	var h strings.Builder
	fmt.Fprintf(&h, "Return-Path: <%s>\n", from)
	fmt.Fprintf(&h, "Received: from mx%d.%s (mx%d.%s [192.0.2.%d])\n\tby mail.%s with ESMTPS id %08X\n\tfor <%s>; %s\n",
		g.n%7, strings.SplitN(from, "@", 2)[1], g.n%7, strings.SplitN(from, "@", 2)[1], g.n%250+1,
		strings.SplitN(to, "@", 2)[1], g.rng.Uint32(), to, date.Add(3*time.Second).Format(time.RFC1123Z))
	fmt.Fprintf(&h, "Date: %s\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&h, "From: %s\n", addrField(fromName, from))
	fmt.Fprintf(&h, "To: %s\n", addrField(toName, to))
	fmt.Fprintf(&h, "Subject: %s\n", encodeWord(subject))
	fmt.Fprintf(&h, "Message-ID: %s\n", id)
	h.WriteString("MIME-Version: 1.0\n")

	var body string
	boundary := fmt.Sprintf("=_part_%d_%08x", g.n, g.rng.Uint32())
	switch g.n % 4 {
	case 1:
		h.WriteString("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n")
		body = g.body()
	case 2:
		text := g.body()
		fmt.Fprintf(&h, "Content-Type: multipart/alternative; boundary=\"%s\"\n", boundary)
		body = fmt.Sprintf("This is a multi-part message in MIME format.\n\n--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n--%s\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>%s</p></body></html>\n\n--%s--\n",
			boundary, text, boundary, strings.ReplaceAll(strings.TrimSpace(text), "\n\n", "</p><p>"), boundary)
	case 3:
		att := make([]byte, 200+g.rng.IntN(3000))
		for i := range att {
			att[i] = byte(g.rng.IntN(256))
		}
		fmt.Fprintf(&h, "Content-Type: multipart/mixed; boundary=\"%s\"\n", boundary)
		body = fmt.Sprintf("--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n--%s\nContent-Type: application/octet-stream; name=\"data-%d.bin\"\nContent-Disposition: attachment; filename=\"data-%d.bin\"\nContent-Transfer-Encoding: base64\n\n%s\n--%s--\n",
			boundary, g.body(), boundary, g.n, g.n, base64Lines(att), boundary)
	default:
		// a forwarded message as message/rfc822: an embedded header block
		// that a splitter must not take for a new message
		inner := fmt.Sprintf("Return-Path: <%s>\nReceived: from relay.%s by mx.%s; %s\nDate: %s\nFrom: %s\nTo: %s\nSubject: %s\nMessage-ID: <inner.%d@%s>\nMIME-Version: 1.0\nContent-Type: text/plain\n\n%s",
			to, domains[0], domains[1], date.Add(-48*time.Hour).Format(time.RFC1123Z), date.Add(-48*time.Hour).Format(time.RFC1123Z),
			addrField(toName, to), addrField(fromName, from), "Original: "+subject, g.n, domains[0], g.body())
		fmt.Fprintf(&h, "Content-Type: multipart/mixed; boundary=\"%s\"\n", boundary)
		body = fmt.Sprintf("--%s\nContent-Type: text/plain; charset=utf-8\n\nForwarding this.\n\n--%s\nContent-Type: message/rfc822\n\n%s\n--%s--\n",
			boundary, boundary, inner, boundary)
	}
	if g.BigAttachment > 0 && g.n%10 == 0 {
		att := make([]byte, g.BigAttachment)
		for i := 0; i+8 <= len(att); i += 8 {
			v := g.rng.Uint64()
			for j := 0; j < 8; j++ {
				att[i+j] = byte(v >> (8 * j))
			}
		}
		b2 := boundary + "_outer"
		inner := h.String()
		// wrap: move the Content-Type of the message into a first part
		i := strings.Index(inner, "Content-Type:")
		outerHead, innerType := inner[:i], inner[i:]
		var ob strings.Builder
		ob.WriteString(outerHead)
		fmt.Fprintf(&ob, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\n%s\n%s\n--%s\nContent-Type: application/octet-stream; name=\"big.bin\"\nContent-Transfer-Encoding: base64\n\n%s\n--%s--\n",
			b2, b2, innerType, body, b2, base64Lines(att), b2)
		return Message{ID: id, Subject: subject, Date: date, Bytes: []byte(ob.String())}
	}
	var out bytes.Buffer
	out.WriteString(h.String())
	out.WriteByte('\n')
	out.WriteString(body)
	return Message{ID: id, Subject: subject, Date: date, Bytes: out.Bytes()}
}
