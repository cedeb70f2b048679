package main

import (
	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/procfs"
)

// statfsFlags are the options of the mount at point, as /proc/mounts
// lists them in mounts, turned into the flags statfs(2) reports; the one
// list keeps /proc/mounts and statfs in agreement.
func statfsFlags(mounts []procfs.Mount, point string) fs.MountFlags {
	var f fs.MountFlags
	for _, m := range mounts {
		if m.Point != point {
			continue
		}
		for _, o := range strings.Split(m.Options, ",") {
			switch o {
			case "nosuid":
				f |= fs.MountNoSuid
			case "nodev":
				f |= fs.MountNoDev
			case "noexec":
				f |= fs.MountNoExec
			case "noatime":
				f |= fs.MountNoAtime
			case "relatime":
				f |= fs.MountRelAtime
			}
		}
	}
	return f
}
