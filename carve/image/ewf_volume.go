package image

import (
	"encoding/binary"
	"hash/adler32"
)

// Sizes of the volume section data (EWF notes, section 3.6 "Volume
// section"): 94 bytes in the original ASR Data layout (EWF, SMART), 1052
// bytes in the EnCase layout (EnCase 1 to 7, linen, FTK Imager). The disk
// section and the data section are copies of it.
const (
	volumeSizeASR    = 94
	volumeSizeEnCase = 1052
)

// Bounds of the chunk size a volume may declare. EnCase and libewf write
// 16 to 32768 sectors of 512 bytes or more (8 KiB to 16 MiB); a larger
// value is damage, and a chunk is held in memory whole. A smaller one is
// damage too, and would make reading a large medium a matter of millions of
// chunk look-ups.
const (
	minChunkSize = 512
	maxChunkSize = 64 << 20
)

// volume is what the reader needs from a volume, disk or data section.
type volume struct {
	chunks          uint32 // number of chunks in all segments
	sectorsPerChunk uint32
	bytesPerSector  uint32
	sectors         uint64 // number of sectors of the medium
	mediaType       byte
	sumOK           bool
	layout          string // "EnCase" or "ASR"
}

func (v volume) chunkSize() int64 { return int64(v.sectorsPerChunk) * int64(v.bytesPerSector) }

// plausible: the values can describe a medium this reader can read.
func (v volume) plausible() bool {
	cs := v.chunkSize()
	return v.bytesPerSector > 0 && v.sectorsPerChunk > 0 && cs >= minChunkSize && cs <= maxChunkSize &&
		v.sectors <= (1<<62)/uint64(v.bytesPerSector)
}

// mediaSize is the size of the medium in bytes.
func (v volume) mediaSize() int64 { return int64(v.sectors) * int64(v.bytesPerSector) }

// parseVolume reads the data of a volume, disk or data section, trying the
// layout its size suggests first.
func parseVolume(b []byte) (volume, bool) {
	enc := func() (volume, bool) {
		if len(b) < volumeSizeEnCase {
			return volume{}, false
		}
		return volume{
			mediaType:       b[0],
			chunks:          binary.LittleEndian.Uint32(b[4:8]),
			sectorsPerChunk: binary.LittleEndian.Uint32(b[8:12]),
			bytesPerSector:  binary.LittleEndian.Uint32(b[12:16]),
			sectors:         binary.LittleEndian.Uint64(b[16:24]),
			sumOK:           adler32.Checksum(b[:1048]) == binary.LittleEndian.Uint32(b[1048:1052]),
			layout:          "EnCase",
		}, true
	}
	asr := func() (volume, bool) {
		if len(b) < volumeSizeASR {
			return volume{}, false
		}
		return volume{
			chunks:          binary.LittleEndian.Uint32(b[4:8]),
			sectorsPerChunk: binary.LittleEndian.Uint32(b[8:12]),
			bytesPerSector:  binary.LittleEndian.Uint32(b[12:16]),
			sectors:         uint64(binary.LittleEndian.Uint32(b[16:20])),
			sumOK:           adler32.Checksum(b[:90]) == binary.LittleEndian.Uint32(b[90:94]),
			layout:          "ASR",
		}, true
	}
	first, second := enc, asr
	if len(b) < volumeSizeEnCase {
		first, second = asr, enc
	}
	v, ok := first()
	if ok && v.sumOK {
		return v, true
	}
	if v2, ok2 := second(); ok2 && v2.sumOK {
		return v2, true
	}
	return v, ok
}
