package vfs

// OpenFileDentry makes a dentry, with no name in the tree, for ino: the
// target a magic link jumps to when it names an open file rather than a
// path (procfs's /proc/pid/fd/N, which opens the same pipe or terminal
// even when no path reaches it; see proc(5)). It belongs to near's mount
// and shows as a removed child of near.
func OpenFileDentry(near *Dentry, ino Inode, name string) *Dentry {
	return &Dentry{inode: ino, mnt: near.mnt, name: name, parent: near, deleted: true}
}
