package mapi

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// The two worked examples of MS-OXRTFCP's Examples section: simple
// compressed RTF, and a dictionary reference that crosses the write
// position.
var rtfSpecVectors = []struct {
	name, compressed, raw string
}{
	{
		"simple",
		"2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c090020627705b06c647d0a800fa0",
		"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n",
	},
	{
		"crossing the write position",
		"1a0000001c0000004c5a4675e2d44b51410004205758595a0d6e7d010eb0",
		"{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}",
	},
}

func rtfTestHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRTFInitialDictionary(t *testing.T) {
	// MS-OXRTFCP 3.1.1.3: the write position after initialization.
	if len(rtfInitialDictionary) != 207 {
		t.Fatalf("initial dictionary is %d bytes, want 207", len(rtfInitialDictionary))
	}
}

func TestDecompressRTFSpecVectors(t *testing.T) {
	for _, v := range rtfSpecVectors {
		t.Run(v.name, func(t *testing.T) {
			b := rtfTestHex(t, v.compressed)
			out, err := DecompressRTF(b)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if string(out) != v.raw {
				t.Fatalf("got %q, want %q", out, v.raw)
			}
			if got, want := rtfCRC(b[16:]), binary.LittleEndian.Uint32(b[12:]); got != want {
				t.Errorf("CRC %08X, header says %08X", got, want)
			}
			// Our test compressor must agree with the decompressor.
			re := compressRTFForTest([]byte(v.raw))
			if out, err := DecompressRTF(re); err != nil || string(out) != v.raw {
				t.Errorf("round trip: %q, %v", out, err)
			}
		})
	}
}

func TestDecompressRTFStored(t *testing.T) {
	raw := []byte(`{\rtf1\ansi hi}`)
	tests := []struct {
		name    string
		b       []byte
		want    string
		wantErr error
	}{
		{"exact", storedRTF(raw, len(raw)), string(raw), nil},
		// Aspose and others set RAWSIZE to COMPSIZE: not an error.
		{"rawsize is compsize", storedRTF(raw, len(raw)+12), string(raw), nil},
		{"padding after COMPSIZE", append(storedRTF(raw, len(raw)), 0, 0, 0), string(raw), nil},
		{"cut", storedRTF(raw, len(raw))[:20], string(raw[:4]), ErrRTFTruncated},
		{"RAWSIZE smaller than the data", storedRTF(raw, 5), string(raw[:5]), ErrRTFTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := DecompressRTF(tc.b)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if string(out) != tc.want {
				t.Fatalf("got %q, want %q", out, tc.want)
			}
		})
	}
}

func storedRTF(raw []byte, rawSize int) []byte {
	h := make([]byte, 16, 16+len(raw))
	binary.LittleEndian.PutUint32(h[0:], uint32(len(raw)+12))
	binary.LittleEndian.PutUint32(h[4:], uint32(rawSize))
	binary.LittleEndian.PutUint32(h[8:], rtfUncompressed)
	return append(h, raw...)
}

func TestDecompressRTFErrors(t *testing.T) {
	simple := rtfTestHex(t, rtfSpecVectors[0].compressed)
	raw := rtfSpecVectors[0].raw

	badCRC := bytes.Clone(simple)
	badCRC[12] ^= 0xFF

	badType := bytes.Clone(simple)
	copy(badType[8:], "LZFv")

	// A flipped literal: the CRC catches it, the output is kept.
	flipped := bytes.Clone(simple)
	flipped[16+5] = 'C' // the literal 'c' of "ansicpg"
	flippedRaw := strings.Replace(raw, "ansicpg", "ansiCpg", 1)

	// RAWSIZE smaller than the data: cut at RAWSIZE.
	small := bytes.Clone(simple)
	binary.LittleEndian.PutUint32(small[4:], 10)

	tests := []struct {
		name    string
		b       []byte
		want    string // expected output; "-" for nil
		wantErr error
		offset  int64
	}{
		{"empty", nil, "-", ErrRTFFormat, 0},
		{"short header", simple[:15], "-", ErrRTFFormat, 0},
		{"unknown COMPTYPE", badType, "-", ErrRTFFormat, 8},
		{"bad CRC", badCRC, raw, ErrRTFCRC, 12},
		{"damaged data", flipped, flippedRaw, ErrRTFCRC, 12},
		{"RAWSIZE too small", small, raw[:10], ErrRTFTooLarge, -1},
		{"header only", simple[:16], "", ErrRTFTruncated, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := DecompressRTF(tc.b)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			var re *RTFError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not *RTFError", err)
			}
			if tc.offset >= 0 && re.Offset != tc.offset {
				t.Errorf("offset %d, want %d", re.Offset, tc.offset)
			}
			if tc.want == "-" {
				if out != nil {
					t.Errorf("got %q, want nil", out)
				}
				return
			}
			if string(out) != tc.want {
				t.Errorf("got %q, want %q", out, tc.want)
			}
		})
	}
}

