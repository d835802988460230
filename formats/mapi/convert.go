package mapi

import (
	"errors"
	"io"
)

// Options shape Convert.
type Options struct {
	// MaxDepth bounds the nesting of embedded messages (default 32);
	// deeper ones are attached as they are, with a warning.
	MaxDepth int
}

// Report says what Convert did that an examiner should know: properties
// that were missing or damaged, bodies that were rebuilt.
type Report struct {
	Warnings []string
}

// ErrNoContent is returned by Convert for a message with no properties at
// all.
var ErrNoContent = errors.New("mapi: message has no properties")

// Convert writes m as an RFC 5322 message to w.
func Convert(w io.Writer, m *Message, opt Options) (Report, error) {
	return convert(w, m, opt)
}
