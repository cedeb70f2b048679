// Package net is the kernel's socket layer: the endpoints that socket(2),
// socketpair(2) and friends create, beside fs's files and below the
// personalities. A socket is an fs.File (read(2), write(2), fstat(2) and
// close(2) reach it through the ordinary descriptor paths) and an
// fs.Pollable (poll(2), epoll(7) and blocking calls wait on its wait
// queue); what only sockets do (bind, connect, send and receive with
// ancillary data, options) is each family's own API, which a
// personality's syscall handlers call after decoding their ABI.
//
// Families live in sub-packages: net/unix holds AF_UNIX (unix(7)). An
// in-sandbox TCP/IP stack and host passthrough are planned. Like fs, net
// never imports a personality or a platform, and knows no ABI's struct
// layouts or numbers: the types below are neutral, and each personality
// maps its flag and option numbers onto them.
package net

import "github.com/runos-project/runos/fs"

// Type is a socket's communication semantics (socket(2)).
type Type int

const (
	// Stream is a reliable, connected byte stream (SOCK_STREAM).
	Stream Type = iota + 1
	// Dgram is a connectionless datagram service (SOCK_DGRAM).
	Dgram
	// SeqPacket is a connected, reliable service that keeps message
	// boundaries (SOCK_SEQPACKET).
	SeqPacket
)

// Family is a socket's address family.
type Family int

const (
	// FamilyUnix is local communication (AF_UNIX, unix(7)).
	FamilyUnix Family = iota + 1
)

// Shutdown says which directions shutdown(2) closes.
type Shutdown int

const (
	ShutRead  Shutdown = 1 << iota // no more receptions
	ShutWrite                      // no more transmissions
)

// Cred is a process's identity as a socket passes it: SO_PEERCRED and
// SCM_CREDENTIALS (see unix(7)). PID is the sandbox's PID.
type Cred struct {
	PID      int32
	UID, GID uint32
}

// Control is the ancillary data of one message, neutral of any ABI's
// cmsghdr layout: open file descriptions in flight (SCM_RIGHTS) and the
// sender's credentials (SCM_CREDENTIALS).
type Control struct {
	// Rights are open file descriptions. A receiver gets one reference
	// to each, which it either installs in its descriptor table or
	// drops.
	Rights []*fs.FileDescription
	// Cred is the sender's identity; nil if none was sent or asked for.
	Cred *Cred
}

// Release drops the references c holds.
func (c *Control) Release() {
	for _, d := range c.Rights {
		d.DecRef()
	}
	c.Rights = nil
}

// Socket is what every family's endpoint is to the rest of the kernel.
type Socket interface {
	fs.File
	fs.Pollable
	Family() Family
	Type() Type
}
