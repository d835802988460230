package maildir

import (
	"io"
	"strconv"
	"testing"
	"testing/fstest"
)

// BenchmarkReader lists and checks the heads of 2000 messages in 4 folders,
// without opening them through Message.Open.
func BenchmarkReader(b *testing.B) {
	fsys := fstest.MapFS{}
	body := []byte(mail("bench"))
	for _, d := range []string{"", ".Sent/", ".Archive.2024/", "Lists/"} {
		for i := range 500 {
			fsys[d+"cur/"+strconv.Itoa(1700000000+i)+".M1P2.host,S="+strconv.Itoa(len(body))+":2,S"] = &fstest.MapFile{Data: body}
		}
		fsys[d+"new"] = dir()
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := New(fsys)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 2000 {
			b.Fatalf("%d messages", n)
		}
	}
}
