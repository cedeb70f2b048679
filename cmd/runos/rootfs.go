package main

import (
	"path"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/dev"
	"github.com/runos-project/runos/fs/host"
	"github.com/runos-project/runos/kernel/kerr"
)

// rootFS serves the sandbox's file namespace from a host directory
// (read-only for now; the VFS of the files issue replaces it).
type rootFS struct{ *host.Root }

func (r rootFS) Open(p string, f fs.OpenFlags) (fs.File, error) {
	if df, ok := device(p); ok {
		return df, nil
	}
	var hf host.OpenFlags
	for _, m := range []struct {
		on   bool
		flag host.OpenFlags
	}{
		{f.Read, host.OpenRead}, {f.Write, host.OpenWrite}, {f.Create, host.OpenCreate},
		{f.Exclusive, host.OpenExclusive}, {f.Truncate, host.OpenTruncate},
		{f.Append, host.OpenAppend}, {f.Directory, host.OpenDirectory},
		{f.NoFollow, host.OpenNoFollow},
	} {
		if m.on {
			hf |= m.flag
		}
	}
	return r.Root.Open(p, hf)
}

// device serves /dev/null and its siblings from the kernel (fs/dev), so a
// guest never opens a host device node. The devfs of the files issue will
// replace this.
func device(p string) (fs.File, bool) {
	p = path.Clean(p)
	if dir, name := path.Split(p); dir == "/dev/" {
		return dev.Lookup(name)
	}
	return nil, false
}

// Stat answers for the kernel's devices too.
func (r rootFS) Stat(p string, follow bool) (fs.Stat, error) {
	if df, ok := device(p); ok {
		return df.Stat()
	}
	return r.Root.Stat(p, follow)
}

// Access answers for the kernel's devices too: everyone may read and
// write them.
func (r rootFS) Access(p string, mode int) error {
	if _, ok := device(p); ok {
		if mode&1 != 0 {
			return kerr.EACCES
		}
		return nil
	}
	return r.Root.Access(p, mode)
}
