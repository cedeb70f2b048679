// Command mkroot builds the xv6 user programs into a root directory for
// the xv6 personality, as `make xv6` does:
//
//	go run ./personality/custom/xv6/cmd/mkroot [-user DIR] ROOT
//	runos --personality=xv6 --root ROOT /init
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/runos-project/runos/personality/custom/xv6"
)

func main() {
	user := flag.String("user", "personality/custom/xv6/user", "directory of the xv6 user sources")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: mkroot [-user DIR] ROOT\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := xv6.BuildRoot(flag.Arg(0), *user); err != nil {
		fmt.Fprintf(os.Stderr, "mkroot: %v\n", err)
		os.Exit(1)
	}
}
