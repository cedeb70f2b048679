package core

import "sync"

// utsNames are the sandbox's host and domain names, as a UTS namespace
// holds them (uts_namespaces(7)): uname(2) reports them, sethostname(2)
// and setdomainname(2) change them, for every process of the sandbox at
// once and never for the host.
type utsNames struct {
	mu         sync.Mutex
	hostname   string
	domainname string
}

// HostnameMax is the longest host or domain name, in bytes
// (__NEW_UTS_LEN; see sethostname(2)).
const HostnameMax = 64

// Hostname is the sandbox's host name (uname's nodename).
func (k *Kernel) Hostname() string {
	k.uts.mu.Lock()
	defer k.uts.mu.Unlock()
	return k.uts.hostname
}

// SetHostname changes the host name. The caller has checked the
// privilege and the length.
func (k *Kernel) SetHostname(name string) {
	k.uts.mu.Lock()
	defer k.uts.mu.Unlock()
	k.uts.hostname = name
}

// Domainname is the sandbox's NIS domain name ("(none)" until set, as
// on Linux).
func (k *Kernel) Domainname() string {
	k.uts.mu.Lock()
	defer k.uts.mu.Unlock()
	return k.uts.domainname
}

// SetDomainname changes the domain name, like SetHostname.
func (k *Kernel) SetDomainname(name string) {
	k.uts.mu.Lock()
	defer k.uts.mu.Unlock()
	k.uts.domainname = name
}
