package main

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/host"
)

// rootFS serves the sandbox's file namespace from a host directory
// (read-only for now; the VFS of the files issue replaces it).
type rootFS struct{ *host.Root }

func (r rootFS) Open(p string, f fs.OpenFlags) (fs.File, error) {
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
