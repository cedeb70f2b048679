package linux

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Limits of execve(2), "Limits on size of arguments and environment".
const (
	maxArgStrlen   = 32 * 4096 // MAX_ARG_STRLEN: one string
	maxArgStrings  = 0x7fffffff
	maxInterpDepth = 4 // BINPRM_MAX_RECURSION: #! scripts within scripts
	shebangMax     = 256
)

// copyInStrings reads a NULL-terminated array of string pointers
// (argv, envp). A NULL array is empty.
func copyInStrings(t *core.Task, addr uintptr) ([]string, error) {
	var out []string
	if addr == 0 {
		return nil, nil
	}
	total := 0
	for i := 0; ; i++ {
		if i >= maxArgStrings {
			return nil, kerr.E2BIG
		}
		p, err := copyInU64(t, addr+uintptr(8*i))
		if err != nil {
			return nil, err
		}
		if p == 0 {
			return out, nil
		}
		s, err := t.MM().CopyInString(uintptr(p), maxArgStrlen)
		if err == kerr.ENAMETOOLONG {
			return nil, kerr.E2BIG
		}
		if err != nil {
			return nil, err
		}
		total += len(s) + 1
		if total > 1<<30 {
			return nil, kerr.E2BIG
		}
		out = append(out, s)
	}
}

func doExecve(t *core.Task, dirfd int, pathAddr, argvAddr, envpAddr, flags uintptr) (uintptr, error) {
	if flags&^(atEmptyPath|atSymlinkNoFollow) != 0 {
		return 0, kerr.EINVAL
	}
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	argv, err := copyInStrings(t, argvAddr)
	if err != nil {
		return 0, err
	}
	envv, err := copyInStrings(t, envpAddr)
	if err != nil {
		return 0, err
	}
	// The path goes on as given (relative to the cwd, or absolute): a
	// script's interpreter gets it as its script argument, and AT_EXECFN
	// shows it, as on Linux. Only a directory descriptor makes it
	// absolute here.
	abs := p
	if p == "" && (flags&atEmptyPath == 0 || dirfd == atFDCWD) {
		return 0, kerr.ENOENT
	}
	if dirfd != atFDCWD && !strings.HasPrefix(p, "/") {
		start, err := startAt(t, dirfd, p)
		if err != nil {
			return 0, err
		}
		abs = pathOf(t, start)
		if p != "" {
			abs = strings.TrimSuffix(abs, "/") + "/" + p
		}
	}
	if flags&atSymlinkNoFollow != 0 {
		if st, err := t.Kernel().FS.Stat(t.FSContext(), t.Group().WorkingDir(), abs, vfs.AtNoFollow); err == nil && st.Mode&0o170000 == 0o120000 {
			return 0, kerr.ELOOP
		}
	}
	if len(argv) == 0 {
		// Since Linux 5.18 an empty argv gets an empty argv[0], so that
		// programs that assume argc >= 1 do not misread envp.
		argv = []string{""}
	}
	if err := t.Execve(abs, argv, envv); err != nil {
		return 0, err
	}
	return 0, nil
}

// parseShebang reads a "#!interpreter [arg]" line (see execve(2),
// "Interpreter scripts"): the interpreter path, then at most one argument
// holding the rest of the line with surrounding blanks removed.
func parseShebang(head []byte) (interp, arg string, ok bool, err error) {
	if !bytes.HasPrefix(head, []byte("#!")) {
		return "", "", false, nil
	}
	line := head[2:]
	nl := bytes.IndexByte(line, '\n')
	if nl < 0 {
		if len(head) >= shebangMax {
			// The line does not end within the first 256 bytes: Linux
			// 5.x+ refuses rather than truncate the interpreter.
			return "", "", true, kerr.ENOEXEC
		}
	} else {
		line = line[:nl]
	}
	s := strings.Trim(string(line), " \t")
	if s == "" {
		return "", "", true, kerr.ENOEXEC
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		interp, arg = s[:i], strings.Trim(s[i:], " \t")
	} else {
		interp = s
	}
	return interp, arg, true, nil
}

// scriptArgv is the argument list an interpreter gets for a script:
// interpreter, its optional argument, the script path, then the original
// arguments after argv[0].
func scriptArgv(interp, arg, script string, argv []string) []string {
	out := []string{interp}
	if arg != "" {
		out = append(out, arg)
	}
	out = append(out, script)
	if len(argv) > 1 {
		out = append(out, argv[1:]...)
	}
	return out
}

var errInterpLoop = fmt.Errorf("too many levels of #! interpreters: %w", kerr.ELOOP)
