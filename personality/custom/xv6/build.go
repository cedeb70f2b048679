package xv6

import "path/filepath"

// userLib are the sources every xv6 program links with, in user/.
var userLib = []string{"usys.S", "ulib.c", "printf.c", "umalloc.c"}

// BuildCommand is the gcc command line that builds one xv6 user program
// from its C sources with the user library in libDir: static, no libc,
// and no stack protector or PIE (xv6 programs have neither). Tests and
// tools run it; `make xv6` may as well.
func BuildCommand(out, libDir string, srcs ...string) []string {
	c := []string{"gcc", "-nostdlib", "-static", "-ffreestanding", "-fno-stack-protector",
		"-fno-pie", "-no-pie", "-O1", "-Wall", "-o", out}
	for _, s := range userLib {
		c = append(c, filepath.Join(libDir, s))
	}
	return append(c, srcs...)
}
