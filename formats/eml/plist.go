package eml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// PlistEntry is one key of the property list that ends an .emlx file.
// Kind is the XML element of the value as the Apple property list DTD
// names it: "integer", "real", "string", "date", "data", "true", "false",
// or "dict" and "array", whose contents are not kept. Text is the
// character data of scalar values, white space trimmed.
type PlistEntry struct {
	Key  string
	Kind string
	Text string
}

// Bounds on what ReadPlist keeps: Apple Mail writes a handful of keys with
// short values.
const (
	maxPlistEntries = 256
	maxPlistText    = 4 << 10
)

// ErrNoDict is returned by ReadPlist for input without a <dict> element.
var ErrNoDict = errors.New("no <dict> in the property list")

// ReadPlist reads the top-level dictionary of an XML property list (the
// Apple plist DTD, version 1.0) in order, as far as it can: malformed XML
// ends the reading with an error, and the entries read until then are
// returned with it. Nested dictionaries and arrays are skipped; values are
// cut at 4 KiB and at most 256 entries are kept.
func ReadPlist(r io.Reader) ([]PlistEntry, error) {
	d := xml.NewDecoder(r)
	d.Strict = false
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) { return in, nil }
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, ErrNoDict
		}
		if err != nil {
			return nil, plistError(d, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "dict" {
			break
		}
	}
	var out []PlistEntry
	key, haveKey := "", false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, fmt.Errorf("property list ends inside its <dict>")
		}
		if err != nil {
			return out, plistError(d, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "dict" {
				return out, nil
			}
		case xml.StartElement:
			kind := t.Name.Local
			switch kind {
			case "key":
				text, err := readText(d)
				if err != nil {
					return out, plistError(d, err)
				}
				key, haveKey = text, true
				continue
			case "dict", "array":
				if err := d.Skip(); err != nil {
					return out, plistError(d, err)
				}
				if haveKey && len(out) < maxPlistEntries {
					out = append(out, PlistEntry{Key: key, Kind: kind})
				}
			default:
				text, err := readText(d)
				if err != nil {
					return out, plistError(d, err)
				}
				if haveKey && len(out) < maxPlistEntries {
					out = append(out, PlistEntry{Key: key, Kind: kind, Text: text})
				}
			}
			haveKey = false
		}
	}
}

// readText returns the character data up to the end of the element just
// started, skipping nested elements.
func readText(d *xml.Decoder) (string, error) {
	var b strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return "", io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if depth == 0 && b.Len() < maxPlistText {
				b.Write(t[:min(len(t), maxPlistText-b.Len())])
			}
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return strings.ToValidUTF8(strings.TrimSpace(b.String()), "\uFFFD"), nil
			}
			depth--
		}
	}
}

func plistError(d *xml.Decoder, err error) error {
	return fmt.Errorf("property list byte %d: %w", d.InputOffset(), err)
}
