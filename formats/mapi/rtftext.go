package mapi

// PlainFromRTF renders any RTF document as plain text, for a message
// whose only body is RTF. It is a best effort, not a layout engine: the
// text of the document is kept, in order, and everything else dropped.
//
// Destinations that are not text are skipped (MSFT-RTF 1.9.1): the font,
// color and style tables, \info, \pict and object data, field
// instructions (field results are kept), shape properties, headers and
// footers, and every {\*\...} group, which includes the HTMLTAG groups of
// encapsulated HTML (MS-OXRTFEX), so an encapsulated message gives the
// text of its RTF rendering. \par, \line, \sect, \page and \row become
// CRLF, \tab and \cell a TAB; \'hh, \uN and the character control words
// are decoded as in HTMLFromRTF. \binN data are skipped.
//
// Input that is not RTF at all gives its bytes read as text in
// Windows-1252. Damaged RTF gives what could be read; the work is linear
// in len(rtf) and the result at most three bytes per input byte.
func PlainFromRTF(rtf []byte) string {
	return string(newRTFReader(rtf, rtfModeText).run())
}
