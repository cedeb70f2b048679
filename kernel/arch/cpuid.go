package arch

// cpuid executes the CPUID instruction; implemented in cpuid_amd64.s.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// CPUID executes the CPUID instruction on the host. The kernel uses it to
// learn the XSAVE size and the feature bits it reports in AT_HWCAP.
func CPUID(leaf, sub uint32) (eax, ebx, ecx, edx uint32) { return cpuid(leaf, sub) }
