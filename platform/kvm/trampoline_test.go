package kvm

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestTrampolineListing disassembles the hand-encoded trampoline and
// compares it with the listing it is meant to be.
func TestTrampolineListing(t *testing.T) {
	want := []string{
		"0x00: iretq",
		"0x10: out 0x40, al",
		"0x12: iretq",
	}
	for v := range numVectors {
		off := offVectors + v*vectorStub
		want = append(want, fmt.Sprintf("%#02x: out %#x, al", off, v), fmt.Sprintf("%#02x: iretq", off+2))
	}
	code := trampolineCode()
	var got []string
	for off := 0; off < offVectors+numVectors*vectorStub; {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			t.Fatalf("offset %#x: %v", off, err)
		}
		if inst.Op != x86asm.INT { // int3 is filler
			text := strings.ToLower(x86asm.IntelSyntax(inst, 0, nil))
			got = append(got, fmt.Sprintf("%#02x: %s", off, text))
		}
		off += inst.Len
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("trampoline listing:\n%s\nwant:\n%s", g, w)
	}
	for _, tc := range []struct {
		name string
		addr uint64
		off  int
	}{{"LSTAR", codeVA + offSyscall, 0x10}, {"#PF stub", stubAddr(14), offVectors + 14*vectorStub}} {
		if tc.addr != codeVA+uint64(tc.off) {
			t.Errorf("%s at %#x, want offset %#x", tc.name, tc.addr, tc.off)
		}
	}
}

// TestDescriptorTables checks the GDT entries that iretq and the TSS
// load, and an IDT gate, against their Intel SDM encodings.
func TestDescriptorTables(t *testing.T) {
	g := gdt(0xffffff8000002100)
	if g[userCS/8]>>40&0xff != 0xfb || g[userCS/8]>>53&1 != 1 {
		t.Errorf("user CS %#x: want present, DPL 3, code, long mode", g[userCS/8])
	}
	if g[userSS/8]>>40&0xff != 0xf3 {
		t.Errorf("user SS %#x: want present, DPL 3, data", g[userSS/8])
	}
	base := g[tssSel/8]>>16&0xffffff | (g[tssSel/8]>>56)<<24 | g[tssSel/8+1]<<32
	if base != 0xffffff8000002100 {
		t.Errorf("TSS base %#x", base)
	}
	gate := idt()[2*14:]
	off := gate[0]&0xffff | (gate[0]>>48)<<16 | gate[1]<<32
	if off != stubAddr(14) || gate[0]>>16&0xffff != kernelCS || gate[0]>>32&7 != 1 {
		t.Errorf("#PF gate %#x %#x: offset %#x", gate[0], gate[1], off)
	}
}
