package carve

import (
	"fmt"
	"io"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/eml"
	"github.com/mailsalvage/mailsalvage/formats/mbox"

	// the .msg, PST and dbx readers are reached through the registry
	_ "github.com/mailsalvage/mailsalvage/formats/dbx"
	_ "github.com/mailsalvage/mailsalvage/formats/msg"
	_ "github.com/mailsalvage/mailsalvage/formats/pst"
)

// folderOf names the folder the messages of a carved container go to:
// the format and where it was found.
func folderOf(it *item) string { return fmt.Sprintf("%s@0x%x", it.kind, it.start) }

// open hands a carved container to its format's reader through a section
// of the image.
func (c *Carver) open(it *item) (formats.Source, error) {
	size := it.end - it.start
	sr := io.NewSectionReader(c.r, it.start, size)
	head := make([]byte, min(size, formats.HeadSize))
	if _, err := sr.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	probe := &formats.Probe{Path: folderOf(it) + "." + it.kind.String(), Head: head}
	switch it.kind {
	case kindMbox:
		rd := mbox.NewReader(sr, size)
		rd.Folder = []string{folderOf(it)}
		return rd, nil
	case kindEMLX:
		return eml.OpenEMLX(sr, size, nil)
	case kindMsg, kindPST, kindDBX:
		f, ok := formats.Lookup(it.kind.String())
		if !ok {
			return nil, fmt.Errorf("no %s reader in this build", it.kind)
		}
		return f.OpenFile(sr, size, probe)
	}
	return nil, fmt.Errorf("unknown container kind %d", it.kind)
}

// adopt makes a message read from a carved container a carved message:
// the image hop first in its chain, the method carve-<format> (the
// reader's own in attrs), Intact turned into Carved. A message its
// container flags deleted stays Deleted, and orphaned PST items stay
// Orphaned: that is what the container says about them.
func (c *Carver) adopt(m *formats.Message, it *item) {
	hop := formats.Span("image", it.start, it.end-it.start, it.kind.String())
	m.Chain = append(formats.Chain{hop}, m.Chain...)
	if m.Method != "" {
		m.SetAttr("carve_reader_method", m.Method)
	}
	m.Method = "carve-" + it.kind.String()
	if m.State == formats.Intact {
		m.State = formats.Carved
	}
	switch it.kind {
	case kindEMLX, kindMsg:
		if len(m.Folder) == 0 {
			m.Folder = nil
		}
	}
	m.SetAttr("carve_container_end", it.how)
}
