// Package unix implements Unix domain sockets (unix(7)): SOCK_STREAM,
// SOCK_DGRAM and SOCK_SEQPACKET endpoints that pass bytes, messages,
// open file descriptions (SCM_RIGHTS) and credentials (SCM_CREDENTIALS)
// between processes of one sandbox.
//
// # Endpoints and queues
//
// A Socket keeps a receive queue of messages. A sender appends to its
// peer's (or a datagram's target's) queue and a receiver takes from its
// own; a stream reads across message boundaries, the other types take
// one message per call and drop what does not fit (MSG_TRUNC). Each
// message remembers its sender, whose bytes in flight are limited by its
// send buffer (SO_SNDBUF); taking a message gives the room back and wakes
// the sender. A connect to a listening socket creates the server's end at
// once and queues it on the listener for accept, so a client is connected
// (and may write) before the server accepts, as on Linux.
//
// Nothing here blocks. A call that cannot go on returns EAGAIN and the
// socket's wait queue announces when readiness changes; the syscall layer
// blocks the task there (kernel/core's WaitReady), where a signal can
// interrupt it.
//
// # Names
//
// A socket bound to a path creates a socket inode in the file system
// through the Namespace the caller gives (the VFS: tmpfs, the root overlay
// or a host mount). The inode does not carry the endpoint: a registry maps
// the inode's identity (device and inode numbers, which stay stable
// whatever the file system does with its in-memory objects) to the bound
// socket, and connect resolves the path to that identity. A socket file
// whose socket has closed, or a node made by mknod(2), is then in no
// registry: ECONNREFUSED, as on Linux. Abstract names (a first byte of
// zero) live only in a second registry; autobind (an empty address)
// picks a fresh abstract name of five hex digits, as Linux does.
//
// # Locking
//
// One mutex, mu, guards every socket's state, the registries and the
// queues: an operation touches two endpoints (a sender and its peer) and
// one lock leaves no order to get wrong. It is never held while calling
// out: wait-queue notifications and the release of file descriptions
// whose last reference a queue held happen after it is dropped (a
// description's close may close another socket).
package unix
