package tnef

import (
	"bytes"
	"fmt"
	"io"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// A winmail.dat saved on its own is an input like any mailbox: one
// message, converted through mapi.
func init() {
	formats.Register(formats.Format{
		Name: "tnef",
		Match: func(p *formats.Probe) int {
			if IsTNEF(p.Head) {
				return 90
			}
			return 0
		},
		OpenFile: openFile,
	})
}

func openFile(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	if size > MaxSize {
		return nil, ErrTooLarge
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil, err
	}
	m, err := Decode(b)
	if m == nil {
		return nil, err
	}
	fm := &formats.Message{
		Size:   -1,
		State:  formats.Intact,
		Method: "tnef",
		Chain:  formats.Chain{formats.Span("tnef", 0, size, m.Class())},
	}
	fm.Warnings = append(fm.Warnings, m.Warnings...)
	if err != nil {
		fm.State = formats.Partial
		fm.Warnf("TNEF stream damaged: %v", err)
	}
	var buf bytes.Buffer
	rep, cerr := mapi.Convert(&buf, m, mapi.Options{})
	if cerr != nil {
		return nil, fmt.Errorf("converting the TNEF message: %w", cerr)
	}
	fm.Warnings = append(fm.Warnings, rep.Warnings...)
	fm.SetAttr("tnef_class", m.Class())
	out := buf.Bytes()
	fm.Size = int64(len(out))
	fm.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(out)), nil }
	return formats.One(fm), nil
}
