package export

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
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
// container with no contiguous bytes (a PST node) has no byte_runs but an
// ms:container element with the container's img_offset and len. A
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
	file *atomicFile
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
	fmt.Fprintf(w, "%s<%s", strings.Repeat(" ", indent), name)
	for i := 0; i+1 < len(attrs); i += 2 {
		fmt.Fprintf(w, " %s=\"", attrs[i])
		xml.EscapeText(w, []byte(attrs[i+1]))
		io.WriteString(w, "\"")
	}
	io.WriteString(w, ">")
	xml.EscapeText(w, []byte(text))
	fmt.Fprintf(w, "</%s>\n", name)
}

func (d *dfxmlWriter) add(l *ProvLine) error {
	r := &l.Record
	w := d.file.w
	w.WriteString("  <fileobject>\n")
	element(w, 4, "filename", r.File)
	fmt.Fprintf(w, "    <filesize>%d</filesize>\n", r.Size)
	loc, located := Locate(r)
	if located && loc.Whole {
		w.WriteString("    <byte_runs>\n")
		var fo int64
		for _, e := range loc.Runs {
			if loc.Decoded != "" {
				fmt.Fprintf(w, "      <byte_run img_offset=\"%d\" len=\"%d\" ms:decoded=\"%s\"/>\n", e.Off, e.Len, loc.Decoded)
				continue
			}
			fmt.Fprintf(w, "      <byte_run file_offset=\"%d\" img_offset=\"%d\" len=\"%d\"/>\n", fo, e.Off, e.Len)
			fo += e.Len
		}
		w.WriteString("    </byte_runs>\n")
	}
	if r.MD5 != "" {
		element(w, 4, "hashdigest", r.MD5, "type", "md5")
	}
	if r.SHA256 != "" {
		element(w, 4, "hashdigest", r.SHA256, "type", "sha256")
	}
	if r.Source.SHA256 != "" {
		element(w, 4, "ms:evidence", r.Source.Path, "sha256", r.Source.SHA256)
	} else {
		element(w, 4, "ms:evidence", r.Source.Path)
	}
	if located && !loc.Whole {
		// the message lies in a container with no single byte range for
		// it (a PST node): say where the container is
		e := loc.Runs[0]
		element(w, 4, "ms:container", r.Chain[min(1, len(r.Chain)-1)].Format,
			"img_offset", strconv.FormatInt(e.Off, 10), "len", strconv.FormatInt(e.Len, 10))
	}
	element(w, 4, "ms:state", string(r.State))
	if r.Duplicate {
		element(w, 4, "ms:duplicate", "1")
	}
	element(w, 4, "ms:method", r.Method)
	element(w, 4, "ms:chain", r.Chain.String())
	if r.Folder != "" {
		element(w, 4, "ms:folder", r.Folder)
	}
	for _, f := range [][2]string{{"message_id", r.MessageID}, {"date", r.Date}, {"from", r.From}, {"to", r.To}, {"subject", r.Subject}} {
		if f[1] != "" {
			element(w, 4, "ms:"+f[0], f[1])
		}
	}
	for _, b := range bounceText(l.Bounce) {
		element(w, 4, "ms:bounce", b)
	}
	for _, wn := range r.Warnings {
		element(w, 4, "ms:warning", wn)
	}
	w.WriteString("  </fileobject>\n")
	return nil
}

func (d *dfxmlWriter) finish() error {
	d.file.w.WriteString("</dfxml>\n")
	return d.file.commit()
}

func (d *dfxmlWriter) abort() { d.file.abort() }
