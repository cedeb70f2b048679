// Package vfs is the sandbox's file namespace, independent of any
// filesystem: the mount table, dentries (names, with a cache of those
// looked up), and path resolution with Linux's semantics (see
// path_resolution(7), openat2(2)): symlinks, "." and "..", mount points,
// a root that ".." cannot climb above, the openat2 resolve flags, and
// the permission checks of mode bits, ownership and sticky directories.
//
// A filesystem implements Inode (fs/tmpfs, fs/overlay); the VFS calls it
// only with single names, after resolving and checking. A syscall layer
// decodes its ABI into the calls of this package (OpenAt, Mkdir,
// Rename, Chmod, ...), passing a Context (credentials and root) and the
// dentry to start from (the cwd's or a directory descriptor's).
//
// Lock order: VFS.mu (the namespace lock) → Dentry.mu → a filesystem's
// own locks. nameMu (dentry.go) is a leaf, taken alone.
package vfs
