package mapi

import (
	"fmt"
	"io"
)

// convert is a placeholder until the full converter lands: subject and
// plain body only.
func convert(w io.Writer, m *Message, opt Options) (Report, error) {
	if m.Props.Len() == 0 {
		return Report{}, ErrNoContent
	}
	_, err := fmt.Fprintf(w, "Subject: %s\r\n\r\n%s\r\n", m.Props.Str(PidTagSubject), m.Props.Str(PidTagBody))
	return Report{}, err
}
