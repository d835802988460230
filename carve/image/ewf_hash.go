package image

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"hash/adler32"
	"io"
	"regexp"
	"strings"

	"github.com/klauspost/compress/zlib"
)

// hashSection reads the hash section (EWF notes, section 3.20): the MD5 of
// the media data (16 bytes), 16 unknown bytes and the Adler-32 of the 32
// bytes before it.
func hashSection(b []byte) (md5 string, sumOK bool, ok bool) {
	if len(b) < 36 {
		return "", false, false
	}
	return hexOrEmpty(b[:16]), adler32.Checksum(b[:32]) == binary.LittleEndian.Uint32(b[32:36]), true
}

// digestSection reads the digest section (EWF notes, section 3.19): the
// MD5 (16 bytes) and SHA-1 (20 bytes) of the media data, 40 bytes of
// padding and the Adler-32 of the 76 bytes before it.
func digestSection(b []byte) (md5, sha1 string, sumOK bool, ok bool) {
	if len(b) < 80 {
		return "", "", false, false
	}
	return hexOrEmpty(b[:16]), hexOrEmpty(b[16:36]),
		adler32.Checksum(b[:76]) == binary.LittleEndian.Uint32(b[76:80]), true
}

var xhashRe = regexp.MustCompile(`(?is)<(MD5|SHA1)>\s*([0-9a-f]+)\s*</`)

// xhashSection reads the EWF-X xhash section (EWF notes, section 4.1.2):
// zlib-compressed XML naming the MD5 and SHA-1.
func xhashSection(b []byte) (md5, sha1 string, ok bool) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", "", false
	}
	xml, err := io.ReadAll(io.LimitReader(zr, 1<<16))
	if err != nil {
		return "", "", false
	}
	for _, m := range xhashRe.FindAllSubmatch(xml, -1) {
		v := strings.ToLower(string(m[2]))
		switch strings.ToUpper(string(m[1])) {
		case "MD5":
			if len(v) == 32 {
				md5 = v
			}
		case "SHA1":
			if len(v) == 40 {
				sha1 = v
			}
		}
	}
	return md5, sha1, md5 != "" || sha1 != ""
}

// hexOrEmpty: a hash of all zeros means none was stored.
func hexOrEmpty(b []byte) string {
	for _, c := range b {
		if c != 0 {
			return hex.EncodeToString(b)
		}
	}
	return ""
}

// error2Section reads the error2 section (EWF notes, section 3.18): the
// sector ranges the acquisition could not read, stored as zeros. It
// returns (first sector, number of sectors) pairs, at most limit of them.
func error2Section(b []byte, limit int) (ranges [][2]uint32, total uint32, sumOK bool) {
	if len(b) < 520 {
		return nil, 0, false
	}
	total = binary.LittleEndian.Uint32(b[0:4])
	sumOK = adler32.Checksum(b[:516]) == binary.LittleEndian.Uint32(b[516:520])
	entries := b[520:]
	for i := 0; i < int(total) && (i+1)*8 <= len(entries) && len(ranges) < limit; i++ {
		e := entries[i*8:]
		ranges = append(ranges, [2]uint32{binary.LittleEndian.Uint32(e[0:4]), binary.LittleEndian.Uint32(e[4:8])})
	}
	return ranges, total, sumOK
}
