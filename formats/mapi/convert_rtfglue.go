package mapi

import "errors"

// The RTF functions the converter uses; bound to the real ones in
// rtf*.go once they land. (Temporary: keeps the converter compiling while
// the RTF code is written in parallel.)
var (
	rtfDecompress = func(b []byte) ([]byte, error) { return nil, errors.New("compressed RTF not supported yet") }
	rtfToHTML     = func(rtf []byte) ([]byte, bool) { return nil, false }
	rtfToText     = func(rtf []byte) (string, bool) { return "", false }
	rtfToPlain    = func(rtf []byte) string { return "" }
)
