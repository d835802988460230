// Command gendemo rebuilds testdata/demo from internal/demo. Run it from
// the project root: go run ./internal/demo/gendemo
package main

import (
	"fmt"
	"os"

	"github.com/mailsalvage/mailsalvage/internal/demo"
)

func main() {
	if err := demo.Write(demo.Dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
	fmt.Println("wrote", demo.Dir)
}
