package mapi

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// benchRTF is an Outlook-style encapsulated HTML body of about 512 KiB,
// with Windows-1252 escapes, Unicode and Cyrillic runs, and its
// compressed form.
var benchRTF = sync.OnceValues(func() (rtf, compressed []byte) {
	var b strings.Builder
	b.WriteString(rtfHTMLHead)
	b.WriteString(`{\*\htmltag19 <html>}{\*\htmltag34 <head>}{\*\htmltag241 <style>\par p.MsoNormal \{margin:0cm;\}\par </style>}{\*\htmltag41 </head>}{\*\htmltag50 <body lang=EN-GB>}\htmlrtf \lang2057 \htmlrtf0 `)
	for i := 0; b.Len() < 512<<10; i++ {
		fmt.Fprintf(&b, `{\*\htmltag64 <p class=MsoNormal>}\htmlrtf {\htmlrtf0 Paragraph %d: caf\'e9, \ldblquote quoted\rdblquote , \u8364?100 and {\f3 \'cf\'f0\'e8\'e2\'e5\'f2}{\*\htmltag84 &nbsp;}\htmlrtf \'a0\htmlrtf0 {\*\htmltag244 <o:p>}{\*\htmltag252 </o:p>}\htmlrtf\par}\htmlrtf0`+"\r\n"+`\htmlrtf \par`+"\r\n"+`\htmlrtf0 {\*\htmltag72 </p>}`+"\r\n", i)
	}
	b.WriteString(`{\*\htmltag58 </body>}{\*\htmltag27 </html>}}`)
	rtf = []byte(b.String())
	return rtf, compressRTFForTest(rtf)
})

func BenchmarkDecompressRTF(b *testing.B) {
	rtf, c := benchRTF()
	b.SetBytes(int64(len(rtf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecompressRTF(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHTMLFromRTF(b *testing.B) {
	rtf, _ := benchRTF()
	b.SetBytes(int64(len(rtf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := HTMLFromRTF(rtf); !ok {
			b.Fatal("not encapsulated")
		}
	}
}

func BenchmarkPlainFromRTF(b *testing.B) {
	rtf, _ := benchRTF()
	b.SetBytes(int64(len(rtf)))
	b.ReportAllocs()
	for b.Loop() {
		PlainFromRTF(rtf)
	}
}