// Cut anywhere, the decompressor returns a prefix of the data and says
// why it is short.
func TestDecompressRTFTruncatedKeepsPrefix(t *testing.T) {
	raw := []byte(strings.Repeat(`{\rtf1\ansi\ansicpg1252 Hello, world.\par }`, 40))
	full := compressRTFForTest(raw)
	for cut := 16; cut < len(full); cut++ {
		out, err := DecompressRTF(full[:cut])
		if err == nil {
			t.Fatalf("cut at %d of %d: no error", cut, len(full))
		}
		if !errors.Is(err, ErrRTFTruncated) {
			t.Fatalf("cut at %d: error %v", cut, err)
		}
		if !bytes.HasPrefix(raw, out) {
			t.Fatalf("cut at %d: output is not a prefix of the data", cut)
		}
	}
}

// A stream of references that would expand far beyond RAWSIZE stops at
// RAWSIZE with ErrRTFTooLarge, and a huge RAWSIZE allocates nothing
// beyond what the input can produce.
func TestDecompressRTFBomb(t *testing.T) {
	build := func(rawSize uint32, runs int) []byte {
		var data []byte
		for range runs {
			data = append(data, 0xFF)
			for range 8 {
				data = append(data, 0x00, 0x0F) // offset 0, 17 bytes
			}
		}
		b := make([]byte, 16, 16+len(data))
		binary.LittleEndian.PutUint32(b[0:], uint32(len(data)+12))
		binary.LittleEndian.PutUint32(b[4:], rawSize)
		binary.LittleEndian.PutUint32(b[8:], rtfCompressed)
		binary.LittleEndian.PutUint32(b[12:], rtfCRC(data))
		return append(b, data...)
	}
	out, err := DecompressRTF(build(1000, 100))
	if !errors.Is(err, ErrRTFTooLarge) || len(out) != 1000 {
		t.Fatalf("small RAWSIZE: %d bytes, %v", len(out), err)
	}
	out, err = DecompressRTF(build(0xFFFFFFFF, 10))
	if len(out) != 10*8*17 {
		t.Fatalf("huge RAWSIZE: %d bytes, %v", len(out), err)
	}
	if !errors.Is(err, ErrRTFTruncated) || cap(out) > 10*17*8+16 {
		t.Fatalf("huge RAWSIZE: cap %d, %v", cap(out), err)
	}
}

func TestDecompressRTFRoundTrip(t *testing.T) {
	inputs := []string{
		"",
		"{",
		`{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}}`,
		strings.Repeat("abcabcabc", 1000),
		strings.Repeat("x", 5000),
		strings.Repeat(`{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Hello}`, 300),
	}
	for _, s := range inputs {
		b := compressRTFForTest([]byte(s))
		out, err := DecompressRTF(b)
		if err != nil || string(out) != s {
			t.Errorf("%.20q...: %d bytes, %v", s, len(out), err)
		}
	}
}

// compressRTFForTest compresses raw as MS-OXRTFCP describes, with
// a simple longest-match search; it exists to make test inputs.
func compressRTFForTest(raw []byte) []byte {
	var dict [4096]byte
	wp := copy(dict[:], rtfInitialDictionary)
	var data []byte
	i := 0
	for {
		ctrlAt := len(data)
		data = append(data, 0)
		var ctrl byte
		for bit := 0; bit < 8; bit++ {
			if i >= len(raw) {
				// The end marker: a reference to the write position.
				ctrl |= 1 << bit
				data = append(data, byte(wp>>4), byte(wp<<4))
				data[ctrlAt] = ctrl
				h := make([]byte, 16, 16+len(data))
				binary.LittleEndian.PutUint32(h[0:], uint32(len(data)+12))
				binary.LittleEndian.PutUint32(h[4:], uint32(len(raw)))
				binary.LittleEndian.PutUint32(h[8:], rtfCompressed)
				binary.LittleEndian.PutUint32(h[12:], rtfCRC(data))
				return append(h, data...)
			}
			bestOff, bestLen := 0, 0
			for off := 0; off < 4096 && bestLen < 17; off++ {
				// Only offsets that hold the first byte can match.
				j := bytes.IndexByte(dict[off:], raw[i])
				if j < 0 {
					break
				}
				off += j
				if off == wp {
					continue
				}
				n := 0
				for n < 17 && i+n < len(raw) {
					// The byte the decompressor will read: one it has
					// just written, or the dictionary's.
					pos := (off + n) & 4095
					var c byte
					if d := (pos - wp) & 4095; d < n {
						c = raw[i+d]
					} else {
						c = dict[pos]
					}
					if c != raw[i+n] {
						break
					}
					n++
				}
				if n > bestLen {
					bestOff, bestLen = off, n
				}
			}
			if bestLen >= 2 {
				ctrl |= 1 << bit
				ref := bestOff<<4 | (bestLen - 2)
				data = append(data, byte(ref>>8), byte(ref))
			} else {
				bestLen = 1
				data = append(data, raw[i])
			}
			for k := range bestLen {
				dict[wp] = raw[i+k]
				wp = (wp + 1) & 4095
			}
			i += bestLen
		}
		data[ctrlAt] = ctrl
	}
}

func TestRTFErrorMessage(t *testing.T) {
	b := rtfTestHex(t, rtfSpecVectors[0].compressed)
	b[12] ^= 1
	_, err := DecompressRTF(b)
	if msg := err.Error(); !strings.Contains(msg, "CRC mismatch at offset 12") || !strings.Contains(msg, "0xA7C7C5F0") {
		t.Errorf("message %q", msg)
	}
}
