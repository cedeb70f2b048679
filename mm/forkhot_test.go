package mm

import "testing"

// TestForkHotPages checks Fork's hot addresses: a private page there that
// the parent may write is copied for the child at once, and stays
// writable in the parent; every other page is shared copy-on-write.
func TestForkHotPages(t *testing.T) {
	tests := []struct {
		name     string
		perms    string // "rw" or "ro"
		hot      []uintptr
		wantCopy bool // page 0x500000 copied rather than shared
	}{
		{name: "hot writable page is copied", perms: "rw", hot: []uintptr{0x500ff8}, wantCopy: true},
		{name: "other pages are shared", perms: "rw", hot: []uintptr{0x501000}},
		{name: "no hot addresses", perms: "rw"},
		{name: "read-only page is shared", perms: "ro", hot: []uintptr{0x500000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			p := rw
			if tc.perms == "ro" {
				p = ro
			}
			e.fixed(0x500000, 2, p)
			e.touch(0x500000)
			e.touch(0x501000)
			if p.Write {
				e.guestWrite(0x500010, 0x5a)
			}
			as := newFakeAS()
			m, err := e.m.Fork(as, tc.hot...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(m.Release)
			c := &env{t, e.mf, as, m}
			pp, cp := e.m.pt.pages[0x500000], c.m.pt.pages[0x500000]
			if copied := pp.off != cp.off; copied != tc.wantCopy {
				t.Fatalf("page copied %v, want %v", copied, tc.wantCopy)
			}
			if tc.wantCopy && (!pp.mapped.Write || !cp.mapped.Write) {
				t.Errorf("hot page mapped %s in the parent, %s in the child: want both writable", pp.mapped, cp.mapped)
			}
			if p.Write {
				if got := c.guestRead(0x500010); got != 0x5a {
					t.Errorf("child reads %#x, want the parent's 0x5a", got)
				}
				c.guestWrite(0x500010, 0x11)
				if got := e.guestRead(0x500010); got != 0x5a {
					t.Errorf("parent reads %#x after the child's write, want 0x5a", got)
				}
			}
			checkAll(t, e, c)
		})
	}
}
