package ptrace

import (
	"bytes"
	"testing"
)

// TestStubCodeOffsets checks that each offset the platform jumps to holds
// the instructions its comment promises.
func TestStubCodeOffsets(t *testing.T) {
	tests := []struct {
		name string
		off  int
		want []byte
	}{
		{"syscall trap", offSyscallTrap, []byte{0x0f, 0x05, 0xcc}},
		{"clone trap", offCloneTrap, []byte{0x0f, 0x05, 0x48, 0x85, 0xc0, 0x74, 0x01, 0xcc}},
		{"parent's int3 ends at offCloneTrapEnd", offCloneTrapEnd - 1, []byte{0xcc}},
		{"wait: pause and loop", offWait, []byte{0xb8, 0x22, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7}},
		{"entry", offEntry, []byte{0xcc}},
		{"batch loop ends with int3", offBatchEnd - 1, []byte{0xcc}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := stubCode[tc.off : tc.off+len(tc.want)]; !bytes.Equal(got, tc.want) {
				t.Errorf("code at %#x = % x, want % x", tc.off, got, tc.want)
			}
		})
	}
	// "jmp wait" jumps back to offWait: rel8 counts from the next
	// instruction.
	if end := offWait + 9; end+int(int8(stubCode[end-1])) != offWait {
		t.Errorf("jmp at %#x lands at %#x, want offWait %#x", end-2, end+int(int8(stubCode[end-1])), offWait)
	}
}
