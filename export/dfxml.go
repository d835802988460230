package export

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DFXML (Digital Forensics XML, the format fiwalk, bulk_extractor and
// PhotoRec write) of a run: one fileobject per provenance line, with the
// .eml's name, size and hashes, and byte_runs where the provenance chain
// locates the message's bytes in the evidence file. Elements DFXML has no
// name for (the evidence file, state, method, chain, message header
// fields) are in the mailsalvage namespace, which the DFXML schema allows
// in a fileobject after its own elements.
//
// The byte_runs' img_offset is an offset in the evidence file named by
// ms:evidence: for a disk image it is the offset in the image, for an
// mbox the offset in the mbox. A message whose chain goes through a
// container with no contiguous bytes for it (a PST node; a gzip file or a
// deflated zip member, whose later offsets are in the decompressed data)
// has no byte_runs but an ms:container element with the container's
// format, img_offset and len. A
// message decoded from its bytes (UTF-16 text carved from an image)
// has a byte_run without file_offset and an ms:decoded attribute, since
// the file is not a copy of those bytes.

const (
	dfxmlNS       = "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
	dfxmlVersion  = "2.0.0-beta.0" // the schema version it is tested against
	mailsalvageNS = "https://github.com/mailsalvage/mailsalvage/dfxml"
	dcNS          = "http://purl.org/dc/elements/1.1/"
)

type dfxmlWriter struct {
	file  *atomicFile
	buf   []byte // the fileobject being written
	chain []byte
}

func newDFXMLWriter(out string, sum *Summary) (*dfxmlWriter, error) {
	f, err := createAtomic(filepath.Join(out, DFXMLFile))
	if err != nil {
		return nil, err
	}
	d := &dfxmlWriter{file: f}
	w := f.w
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dfxml xmlns=%q xmlns:dc=%q xmlns:ms=%q version=%q>\n",
		dfxmlNS, dcNS, mailsalvageNS, dfxmlVersion)
	w.WriteString("  <metadata>\n    <dc:type>Recovered email messages</dc:type>\n  </metadata>\n")
	w.WriteString("  <creator>\n")
	tool := sum.Tool
	if tool == "" {
		tool = "mailsalvage"
	}
	element(w, 4, "program", tool)
	if sum.Version != "" {
		element(w, 4, "version", sum.Version)
	}
	if len(sum.Args) > 0 || sum.Started != "" {
		w.WriteString("    <execution_environment>\n")
		if len(sum.Args) > 0 {
			element(w, 6, "command_line", tool+" "+strings.Join(sum.Args, " "))
		}
		if sum.Started != "" {
			element(w, 6, "start_time", sum.Started)
		}
		w.WriteString("    </execution_environment>\n")
	}
	w.WriteString("  </creator>\n")
	if len(sum.Inputs) > 0 {
		w.WriteString("  <source>\n")
		for _, in := range sum.Inputs {
			element(w, 4, "image_filename", in.Path)
		}
		w.WriteString("  </source>\n")
	}
	return d, nil
}

// element writes <name>text</name> on its own line.
func element(w io.Writer, indent int, name, text string, attrs ...string) {
	w.Write(appendElement(nil, indent, name, text, attrs...))
}

// appendElement appends <name attr="value"...>text</name> on its own
// line, text and values escaped as xml.EscapeText does.
func appendElement(dst []byte, indent int, name, text string, attrs ...string) []byte {
	dst = append(dst, spaces[:indent]...)
	dst = append(dst, '<')
	dst = append(dst, name...)
	for i := 0; i+1 < len(attrs); i += 2 {
		dst = append(dst, ' ')
		dst = append(dst, attrs[i]...)
		dst = append(dst, '=', '"')
		dst = appendXMLText(dst, attrs[i+1])
		dst = append(dst, '"')
	}
	dst = append(dst, '>')
	dst = appendXMLText(dst, text)
	dst = append(dst, '<', '/')
	dst = append(dst, name...)
	return append(dst, '>', '\n')
}

const spaces = "                "

