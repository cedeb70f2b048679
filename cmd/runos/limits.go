package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/runos-project/runos/kernel/core"
)

// This file turns the sandbox-limit flags (--user, --max-procs,
// --memory) into what the kernel takes.

// parseUser reads --user UID:GID. The sandbox user has no supplementary
// groups, as a container runtime gives a numeric user; without --user
// the first process is whoever runs runos, with runos's own groups.
func parseUser(s string) (core.Credentials, error) {
	if s == "" {
		groups, _ := os.Getgroups()
		g := make([]uint32, len(groups))
		for i, id := range groups {
			g[i] = uint32(id)
		}
		c := core.NewCredentials(uint32(os.Getuid()), uint32(os.Getgid()), g)
		c.EUID, c.FSUID = uint32(os.Geteuid()), uint32(os.Geteuid())
		c.SUID = c.EUID
		c.EGID, c.FSGID = uint32(os.Getegid()), uint32(os.Getegid())
		c.SGID = c.EGID
		return c, nil
	}
	u, g, ok := strings.Cut(s, ":")
	if !ok {
		return core.Credentials{}, fmt.Errorf("want UID:GID, got %q", s)
	}
	uid, err := parseID(u)
	if err != nil {
		return core.Credentials{}, err
	}
	gid, err := parseID(g)
	if err != nil {
		return core.Credentials{}, err
	}
	return core.NewCredentials(uid, gid, nil), nil
}

// parseID reads a numeric uid or gid; -1 (4294967295) is not an id.
func parseID(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || uint32(n) == core.NoID {
		return 0, fmt.Errorf("%q is not a numeric id", s)
	}
	return uint32(n), nil
}

// parseSize reads --memory: a number of bytes with an optional binary
// suffix K, M, G or T (optionally followed by "B" or "iB"), as in 256M or
// 1G. 0 means no limit.
//
// The limit caps the memory file, so it counts pages actually in use by
// the whole sandbox (a page shared copy-on-write counts once). As with
// Linux's default overcommit heuristic, a private writable mmap or brk
// larger than what is left fails at once with ENOMEM (mm/commit.go);
// smaller ones succeed, and a process whose page fault then finds no
// memory left is killed with SIGKILL, as Linux's out-of-memory killer
// would, and runos says so on stderr.
func parseSize(s string) (uint64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	shift := 0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			shift = 10
		case 'M':
			shift = 20
		case 'G':
			shift = 30
		case 'T':
			shift = 40
		}
		if shift != 0 {
			t = t[:n-1]
		}
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n > ^uint64(0)>>shift {
		return 0, fmt.Errorf("%q is not a size (like 256M or 1G)", s)
	}
	return n << shift, nil
}
