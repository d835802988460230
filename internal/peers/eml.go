package peers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// ParseEML reads an RFC 5322 message (an .eml file from mailsalvage or
// readpst) into the common form: Message-ID, subject (RFC 2047 decoded),
// From, Sender, To/Cc/Bcc, Date, and the attachments — every leaf part
// with a file name or an attachment disposition, with the size and
// SHA-256 of its bytes after the transfer encoding is undone (never
// converted to another charset), and every message/rfc822 part as an
// embedded item. The error reports a MIME structure that could not be
// walked to the end; what was read is returned with it.
func ParseEML(b []byte) (*Item, error) {
	return parseEML(b, 0)
}

func parseEML(b []byte, depth int) (*Item, error) {
	head, body := splitHeader(b)
	h := parseHeader(string(head))
	it := &Item{
		Kind:             "eml",
		MessageID:        h.messageID(),
		Subject:          h.subject(),
		Date:             h.date(),
		Headers:          string(head),
		RecipientsKnown:  true,
		AttachmentsKnown: true,
	}
	if a := h.addresses("From"); len(a) > 0 {
		it.From = a[0]
	}
	if a := h.addresses("Sender"); len(a) > 0 {
		it.Sender = a[0]
	}
	for _, k := range []string{"To", "Cc", "Bcc"} {
		for _, a := range h.addresses(k) {
			it.Recipients = append(it.Recipients, Recipient{Address: a, Kind: k})
		}
	}
	err := walkParts(h, bytes.NewReader(body), it, depth)
	return it, err
}

// splitHeader splits a message at the empty line ending its header.
func splitHeader(b []byte) (head, body []byte) {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return b, nil
		}
		line := b[i : i+j]
		if len(bytes.TrimRight(line, "\r")) == 0 {
			return b[:i], b[i+j+1:]
		}
		i += j + 1
	}
	return b, nil
}

var nameParam = regexp.MustCompile(`(?i)(?:^|;)\s*(?:file)?name\*?\s*=\s*"?([^";]+)`)

// walkParts adds the attachments of the entity with header h and body r
// to it.
func walkParts(h header, r io.Reader, it *Item, depth int) error {
	if depth > 20 {
		return nil
	}
	mh := h.mail.Header
	mt, params, err := mh.ContentType()
	if err != nil {
		mt, params = fallbackMediaType(h.get("Content-Type"))
	}
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := textproto.NewMultipartReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			ph := header{mail: gomail.Header{Header: message.Header{Header: p.Header}}}
			if err := walkParts(ph, p, it, depth+1); err != nil {
				return err
			}
		}
	}
	disp, dparams, err := mh.ContentDisposition()
	if err != nil {
		disp, dparams = fallbackMediaType(h.get("Content-Disposition"))
	}
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if strings.Contains(name, "=?") {
		name = decodeWords(name)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	data, _ = rfc5322.DecodeTransfer(h.get("Content-Transfer-Encoding"), data)
	sum := sha256.Sum256(data)
	a := &Attachment{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Type: mt}
	switch {
	case mt == "message/rfc822":
		emb, _ := parseEML(data, depth+1)
		a.Embedded = emb
	case name == "" && disp != "attachment":
		return nil // a body part
	}
	it.Attachments = append(it.Attachments, a)
	return nil
}

// fallbackMediaType reads "type/sub; name=..." that mime.ParseMediaType
// refuses (unquoted spaces, duplicate parameters).
func fallbackMediaType(v string) (string, map[string]string) {
	mt, rest, _ := strings.Cut(v, ";")
	params := map[string]string{}
	if m := nameParam.FindStringSubmatch(";" + rest); m != nil {
		params["name"] = strings.TrimSpace(m[1])
		params["filename"] = params["name"]
	}
	if i := strings.Index(strings.ToLower(rest), "boundary="); i >= 0 {
		b := strings.TrimPrefix(rest[i+len("boundary="):], `"`)
		if j := strings.IndexAny(b, `";`); j >= 0 {
			b = b[:j]
		}
		params["boundary"] = strings.TrimSpace(b)
	}
	return strings.ToLower(strings.TrimSpace(mt)), params
}
