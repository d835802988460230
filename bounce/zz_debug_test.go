package bounce

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	b, _ := os.ReadFile(os.Getenv("F"))
	_, notice := noticeText(nil)
	_ = notice
	r := Parse(b)
	fmt.Printf("%+v\n", r)
	for _, blk := range textRecipients(string(b), nil, nil) {
		fmt.Printf("BLOCK %s | remote=%q\n   all=%.300q\n", blk.addr, blk.remote, blk.all)
	}
}
