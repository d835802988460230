package mbox

import (
	"bytes"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/synth"
)

var (
	benchOnce sync.Once
	benchData []byte
)

// benchMbox is a 64 MiB Thunderbird mbox of generated messages, 10% of
// them with a 100 KiB attachment, as in a real mailbox.
func benchMbox() []byte {
	benchOnce.Do(func() {
		g := synth.NewGen(42)
		g.BigAttachment = 100 << 10
		var msgs []synth.Message
		size := 0
		for size < 64<<20 {
			m := g.Next()
			size += len(m.Bytes) + 100
			msgs = append(msgs, m)
		}
		benchData, _ = synth.Mbox(msgs, synth.MboxOptions{Style: synth.Thunderbird})
	})
	return benchData
}

// BenchmarkScan measures splitting alone (finding every message).
func BenchmarkScan(b *testing.B) {
	data := benchMbox()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := NewScanner(bytes.NewReader(data), int64(len(data)))
		n := 0
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			n++
		}
		if n == 0 {
			b.Fatal("no messages")
		}
	}
}

// BenchmarkReadAll measures splitting plus reading every message's bytes
// (with >From unescaping), what recover does before writing.
func BenchmarkReadAll(b *testing.B) {
	data := benchMbox()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rd := NewReader(bytes.NewReader(data), int64(len(data)))
		for {
			m, err := rd.Next()
			if err == io.EOF {
				break
			}
			if m != nil {
				rc, _ := m.Open()
				io.Copy(io.Discard, rc)
			}
		}
	}
}

// BenchmarkScanFile splits the mbox named by $MBOX_BENCH_FILE through an
// os.File, as recover does (bench/mbox.sh sets it; skipped otherwise).
func BenchmarkScanFile(b *testing.B) {
	path := os.Getenv("MBOX_BENCH_FILE")
	if path == "" {
		b.Skip("MBOX_BENCH_FILE not set")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := NewScanner(f, st.Size())
		for {
			if _, err := s.Next(); err != nil {
				break
			}
		}
	}
}
