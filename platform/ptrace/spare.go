package ptrace

// The spare address space. Starting a stub (a thread for its primary
// goroutine, fork and exec of the stub executable, its clean-up) takes
// about half a millisecond on an idle host and several on a busy one, and
// every fork and exec needs one. So the platform keeps one stub started
// ahead: NewAddressSpace hands it out and starts the next in the
// background, while the caller goes on with the fork or exec.

// takeSpare returns the spare address space, or nil if there is none yet.
func (p *Platform) takeSpare() *addressSpace {
	p.mu.Lock()
	as := p.spare
	p.spare = nil
	p.mu.Unlock()
	if as != nil && as.released.Load() {
		return nil
	}
	return as
}

// refill starts a new spare address space in the background, unless one
// is there or on its way.
func (p *Platform) refill() {
	p.mu.Lock()
	if p.refilling || p.spare != nil || p.isClosed {
		p.mu.Unlock()
		return
	}
	p.refilling = true
	p.refills.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.refills.Done()
		as, err := newAddressSpace(p)
		p.mu.Lock()
		p.refilling = false
		if err != nil {
			// NewAddressSpace will try again, and report the error.
			p.mu.Unlock()
			return
		}
		if p.isClosed {
			p.mu.Unlock()
			as.Release()
			return
		}
		p.spare = as
		p.spaces[as] = struct{}{}
		p.mu.Unlock()
	}()
}
