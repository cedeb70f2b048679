package mm

// VirtualSize is the total size of the address space's VMAs: the VmSize
// of /proc/pid/status, which RLIMIT_AS bounds (getrlimit(2)).
func (m *MM) VirtualSize() uintptr {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n uintptr
	for _, v := range m.vmas {
		n += v.end - v.start
	}
	return n
}

// MappedBytes is how much of [start, end) VMAs cover now: what a
// MAP_FIXED mapping of that range would replace rather than add.
func (m *MM) MappedBytes(start, end uintptr) uintptr {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n uintptr
	for _, v := range m.vmas {
		if lo, hi := max(v.start, start), min(v.end, end); lo < hi {
			n += hi - lo
		}
	}
	return n
}
