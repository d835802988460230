package eml

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	sharedcorpus "github.com/mailsalvage/mailsalvage/internal/corpus"
)

// FuzzPlist reads arbitrary bytes as the property list that ends an
// .emlx: no panic, and the bounds of ReadPlist hold (at most
// maxPlistEntries entries, values cut at maxPlistText bytes). Seeds: the
// ones below and, when the corpus is present (internal/corpus Root), the
// property lists that end real .emlx files of its emlx folder (from
// "<?xml" to the end), read at run time: terhechte-emlx__1.emlx (terhechte/emlx),
// mikez-emlx__richtext.emlx (mikez/emlx) and Tika__testEMLX.emlx (Apache
// Tika), the last one also cut at 300 bytes. Corpus bytes are never
// copied into testdata.
func FuzzPlist(f *testing.F) {
	if root := sharedcorpus.Root(); root != "" {
		for _, name := range []string{"terhechte-emlx__1.emlx", "mikez-emlx__richtext.emlx", "Tika__testEMLX.emlx"} {
			b, err := os.ReadFile(filepath.Join(root, "emlx", name))
			i := bytes.LastIndex(b, []byte("<?xml"))
			if err != nil || i < 0 {
				continue
			}
			plist := b[i:]
			f.Add(plist)
			if name == "Tika__testEMLX.emlx" && len(plist) > 300 {
				f.Add(plist[:300])
			}
		}
	}
	f.Add([]byte(applePlist(8623689857)))
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>flags</key><integer>2</integer><key>nested</key><dict><key>a</key><array><string>x</string></array></dict><key>date-sent</key><real>1.5e9</real></dict></plist>`))
	f.Add([]byte(`<plist><dict><key>flags</key><integer>` + strings.Repeat("9", 10000) + `</integer>` + strings.Repeat("<key>k</key><true/>", 300) + `</dict></plist>`))
	f.Add([]byte(`<plist><dict><key>a</key>` + strings.Repeat("<dict>", 5000) + `</plist>`))
	f.Add([]byte("<plist><dict><key>\xff\xfe</key><string>&#0;&lt;&bogus;</string>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ReadPlist(bytes.NewReader(data))
		if len(entries) > maxPlistEntries {
			t.Fatalf("%d entries", len(entries))
		}
		for _, e := range entries {
			if len(e.Text) > maxPlistText+utf8.UTFMax {
				t.Fatalf("value of %d bytes", len(e.Text))
			}
		}
		_ = err
	})
}
