package bounce

import (
	"bytes"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// maxPartText bounds the decoded text kept from one MIME part: a notice's
// human-readable text is a few KiB; anything more is an attached original.
const maxPartText = 256 << 10

// part is one leaf entity of the notice, decoded.
type part struct {
	mediaType string // lower case, "text/plain" when absent
	params    map[string]string
	text      string // decoded to UTF-8 (bounded by maxPartText)
	inOrig    bool   // inside or after the returned original message
}

// mediaTypeOf returns the lower-case media type and parameters of a header.
func mediaTypeOf(h rfc5322.Header) (string, map[string]string) {
	v, ok := h.Get("Content-Type")
	if !ok {
		return "text/plain", nil
	}
	s := rfc5322.Text(v)
	mt, params, err := mime.ParseMediaType(s)
	if err != nil {
		// tolerate broken parameter lists: keep the type, search charset by hand
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(s, ";", 2)[0]))
		if f := strings.Fields(mt); len(f) > 0 {
			mt = f[0] // "text/plain charset=..." (a fold without its ";")
		}
		params = map[string]string{}
		if m := charsetParam.FindStringSubmatch(s); m != nil {
			params["charset"] = m[1]
		}
	}
	if mt == "" {
		mt = "text/plain"
	}
	return mt, params
}

var charsetParam = lazyRegexp(`(?i)charset\s*=\s*"?([A-Za-z0-9_.:-]+)`)

// leaves returns the leaf parts of msg in order, decoded, with the parts
// of and after a returned original (message/rfc822, text/rfc822-headers)
// marked.
func leaves(msg []byte) (rfc5322.Header, []part) {
	var top rfc5322.Header
	var out []part
	orig := false
	rfc5322.Entities(msg, func(e rfc5322.Entity) bool {
		if e.Depth == 0 {
			top = e.Header
		}
		mt, params := mediaTypeOf(e.Header)
		if strings.HasPrefix(mt, "multipart/") && rfc5322.Boundary(e.Header) != "" {
			return true
		}
		if _, typed := e.Header.Get("Content-Type"); !typed && e.Depth > 0 && looksLikeMessageHeader(e.Header) {
			// a part without Content-Type that starts with a message's
			// header: the returned original, pasted in without its type
			mt = "message/rfc822"
		}
		if mt == "message/rfc822" || mt == "text/rfc822-headers" || mt == "message/global" ||
			mt == "message/global-headers" || mt == "message/partial" {
			orig = true
		}
		body := msg[e.BodyStart:e.End]
		if strings.HasPrefix(mt, "multipart/") {
			// its boundary is lost (a broken fold): read it as text
			mt = "text/plain"
		}
		p := part{mediaType: mt, params: params, inOrig: orig}
		if strings.HasPrefix(mt, "text/") || strings.HasPrefix(mt, "message/") {
			p.text = decodeBody(e.Header, body, params["charset"])
		}
		out = append(out, p)
		return len(out) < 256
	})
	return top, out
}

// looksLikeMessageHeader reports whether a part's header is a message's
// (trace or origin fields) rather than a MIME part's.
func looksLikeMessageHeader(h rfc5322.Header) bool {
	n := 0
	for _, f := range []string{"Received", "Return-Path", "Message-ID", "From", "Subject", "Date"} {
		if _, ok := h.Get(f); ok {
			n++
		}
	}
	return n >= 2
}

// decodeBody undoes the transfer encoding and the charset of one body.
func decodeBody(h rfc5322.Header, body []byte, cs string) string {
	if len(body) > 4*maxPartText {
		body = body[:4*maxPartText]
	}
	if v, ok := h.Get("Content-Transfer-Encoding"); ok {
		if b, ok := rfc5322.DecodeTransfer(rfc5322.Text(v), body); ok {
			body = b
		}
	}
	return toUTF8(body, cs)
}

// toUTF8 converts text in charset cs (or sniffed, when cs is empty or
// unknown) to valid UTF-8.
func toUTF8(b []byte, cs string) string {
	if len(b) > maxPartText {
		// cut between characters: UTF-8 cut inside one is not valid
		// UTF-8 any more, and would be sniffed for another charset
		n := maxPartText
		for n > maxPartText-utf8.UTFMax && !utf8.RuneStart(b[n]) {
			n--
		}
		b = b[:n]
	}
	cs = strings.ToLower(strings.TrimSpace(cs))
	if (strings.HasPrefix(cs, "iso-2022") || cs == "us-ascii" || cs == "ascii") && has8bit(b) {
		// a 7-bit charset declared over 8-bit bytes: the label is wrong
		// (Japanese carriers send EUC-JP or UTF-8 labelled ISO-2022-JP)
		cs = ""
	}
	if cs == "" || cs == "us-ascii" || cs == "utf-8" || cs == "utf8" {
		if utf8.Valid(b) && !bytes.Contains(b, []byte("\x1b$")) {
			return string(b)
		}
		cs = sniffCharset(b)
	}
	if cs != "" && cs != "utf-8" {
		if r, err := charset.Reader(cs, bytes.NewReader(b)); err == nil {
			if d, err := io.ReadAll(io.LimitReader(r, 2*maxPartText)); err == nil || len(d) > 0 {
				return strings.ToValidUTF8(string(d), "\uFFFD")
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if d, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
		return string(d)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// sniffCharset guesses the charset of undeclared 8-bit or escaped text:
// ISO-2022-JP by its escapes, UTF-8 when valid, Shift_JIS or EUC-JP by
// their byte patterns (Japanese carriers often omit the declaration),
// else Windows-1252.
func sniffCharset(b []byte) string {
	if bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) || bytes.Contains(b, []byte("\x1b(J")) {
		return "iso-2022-jp"
	}
	if utf8.Valid(b) {
		return "utf-8"
	}
	sjis, euc := 0, 0
	for i := 0; i+1 < len(b); i++ {
		c, d := b[i], b[i+1]
		if c < 0x80 {
			continue
		}
		if (c >= 0x81 && c <= 0x9f || c >= 0xe0 && c <= 0xef) && (d >= 0x40 && d <= 0xfc && d != 0x7f) {
			sjis++
		}
		if c >= 0xa1 && c <= 0xfe && d >= 0xa1 && d <= 0xfe {
			euc++
		}
		i++
	}
	switch {
	case sjis > 0 && sjis >= euc:
		return "shift_jis"
	case euc > 0:
		return "euc-jp"
	}
	return "windows-1252"
}

var (
	htmlBreak = lazyRegexp(`(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6]|p|div|tr|li)\b[^>]*>`)
	htmlDrop  = lazyRegexp(`(?is)<\s*(style|script|head)\b.*?<\s*/\s*(style|script|head)\s*>`)
	htmlTag   = lazyRegexp(`(?s)<[^>]{0,1000}>`)
	htmlSpace = lazyRegexp(`[ \t]+`)
)

// htmlText turns an HTML body into plain lines, well enough to read the
// diagnostics in it.
func htmlText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ", "&#160;", " ")
	s = r.Replace(s)
	return htmlSpace.ReplaceAllString(s, " ")
}
