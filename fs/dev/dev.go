// Package dev implements the kernel's own character devices: /dev/null,
// /dev/zero, /dev/full, /dev/random and /dev/urandom (see null(4),
// zero(4), full(4), random(4)). They never touch a host device.
package dev

import (
	"crypto/rand"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

type kind int

const (
	null kind = iota
	zero
	full
	random
)

// Device numbers as Linux assigns them (Documentation/admin-guide/devices.txt).
var devices = map[string]struct {
	kind  kind
	minor uint64
}{
	"null":    {null, 3},
	"zero":    {zero, 5},
	"full":    {full, 7},
	"random":  {random, 8},
	"urandom": {random, 9},
}

// Lookup returns a new open file for /dev/name, or false if runos has no
// such device.
func Lookup(name string) (fs.File, bool) {
	d, ok := devices[name]
	if !ok {
		return nil, false
	}
	return &File{kind: d.kind, rdev: 1<<8 | d.minor}, true
}

// File is an open device.
type File struct {
	kind kind
	rdev uint64
}

// Read returns end of file (null), zeroes (zero, full) or random bytes.
func (f *File) Read(p []byte) (int, error) {
	switch f.kind {
	case null:
		return 0, nil
	case random:
		rand.Read(p)
	default:
		clear(p)
	}
	return len(p), nil
}

// Write discards everything, except on /dev/full, which is always full.
func (f *File) Write(p []byte) (int, error) {
	if f.kind == full {
		return 0, kerr.ENOSPC
	}
	return len(p), nil
}

func (f *File) ReadAt(p []byte, off int64) (int, error)  { return f.Read(p) }
func (f *File) WriteAt(p []byte, off int64) (int, error) { return f.Write(p) }

// Seek succeeds and reports position 0, as on these Linux devices.
func (f *File) Seek(off int64, whence int) (int64, error) { return 0, nil }

var bootTime = time.Now()

// Stat describes a character device owned by root, mode 0666.
func (f *File) Stat() (fs.Stat, error) {
	ts := fs.Timespec{Sec: bootTime.Unix()}
	return fs.Stat{Mode: fs.ModeChar | 0o666, Nlink: 1, Rdev: f.rdev, Blksize: 4096,
		Ino: f.rdev, Atime: ts, Mtime: ts, Ctime: ts}, nil
}

func (f *File) Close() error { return nil }
