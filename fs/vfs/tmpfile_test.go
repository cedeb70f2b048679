package vfs_test

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/pipe"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// TestTmpfileErrors checks O_TMPFILE's cases beyond the plain one
// (TestTmpfileAndNodes): open(2) lists them.
func TestTmpfileErrors(t *testing.T) {
	v := newTree(t)
	user := &vfs.Context{Creds: &vfs.Creds{UID: 1000, GID: 1000}}
	rw := fs.OpenFlags{Read: true, Write: true, Mode: 0o600}
	cases := []struct {
		name  string
		ctx   *vfs.Context
		path  string
		flags fs.OpenFlags
		want  error
	}{
		{"read only", root, "/dir", fs.OpenFlags{Read: true}, kerr.EINVAL},
		{"a file", root, "/top", rw, kerr.ENOTDIR},
		{"missing", root, "/none", rw, kerr.ENOENT},
		{"through a symlink", root, "/link-dir", rw, nil},
		{"not writable", user, "/dir", rw, kerr.EACCES},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := v.OpenTmpfile(c.ctx, nil, c.path, c.flags, 0)
			if err != c.want {
				t.Errorf("OpenTmpfile(%s) = %v, want %v", c.path, err, c.want)
			}
		})
	}
	// O_EXCL: the file may never get a name.
	_, d, err := v.OpenTmpfile(root, nil, "/dir", fs.OpenFlags{Write: true, Exclusive: true}, 0)
	must(t, err)
	if err := v.Link(root, d, "", nil, "/dir/named", vfs.AtEmptyPath); err != kerr.ENOENT {
		t.Errorf("linking an O_EXCL tmpfile: %v, want ENOENT", err)
	}
}

// TestChmodFile checks fchmod and fchown on a pipe, which has no name.
func TestChmodFile(t *testing.T) {
	r, w := pipe.New()
	must(t, vfs.ChmodFile(root, r, 0o640))
	must(t, vfs.ChownFile(root, w, 1000, vfs.NoID))
	st, _ := w.Stat()
	if st.Mode != fs.ModeFIFO|0o640 || st.UID != 1000 || st.GID != 0 {
		t.Errorf("pipe after chmod and chown: mode %o uid %d gid %d", st.Mode, st.UID, st.GID)
	}
	user := &vfs.Context{Creds: &vfs.Creds{UID: 1001, GID: 1001}}
	if err := vfs.ChmodFile(user, r, 0o777); err != kerr.EPERM {
		t.Errorf("chmod by a non-owner: %v, want EPERM", err)
	}
}
