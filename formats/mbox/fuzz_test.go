package mbox

import (
	"bytes"
	"io"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// FuzzScanner feeds arbitrary bytes to the splitter: it must not panic or
// loop, its spans must tile the input, and every message must read back
// with the announced size.
func FuzzScanner(f *testing.F) {
	f.Add([]byte("From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n\nbody\n>From y\n\nFrom c@d Tue Jan  2 00:00:00 2001\nSubject: y\n\n"))
	f.Add([]byte("Fr\x00m - Mon Jan  1 00:00:00 2001\r\nX-Mozilla-Status: 0009\r\n\r\nhi\r\n"))
	f.Add([]byte("Received: x\nFrom: a\nDate: d\nMessage-ID: <a@b>\n\nbody\n\nReturn-Path: <x>\nReceived: y\nFrom: b\nDate: e\nMessage-ID: <c@d>\n\n"))
	f.Add([]byte("From x Mon Jan  1 00:00:00 2001\nContent-Length: 5\n\nFrom \n\nFrom y Mon Jan  1 00:00:00 2001\nA: b\n\n"))
	f.Add([]byte("\x00\x00\x00\x00\x00From - Mon Jan  1 00:00:00 2001\nA: b\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAccounting(t, data)
		rd := NewReader(bytes.NewReader(data), int64(len(data)))
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatalf("more messages than bytes")
			}
			m, err := rd.Next()
			if m != nil {
				rc, _ := m.Open()
				b, err := io.ReadAll(rc)
				if err != nil || int64(len(b)) != m.Size {
					t.Fatalf("message %s: read %d bytes (%v), Size %d", m.Chain, len(b), err, m.Size)
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				if _, ok := err.(*formats.Problem); !ok {
					t.Fatalf("fatal error on in-memory input: %v", err)
				}
			}
		}
	})
}
