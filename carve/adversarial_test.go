package carve

import (
	"bytes"
	"strings"
	"testing"
)

// TestCarveAdversarial carves inputs made to hit the costly paths (long
// runs of field lines with and without empty lines, From lines, colons,
// open multiparts, long lines, NULs everywhere): each must finish, and
// every loose message must be the input's bytes at its offset. Paths that
// were quadratic (a NUL search per message, a header detection per sector
// of a long field block) are linear now; bench numbers are not asserted.
func TestCarveAdversarial(t *testing.T) {
	hdr := "Received: from a by b; Mon, 1 Jan 2001 00:00:00 +0000\nFrom: a@b.example\nMessage-ID: <1@b.example>\nDate: Mon, 1 Jan 2001 00:00:00 +0000\n"
	n := 1 << 20
	if testing.Short() {
		n = 128 << 10
	}
	rep := func(s string) []byte { return []byte(strings.Repeat(s, n/len(s)+1)[:n]) }
	cases := map[string][]byte{
		"subjects":      rep("Subject: x\n"),
		"headers":       rep(hdr),
		"headers-blank": rep(hdr + "\n"),
		"from-lines":    rep("From a@b Mon Jan  1 00:00:00 2001\n"),
		"mbox-tiny":     rep("From a@b Mon Jan  1 00:00:00 2001\n" + hdr + "\nx\n"),
		"colons":        rep(":"),
		"x-colons":      rep("X-a:"),
		"multipart":     append([]byte(hdr+"Content-Type: multipart/mixed; boundary=b\n\n"), rep("--b\nContent-Type: text/plain\n\n"+hdr+"\n")...),
		"base64":        append([]byte(hdr+"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\n"), rep(strings.Repeat("A", 76)+"\n")...),
		"long-line":     append([]byte(hdr+"\n"), rep("a")...),
		"nul-mix":       rep(hdr + "\x00"),
		"crlf-mix":      rep(strings.ReplaceAll(hdr, "\n", "\r\n") + "\r\nbody\n"),
	}
	for name, b := range cases {
		for _, opt := range []Options{{}, {ChunkSize: 64 << 10}} {
			out, _ := carveBytes(t, b, opt)
			for _, o := range out {
				if o.m.Method == "carve-message" && (o.off < 0 || o.off+o.n > int64(len(b)) || !bytes.Equal(o.bytes, b[o.off:o.off+o.n])) {
					t.Fatalf("%s: message %s is not the input's bytes", name, o.m.Chain)
				}
			}
			t.Logf("%s (chunk %d): %d bytes, %d messages", name, opt.ChunkSize, len(b), len(out))
		}
	}
}
