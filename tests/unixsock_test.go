package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// unixsockCases run guest/unixsock.c once per part: socketpairs of each
// type (peek, message boundaries, MSG_TRUNC, readv/writev, fstat, names),
// bind/listen/connect/accept on a /tmp path and an abstract name and
// datagrams with autobind, SCM_RIGHTS between processes and MSG_CTRUNC,
// SCM_CREDENTIALS and the socket options, shutdown with EPIPE and
// SIGPIPE (streams only), non-blocking calls, poll readiness, a blocked
// receive woken by a writer or interrupted by a signal, and errno cases. The
// guest prints no pids, paths or inode numbers, so the outputs must be
// equal.
func unixsockCases() []behaviourCase {
	g := guest{"unixsock", gccStatic}
	c := func(part string, want ...string) behaviourCase {
		return behaviourCase{Name: "unixsock/" + part, Guest: g, Args: []string{part}, WantLines: want}
	}
	return []behaviourCase{
		c("pair", `  read 6 "onetwo"`, `  MSG_TRUNC recv 5`, `  recvmsg 2 flags MSG_TRUNC=1`, `  readv "abcd"`),
		c("bind", `connect(c, (struct sockaddr *)&a, len) = -1 ECONNREFUSED`, `  server got 5 "early"`,
			`  SO_PEERCRED pid ok 1 uid ok 1 gid ok 1 len 12`, `  autobind len 8 abstract 1`),
		c("rights", `  parent read 23 "through the passed pipe"`, "  small control: 1, MSG_CTRUNC 1, controllen 0",
			"  peek and receive give two fds: 1"),
		c("creds", "  recvmsg 1 type 2 len 28 pid ok 1 uid ok 1 gid ok 1", "  SO_SNDBUF/SO_RCVBUF 5000 -> 10000 10000"),
		c("shutdown", `write(sv[0], "x", 1) = -1 EPIPE`, "  SIGPIPEs 1", "read(sv[0], buf, sizeof buf) = -1 ECONNRESET", `write(sv[0], "x", 1) = -1 EPIPE`),
		c("nonblock", "  filled: EAGAIN, some bytes 1", `  blocking recv 4 "wake"`,
			"recv(sv[0], buf, sizeof buf, 0) = -1 EINTR"),
		c("errors", "connect(s, (struct sockaddr *)&a, len) = -1 ENOENT", "listen(s, 1) = -1 EINVAL",
			"socket(AF_UNIX, 99, 0) = -1 EINVAL"),
	}
}

func TestUnixSockets(t *testing.T) {
	for _, c := range unixsockCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}

// TestUnixSocketFamilies checks the families runos does not serve yet:
// unlike Linux, socket(2) fails with EAFNOSUPPORT (docs/sockets.md).
func TestUnixSocketFamilies(t *testing.T) {
	skipIfNativeOnly(t)
	bin := guestBinary(t, guest{"unixsock", gccStatic})
	got := run(t, requireRunos(t), invocation{Argv: []string{bin, "families"}})
	for _, want := range []string{
		"socket(AF_INET, SOCK_STREAM, 0) = -1 EAFNOSUPPORT",
		"socket(AF_INET6, SOCK_DGRAM, 0) = -1 EAFNOSUPPORT",
		"socket(AF_NETLINK, SOCK_RAW, 0) = -1 EAFNOSUPPORT",
	} {
		if !strings.Contains(got.Stdout, want) {
			t.Errorf("runos output lacks %q:\n%s", want, got.Stdout)
		}
	}
}

// unixsockPython uses sockets the way Python's standard library does:
// asyncio's self-pipe (a socketpair), a socketpair round trip and EPIPE,
// multiprocessing's Pipe between processes, an asyncio server on a path
// and a datagram to an abstract name.
const unixsockPython = `
import asyncio, os, socket, multiprocessing as mp
asyncio.run(asyncio.sleep(0))
print("asyncio ok")
a, b = socket.socketpair()
a.sendall(b"ping"); print("pair", b.recv(16))
b.close()
try:
    a.send(b"x")
except BrokenPipeError as e:
    print("epipe", e.errno)
a.close()
def child(conn):
    conn.send({"k": [1, 2, 3]}); conn.close()
if __name__ == "__main__":
    p_conn, c_conn = mp.Pipe()
    p = mp.Process(target=child, args=(c_conn,)); p.start()
    print("mp", p_conn.recv()); p.join(); print("exit", p.exitcode)
    path = "/tmp/unixsock-py-%d.sock" % os.getpid()
    async def handle(r, w):
        data = await r.readline(); w.write(data.upper()); await w.drain(); w.close()
    async def main():
        srv = await asyncio.start_unix_server(handle, path)
        r, w = await asyncio.open_unix_connection(path)
        w.write(b"hello unix\n"); await w.drain()
        print("async", await r.readline()); w.close(); srv.close(); await srv.wait_closed()
    asyncio.run(main()); os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("\0unixsock-py-%d" % os.getpid())
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); c.sendto(b"dg", s.getsockname())
    print("dgram", s.recvfrom(10)[0])
`

func TestUnixSocketsPython(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		t.Skipf("no /usr/bin/python3: %v", err)
	}
	inv := invocation{Argv: []string{"/usr/bin/python3", "-c", unixsockPython}}
	native := run(t, "", inv)
	checkNative(t, behaviourCase{WantLines: []string{"asyncio ok", "pair b'ping'", "epipe 32",
		"mp {'k': [1, 2, 3]}", "async b'HELLO UNIX\\n'", "dgram b'dg'"}}, native)
	if nativeOnly {
		return
	}
	got := run(t, requireRunos(t), inv)
	if d := diffOutcomes(native, got); d != "" {
		t.Errorf("runos differs from the native run (-native +runos):\n%s", d)
	}
}
