package mapi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf8"
)

// Seeds are in testdata/fuzz/<target>/: the MS-OXRTFCP examples, stored,
// cut and bomb streams, and small RTF documents written for the tests.

func FuzzDecompressRTF(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := DecompressRTF(b)
		if err != nil {
			var re *RTFError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v is not an *RTFError", err, err)
			}
			if !errors.Is(err, ErrRTFFormat) && !errors.Is(err, ErrRTFCRC) && !errors.Is(err, ErrRTFTruncated) && !errors.Is(err, ErrRTFTooLarge) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			if errors.Is(err, ErrRTFFormat) && out != nil {
				t.Fatalf("format error with %d bytes of output", len(out))
			}
		}
		if len(b) >= 16 {
			raw := int64(binary.LittleEndian.Uint32(b[4:]))
			if int64(len(out)) > raw || len(out) > MaxRTFSize {
				t.Fatalf("%d bytes out, RAWSIZE %d", len(out), raw)
			}
		}
		// Any bytes compress and decompress back.
		if len(b) <= 256 {
			back, err := DecompressRTF(compressRTFForTest(b))
			if err != nil || !bytes.Equal(back, b) {
				t.Fatalf("round trip: %q, %v", back, err)
			}
		}
	})
}

func FuzzHTMLFromRTF(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		html, ok := HTMLFromRTF(b)
		if !ok && html != nil {
			t.Fatal("html without ok")
		}
		checkRTFOutput(t, b, html)
		text, _ := TextFromRTF(b)
		checkRTFOutput(t, b, []byte(text))
	})
}

func FuzzPlainFromRTF(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRTFOutput(t, b, []byte(PlainFromRTF(b)))
	})
}

// checkRTFOutput checks what any RTF reading promises: UTF-8, and at
// most three bytes out per byte in (a Windows-1252 byte can become a
// three-byte character).
func checkRTFOutput(t *testing.T, in, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("output is not UTF-8: %q", out)
	}
	if len(out) > 3*len(in)+16 {
		t.Fatalf("%d bytes out of %d in", len(out), len(in))
	}
}
