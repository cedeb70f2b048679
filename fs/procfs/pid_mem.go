package procfs

import (
	"fmt"
	"path"
	"strings"
)

// smaps is /proc/pid/smaps: each mapping's maps line, then its sizes in
// kB as Linux prints them (proc(5)). The sandbox knows each mapping's
// resident pages, not which of them are shared or dirty, so Pss equals
// Rss and a mapping's resident pages count as clean if it is a
// read-only file mapping and dirty otherwise.
func smaps(p *Process, t *Thread) string {
	if p.Maps == nil {
		return ""
	}
	lines := strings.SplitAfter(maps(p, t), "\n")
	var b strings.Builder
	kb := func(name string, v uint64) { fmt.Fprintf(&b, "%-16s%8d kB\n", name+":", v) }
	for i, m := range p.Maps() {
		if i < len(lines) {
			b.WriteString(lines[i])
		}
		size := uint64(m.End-m.Start) / 1024
		rss := uint64(m.Resident) * 4
		file := strings.HasPrefix(m.Name, "/")
		var sharedClean, sharedDirty, privClean, privDirty, anon uint64
		switch {
		case m.Shared && file && !m.Write:
			sharedClean = rss
		case m.Shared:
			sharedDirty = rss
		case file && !m.Write:
			privClean = rss
		default:
			privDirty = rss
		}
		if !file {
			anon = rss
		}
		kb("Size", size)
		kb("KernelPageSize", 4)
		kb("MMUPageSize", 4)
		kb("Rss", rss)
		kb("Pss", rss)
		kb("Pss_Dirty", sharedDirty+privDirty)
		kb("Shared_Clean", sharedClean)
		kb("Shared_Dirty", sharedDirty)
		kb("Private_Clean", privClean)
		kb("Private_Dirty", privDirty)
		kb("Referenced", rss)
		kb("Anonymous", anon)
		for _, z := range []string{"KSM", "LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
			"Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss", "Locked"} {
			kb(z, 0)
		}
		fmt.Fprintf(&b, "%-16s%d\n", "THPeligible:", 0)
		b.WriteString("VmFlags: " + vmFlags(m) + "\n")
	}
	return b.String()
}

// vmFlags are smaps's two-letter VmFlags of a mapping, each followed by
// a space as Linux prints them.
func vmFlags(m Map) string {
	var b strings.Builder
	add := func(on bool, f string) {
		if on {
			b.WriteString(f + " ")
		}
	}
	add(m.Read, "rd")
	add(m.Write, "wr")
	add(m.Exec, "ex")
	add(m.Shared, "sh")
	b.WriteString("mr mw me ")
	add(m.Shared, "ms")
	add(m.GrowsDown, "gd")
	add(m.Write && !m.Shared, "ac")
	return b.String()
}

// mountinfo is /proc/pid/mountinfo (proc(5)): mount ID, parent ID,
// device, root, mount point, per-mount options, "-", type, source and
// per-filesystem options. The root mount's parent lies outside the
// sandbox, as in a container.
func (f *FS) mountinfo(*Process, *Thread) string {
	if f.sys.Mounts == nil {
		return ""
	}
	const firstID = 21
	ms := f.sys.Mounts()
	var b strings.Builder
	for i, m := range ms {
		parent := firstID - 1
		for j := i - 1; j >= 0; j-- {
			if within(m.Point, ms[j].Point) && m.Point != ms[j].Point {
				parent = firstID + j
				break
			}
		}
		mnt, super := splitOptions(m.Options)
		fmt.Fprintf(&b, "%d %d 0:%d / %s %s - %s %s %s\n",
			firstID+i, parent, firstID+i, m.Point, mnt, m.Type, m.Source, super)
	}
	return b.String()
}

// within reports whether p is dir or lies beneath it.
func within(p, dir string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, path.Clean(dir)+"/")
}

// mountOptions are the options that belong to a mount rather than to its
// filesystem (mountinfo's field 6; see mount(8)).
var mountOptions = map[string]bool{
	"ro": true, "rw": true, "nosuid": true, "nodev": true, "noexec": true,
	"relatime": true, "noatime": true, "strictatime": true, "nodiratime": true,
}

// splitOptions splits a /proc/mounts option list into the mount's and
// the filesystem's; the latter starts with the access mode, as Linux's
// does.
func splitOptions(opts string) (mnt, super string) {
	var a, c []string
	mode := "rw"
	for _, o := range strings.Split(opts, ",") {
		if o == "ro" {
			mode = "ro"
		}
		if mountOptions[o] {
			a = append(a, o)
		} else if o != "" {
			c = append(c, o)
		}
	}
	return strings.Join(a, ","), strings.Join(append([]string{mode}, c...), ",")
}

// auxv is /proc/pid/auxv: the vector exec gave the program, as bytes.
func (f *FS) auxv(pid int) func() ([]byte, error) {
	return func() ([]byte, error) {
		p, err := f.process(pid)
		if err != nil {
			return nil, err
		}
		return p.Auxv, nil
	}
}
