package mm

import (
	"bytes"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// The kernel reaches guest memory only through the memory file's window,
// page by page, after checking the VMA and backing the page: never through
// a guest address, which could fault the kernel itself.

// CopyIn copies len(dst) bytes of guest memory at addr into dst. On a page
// the guest could not read it stops and returns the bytes copied so far
// and kerr.EFAULT. It allocates nothing: every write(2) goes through here.
func (m *MM) CopyIn(addr uintptr, dst []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hint := -1
	done := 0
	for done < len(dst) {
		va := addr + uintptr(done)
		if va < addr || va >= m.top {
			return done, kerr.EFAULT
		}
		off, err := m.pageFor(arch.PageRoundDown(va), accessRead, &hint)
		if err != nil {
			return done, err
		}
		in := uint64(va & arch.PageMask)
		done += copy(dst[done:], m.mf.mapping[off+in:off+arch.PageSize])
	}
	return done, nil
}

// CopyOut copies src into guest memory at addr, with the same partial
// result and kerr.EFAULT as CopyIn on a page the guest could not write.
func (m *MM) CopyOut(addr uintptr, src []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hint := -1
	done := 0
	for done < len(src) {
		va := addr + uintptr(done)
		if va < addr || va >= m.top {
			return done, kerr.EFAULT
		}
		off, err := m.pageFor(arch.PageRoundDown(va), accessWrite, &hint)
		if err != nil {
			return done, err
		}
		in := uint64(va & arch.PageMask)
		done += copy(m.mf.mapping[off+in:off+arch.PageSize], src[done:])
	}
	return done, nil
}

// ZeroOut writes n zero bytes to guest memory at addr (kerr.EFAULT if the
// guest could not write all of them). Anonymous pages not yet backed are
// already zero and are left unbacked.
func (m *MM) ZeroOut(addr, n uintptr) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if addr+n < addr || addr+n > m.top {
		return kerr.EFAULT
	}
	hint := -1
	for done := uintptr(0); done < n; {
		va := addr + done
		page := arch.PageRoundDown(va)
		in := va - page
		chunk := min(n-done, arch.PageSize-in)
		done += chunk
		if _, backed := m.pt.pages[page]; !backed {
			// (A shared anonymous page not backed here may be backed,
			// and written, by another mapping of its object.)
			if i, ok := m.vmas.find(page); ok && m.vmas[i].file == nil && m.vmas[i].obj == nil &&
				m.vmas[i].perms.Write {
				continue
			}
		}
		off, err := m.pageFor(page, accessWrite, &hint)
		if err != nil {
			return err
		}
		clear(m.mf.mapping[off+uint64(in) : off+uint64(in+chunk)])
	}
	return nil
}

// CopyInString reads a NUL-terminated string of at most maxLen bytes
// (NUL included) at addr: kerr.ENAMETOOLONG if there is no NUL within
// maxLen bytes, kerr.EFAULT if an unreadable page comes first.
func (m *MM) CopyInString(addr uintptr, maxLen int) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var buf []byte
	hint := -1
	for len(buf) < maxLen {
		va := addr + uintptr(len(buf))
		if va < addr || va >= m.top {
			return "", kerr.EFAULT
		}
		off, err := m.pageFor(arch.PageRoundDown(va), accessRead, &hint)
		if err != nil {
			return "", err
		}
		in := uint64(va & arch.PageMask)
		chunk := m.mf.mapping[off+in : off+arch.PageSize]
		if rest := maxLen - len(buf); len(chunk) > rest {
			chunk = chunk[:rest]
		}
		if nul := bytes.IndexByte(chunk, 0); nul >= 0 {
			return string(append(buf, chunk[:nul]...)), nil
		}
		buf = append(buf, chunk...)
	}
	return "", kerr.ENAMETOOLONG
}

// Uint32At returns a pointer to the 4-byte word at addr in the kernel's
// view of guest memory, for atomic futex operations; write says whether
// the caller will store through it. The word must be 4-byte aligned.
func (m *MM) Uint32At(addr uintptr, write bool) (*uint32, error) {
	if addr%4 != 0 {
		return nil, kerr.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if addr >= m.top {
		return nil, kerr.EFAULT
	}
	a := accessRead
	if write {
		a = accessWrite
	}
	hint := -1
	off, err := m.pageFor(arch.PageRoundDown(addr), a, &hint)
	if err != nil {
		return nil, err
	}
	return m.mf.uint32At(off + uint64(addr&arch.PageMask)), nil
}