// appendXMLText appends s escaped as xml.EscapeText writes it.
func appendXMLText(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			var esc string
			switch b {
			case '"':
				esc = "&#34;"
			case '\'':
				esc = "&#39;"
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '\t':
				esc = "&#x9;"
			case '\n':
				esc = "&#xA;"
			case '\r':
				esc = "&#xD;"
			default:
				if b >= 0x20 {
					i++
					continue
				}
				esc = "\uFFFD"
			}
			dst = append(dst, s[last:i]...)
			dst = append(dst, esc...)
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if !xmlChar(r) || r == utf8.RuneError && n == 1 {
			dst = append(dst, s[last:i-n]...)
			dst = append(dst, "\uFFFD"...)
			last = i
		}
	}
	return append(dst, s[last:]...)
}

// xmlChar reports whether r is in XML's Char production (for r >= 0x80).
func xmlChar(r rune) bool {
	return r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

func (d *dfxmlWriter) add(l *ProvLine) error {
	r := &l.Record
	b := append(d.buf[:0], "  <fileobject>\n"...)
	b = appendElement(b, 4, "filename", r.File)
	b = append(b, "    <filesize>"...)
	b = appendInt(b, r.Size)
	b = append(b, "</filesize>\n"...)
	loc, located := Locate(r)
	if located && loc.Whole {
		b = append(b, "    <byte_runs>\n"...)
		var fo int64
		for _, e := range loc.Runs {
			if loc.Decoded != "" {
				b = append(b, `      <byte_run img_offset="`...)
				b = appendInt(b, e.Off)
				b = append(b, `" len="`...)
				b = appendInt(b, e.Len)
				b = append(b, `" ms:decoded="`...)
				b = append(b, loc.Decoded...) // a name from decodeHops
				b = append(b, "\"/>\n"...)
				continue
			}
			b = append(b, `      <byte_run file_offset="`...)
			b = appendInt(b, fo)
			b = append(b, `" img_offset="`...)
			b = appendInt(b, e.Off)
			b = append(b, `" len="`...)
			b = appendInt(b, e.Len)
			b = append(b, "\"/>\n"...)
			fo += e.Len
		}
		b = append(b, "    </byte_runs>\n"...)
	}
	if r.MD5 != "" {
		b = appendElement(b, 4, "hashdigest", r.MD5, "type", "md5")
	}
	if r.SHA256 != "" {
		b = appendElement(b, 4, "hashdigest", r.SHA256, "type", "sha256")
	}
	if r.Source.SHA256 != "" {
		b = appendElement(b, 4, "ms:evidence", r.Source.Path, "sha256", r.Source.SHA256)
	} else {
		b = appendElement(b, 4, "ms:evidence", r.Source.Path)
	}
	if located && !loc.Whole {
		// the message lies in a container with no single byte range for
		// it (a PST node, a compressed file): say where the container is
		e := loc.Runs[0]
		b = appendElement(b, 4, "ms:container", loc.Container,
			"img_offset", strconv.FormatInt(e.Off, 10), "len", strconv.FormatInt(e.Len, 10))
	}
	b = appendElement(b, 4, "ms:state", string(r.State))
	if r.Duplicate {
		b = appendElement(b, 4, "ms:duplicate", "1")
	}
	b = appendElement(b, 4, "ms:method", r.Method)
	d.chain = appendChainText(d.chain[:0], r.Chain)
	b = appendElement(b, 4, "ms:chain", string(d.chain))
	if r.Folder != "" {
		b = appendElement(b, 4, "ms:folder", r.Folder)
	}
	for _, f := range [...]struct{ name, v string }{{"ms:message_id", r.MessageID}, {"ms:date", r.Date}, {"ms:from", r.From}, {"ms:to", r.To}, {"ms:subject", r.Subject}} {
		if f.v != "" {
			b = appendElement(b, 4, f.name, f.v)
		}
	}
	for _, bt := range bounceText(l.Bounce) {
		b = appendElement(b, 4, "ms:bounce", bt)
	}
	for _, wn := range r.Warnings {
		b = appendElement(b, 4, "ms:warning", wn)
	}
	b = append(b, "  </fileobject>\n"...)
	d.buf = b
	_, err := d.file.w.Write(b)
	return err
}

func (d *dfxmlWriter) finish() error {
	d.file.w.WriteString("</dfxml>\n")
	return d.file.commit()
}

func (d *dfxmlWriter) abort() { d.file.abort() }
