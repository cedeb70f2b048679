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

// auxvBytes lays out an auxiliary vector of key, value pairs as the
// initial stack holds it and /proc/pid/auxv shows it: 64-bit words,
// ending with the AT_NULL pair.
func auxvBytes(auxv []uint64) []byte {
	b := make([]byte, 8*len(auxv))
	for i, v := range auxv {
		le.PutUint64(b[8*i:], v)
	}
	return b
}
