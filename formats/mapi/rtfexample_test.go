package mapi_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

func ExampleDecompressRTF() {
	// The first worked example of MS-OXRTFCP.
	b, _ := hex.DecodeString("2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c090020627705b06c647d0a800fa0")
	rtf, err := mapi.DecompressRTF(b)
	fmt.Printf("%q %v\n", rtf, err)

	// A damaged value still gives what was decompressed.
	b[16+5] = 'C' // was the literal 'c' of "ansicpg"

	rtf, err = mapi.DecompressRTF(b)
	fmt.Printf("%q %v\n", rtf, errors.Is(err, mapi.ErrRTFCRC))
	// Output:
	// "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n" <nil>
	// "{\\rtf1\\ansi\\ansiCpg1252\\pard hello world}\r\n" true
}

func ExampleHTMLFromRTF() {
	rtf := []byte(`{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}` +
		`{\*\htmltag19 <html>}{\*\htmltag50 <body>}{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Caf\'e9` +
		`\htmlrtf\par}\htmlrtf0{\*\htmltag72 </p>}{\*\htmltag58 </body>}{\*\htmltag27 </html>}}`)
	html, ok := mapi.HTMLFromRTF(rtf)
	fmt.Println(string(html), ok)
	// Output: <html><body><p>Café</p></body></html> true
}

// How a converter turns PidTagRtfCompressed into a body: the HTML or
// text the RTF encapsulates when there is one, else the RTF's own text.
func Example_rtfBody() {
	compressed, _ := hex.DecodeString("2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c090020627705b06c647d0a800fa0")
	rtf, err := mapi.DecompressRTF(compressed)
	if err != nil && rtf == nil {
		fmt.Println("no RTF body:", err)
		return
	}
	// err != nil here means damage: keep the body, record a warning.
	if html, ok := mapi.HTMLFromRTF(rtf); ok {
		fmt.Printf("text/html: %s\n", html)
	} else if text, ok := mapi.TextFromRTF(rtf); ok {
		fmt.Printf("text/plain: %q\n", text)
	} else {
		fmt.Printf("text/plain from RTF: %q\n", mapi.PlainFromRTF(rtf))
	}
	// Output: text/plain from RTF: "hello world"
}
