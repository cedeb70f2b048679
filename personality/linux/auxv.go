package linux

import (
	"os"

	"github.com/runos-project/runos/platform"
)

type platformPerms = platform.Perms

// hostAux holds the auxv values that describe the CPU; they are taken from
// runos's own auxiliary vector so a guest sees the same CPU features as a
// native program.
var hostAux = readHostAux()

type hostAuxv struct {
	hwcap, hwcap2, minSigStkSz uint64
}

func readHostAux() hostAuxv {
	h := hostAuxv{minSigStkSz: minSigStkSz}
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return h
	}
	for i := 0; i+16 <= len(b); i += 16 {
		k, v := le.Uint64(b[i:]), le.Uint64(b[i+8:])
		switch k {
		case atHwcap:
			h.hwcap = v
		case atHwcap2:
			h.hwcap2 = v
		case atMinsigstksz:
			h.minSigStkSz = v
		}
	}
	return h
}
