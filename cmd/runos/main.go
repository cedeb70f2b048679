// Command runos runs an unmodified x86-64 program under the runos
// user-space kernel: `runos [flags] PROGRAM [ARGS...]`. It is the only
// place that wires a concrete personality to a concrete platform.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/stdio"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/kernel/loader"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/kvm"
	"github.com/runos-project/runos/platform/ptrace"
	"github.com/spf13/pflag"
)

// Version is the runos version; `runos version` prints it.
const Version = "0.1.0-dev"

// Exit codes for runos's own failures, as a shell uses them.
const (
	exitUsage       = 2
	exitCannotExec  = 126
	exitNotFound    = 127
	exitInternalErr = 125
)

type options struct {
	personality string
	platform    string
	root        string
	cwd         string
	env         []string
	clearEnv    bool
	debug       bool
	cpuProfile  string
	// Sandbox limits (limits.go).
	user     string
	maxProcs int
	memory   string
	// forcePersonality is set when --personality was given: the first
	// program then runs under it whatever its ELF says.
	forcePersonality bool
	strace           straceFlags
	traceOut         string     // --trace-out FILE (traceout.go)
	dumpOnExit       bool       // --dump-on-exit (dump.go)
	mounts           mountFlags // --mount and --tmpfs (mounts.go)
	hostname         string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func newFlagSet(o *options, stderr io.Writer) *pflag.FlagSet {
	f := pflag.NewFlagSet("runos", pflag.ContinueOnError)
	f.SetOutput(stderr)
	f.SetInterspersed(false) // flags after PROGRAM belong to PROGRAM
	f.StringVar(&o.personality, "personality", "linux", "syscall personality (ABI) of the program")
	f.StringVar(&o.platform, "platform", "ptrace", "mechanism that runs guest code: ptrace, or kvm where /dev/kvm works")
	f.Uint64Var(&seed, "seed", 0, "seed of the values linux-deterministic makes reproducible (random bytes, clocks)")
	f.StringVar(&o.root, "root", "/", "host directory that is the sandbox's / (read-only)")
	f.Var(mountValue{&o.mounts, parseMount, "SRC:DST[:ro|rw]"}, "mount", "pass the host directory or file SRC through at DST in the sandbox, read-only unless :rw (repeatable); nothing outside SRC is reachable through it")
	f.Var(mountValue{&o.mounts, parseTmpfs, "DST"}, "tmpfs", "mount a fresh, empty tmpfs at DST, made if missing (repeatable)")
	f.StringVar(&o.hostname, "hostname", "runos", "the sandbox's host name (uname -n, hostname, /proc/sys/kernel/hostname)")
	f.StringVar(&o.cwd, "cwd", "", "working directory inside the sandbox (default: runos's own, if inside the root, else /)")
	f.StringArrayVar(&o.env, "env", nil, "set KEY=VAL in the program's environment (repeatable)")
	f.BoolVar(&o.clearEnv, "clear-env", false, "start from an empty environment instead of runos's own")
	f.BoolVar(&o.debug, "debug", false, "print kernel diagnostics on stderr")
	f.StringVar(&o.cpuProfile, "cpu-profile", "", "write a Go CPU profile of the kernel to `FILE` (go tool pprof reads it)")
	f.StringVar(&o.user, "user", "", "run the program as UID:GID (default: runos's own user)")
	f.IntVar(&o.maxProcs, "max-procs", 0, "most processes the sandbox may hold; fork fails with EAGAIN beyond (0: no cap)")
	f.StringVar(&o.memory, "memory", "0", "guest memory of the whole sandbox, like 256M or 1G: a larger allocation fails with ENOMEM, and a process whose page faults find no memory left is killed (0: no cap)")
	addStraceFlags(f, &o.strace)
	f.StringVar(&o.traceOut, "trace-out", "", "write a timeline of every syscall, fork, exec, signal, exit and page fault to `FILE` as Chrome trace-event JSON (open it in ui.perfetto.dev or chrome://tracing; see `runos trace`)")
	f.BoolVar(&o.dumpOnExit, "dump-on-exit", false, "when the program exits, print every task, address space and descriptor table to stderr; SIGUSR1 to runos prints the same dump at any time and is not forwarded to the program")
	f.Usage = func() {
		fmt.Fprintf(stderr, "usage: runos [flags] PROGRAM [ARGS...]\n       runos syscalls [--personality NAME] [--markdown]\n       runos personalities\n       runos trace summary FILE | runos trace svg FILE -o OUT.svg\n       runos version\n\nflags:\n")
		f.PrintDefaults()
	}
	return f
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	flags := newFlagSet(&o, stderr)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		// With ContinueOnError pflag prints nothing: one line says
		// what was wrong, as a shell tool would.
		fmt.Fprintf(stderr, "runos: %v (runos --help lists the flags)\n", err)
		return exitUsage
	}
	rest := flags.Args()
	if len(rest) == 0 {
		flags.Usage()
		return exitUsage
	}
	switch rest[0] {
	case "version":
		fmt.Fprintf(stdout, "runos %s\n", Version)
		return 0
	case "syscalls":
		return cmdSyscalls(rest[1:], o.personality, stdout, stderr)
	case "bench":
		return cmdBench(rest[1:], stdout, stderr)
	case "personalities":
		return cmdPersonalities(stdout)
	case "trace":
		return cmdTrace(rest[1:], stdout, stderr)
	case "help":
		flags.SetOutput(stdout)
		flags.Usage()
		return 0
	}
	o.forcePersonality = flags.Changed("personality")
	return runProgram(o, rest, stderr)
}

func newPlatform(name string, mf *mm.MemoryFile) (platform.Platform, error) {
	switch name {
	case "ptrace":
		return ptrace.New(mf.FD())
	case "kvm":
		return kvm.New(mf.FD())
	}
	return nil, fmt.Errorf("unknown platform %q (have: ptrace, kvm)", name)
}

func runProgram(o options, argv []string, stderr io.Writer) int {
	if o.cpuProfile != "" {
		// For people measuring the kernel itself: where does runos spend
		// its time serving this program?
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "runos: --cpu-profile: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "runos: --cpu-profile: %v\n", err)
			return exitUsage
		}
		defer pprof.StopCPUProfile()
	}
	p, ok := lookupPersonality(o.personality)
	if !ok {
		fmt.Fprintf(stderr, "runos: unknown personality %q (have: %s)\n", o.personality, strings.Join(personalityNames(), ", "))
		return exitUsage
	}
	if o.mounts.err != nil {
		fmt.Fprintf(stderr, "runos: %v\n", o.mounts.err)
		return exitUsage
	}
	if len(o.hostname) > core.HostnameMax {
		fmt.Fprintf(stderr, "runos: --hostname: %q is longer than %d bytes\n", o.hostname, core.HostnameMax)
		return exitUsage
	}
	fsys, err := newRootFS(o.root, o.mounts.specs)
	if err != nil {
		var me mountError
		if errors.As(err, &me) {
			fmt.Fprintf(stderr, "runos: %v\n", err)
		} else {
			fmt.Fprintf(stderr, "runos: --root %s: %v\n", o.root, err)
		}
		return exitUsage
	}

	cwd := o.cwd
	if cwd == "" {
		cwd = defaultCwd(o.root)
	}
	env := os.Environ()
	if o.clearEnv {
		env = nil
	}
	env = append(env, o.env...)

	prog, err := findProgram(fsys, argv[0], cwd, env)
	if err != nil {
		return reportExecError(stderr, argv[0], err)
	}

	// runos itself must survive a closed stdout: the guest gets EPIPE
	// and its own SIGPIPE from the kernel instead.
	signal.Ignore(syscall.SIGPIPE)

	creds, err := parseUser(o.user)
	if err != nil {
		fmt.Fprintf(stderr, "runos: --user: %v\n", err)
		return exitUsage
	}
	memLimit, err := parseSize(o.memory)
	if err != nil {
		fmt.Fprintf(stderr, "runos: --memory: %v\n", err)
		return exitUsage
	}
	if o.maxProcs < 0 {
		fmt.Fprintf(stderr, "runos: --max-procs: %d is negative\n", o.maxProcs)
		return exitUsage
	}
	mf, err := mm.NewMemoryFile(memLimit)
	if err != nil {
		fmt.Fprintf(stderr, "runos: memory file: %v\n", err)
		return exitInternalErr
	}
	defer mf.Close()
	plat, err := newPlatform(o.platform, mf)
	if err != nil {
		fmt.Fprintf(stderr, "runos: --platform %s: %v\n", o.platform, err)
		if errors.Is(err, kvm.ErrUnavailable) {
			// The flag was fine; the machine cannot do it.
			return exitInternalErr
		}
		return exitUsage
	}
	defer plat.Close()
	if o.debug {
		if h, ok := plat.(interface{ Hypervisor() string }); ok {
			fmt.Fprintf(stderr, "runos: platform %s on %s\n", plat.Name(), h.Hypervisor())
		}
	}

	var stdioFiles [3]fs.File
	for i := range stdioFiles {
		f, err := stdio.New(i, [3]string{"stdin", "stdout", "stderr"}[i])
		if err == nil {
			stdioFiles[i] = f
		}
	}
	var debug io.Writer
	if o.debug {
		debug = stderr
	}
	k := core.NewKernel(core.Config{Platform: plat, MemoryFile: mf, FS: fsys, Debug: debug, Hostname: o.hostname})
	fsys.SetKernel(k) // /proc shows this kernel's processes
	k.MaxProcs = o.maxProcs
	k.InitCreds = creds
	tracer, err := o.strace.tracer(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "runos: %v\n", err)
		return exitUsage
	}
	var all tracers
	if tracer != nil {
		all = append(all, tracer)
	}
	var timeline *chromeTracer
	if o.traceOut != "" {
		timeline, err = newChromeTracer(o.traceOut, defaultDecodeOptions())
		if err != nil {
			fmt.Fprintf(stderr, "runos: %v\n", err)
			return exitUsage
		}
		all = append(all, timeline)
	}
	if o.dumpOnExit {
		all = append(all, &exitDumper{w: stderr})
	}
	switch len(all) {
	case 0:
	case 1:
		k.Tracer = all[0]
	default:
		k.Tracer = all
	}

	// SIGUSR1 is runos's own: it dumps the kernel's state (dump.go) and
	// is not forwarded to the program.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer func() {
		signal.Stop(usr1)
		close(usr1) // no sends after Stop; ends the goroutine
	}()
	go func() {
		for range usr1 {
			writeDump(stderr, k.Snapshot())
		}
	}()

	// Signals a user sends runos (Ctrl-C, kill) go to the program, as if
	// it had been run directly.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)

	k.SetPersonalities(registry())
	k.InitUmask = uint32(syscall.Umask(0))
	syscall.Umask(int(k.InitUmask))
	var forced core.Personality
	if o.forcePersonality {
		forced = p
	}
	tg, err := k.Start(forced, p, prog, argv, env, stdioFiles, cwd)
	if err != nil {
		return reportExecError(stderr, argv[0], err)
	}
	go func() {
		for s := range sigs {
			k.SignalGroup(tg, core.Signal(s.(syscall.Signal)))
		}
	}()
	st := k.Wait(tg)
	signal.Stop(sigs)
	if tracer != nil {
		if err := tracer.finish(); err != nil {
			fmt.Fprintf(stderr, "runos: --strace: %v\n", err)
		}
	}
	if timeline != nil {
		if err := timeline.finish(); err != nil {
			fmt.Fprintf(stderr, "runos: %v\n", err)
		}
	}
	if err := k.FirstInternalError(); err != nil && st.Signal == core.SIGKILL {
		return exitInternalErr
	}
	if st.Signal != 0 {
		return 128 + int(st.Signal)
	}
	return st.Code
}

// defaultCwd is runos's own working directory when it lies inside the
// root, so `runos ./prog` finds ./prog; otherwise /.
func defaultCwd(root string) string {
	wd, err := os.Getwd()
	if err != nil {
		return "/"
	}
	if root == "/" {
		return wd
	}
	r := strings.TrimSuffix(root, "/")
	if wd == r {
		return "/"
	}
	if strings.HasPrefix(wd, r+"/") {
		return wd[len(r):]
	}
	return "/"
}

// findProgram resolves PROGRAM as a shell would: a name with a slash is a
// path; a bare name is looked up in the program's PATH inside the sandbox.
func findProgram(fsys rootFS, name, cwd string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !strings.HasPrefix(p, "/") {
			p = path.Join(cwd, p)
		}
		if _, err := fsys.Stat(setupContext, nil, p, 0); err != nil {
			return "", err
		}
		return p, nil
	}
	pathVar := "/usr/local/bin:/usr/bin:/bin"
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			pathVar = v
		}
	}
	for _, dir := range strings.Split(pathVar, ":") {
		if dir == "" {
			dir = "."
		}
		p := path.Join(dir, name)
		if !strings.HasPrefix(p, "/") {
			p = path.Join(cwd, p)
		}
		if st, err := fsys.Stat(setupContext, nil, p, 0); err == nil && st.Mode&fs.ModeTypeMask == fs.ModeRegular {
			return p, nil
		}
	}
	return "", kerr.ENOENT
}

// reportExecError prints one line and picks the exit code a shell would:
// 127 when the program does not exist, 126 when it cannot be run.
func reportExecError(stderr io.Writer, name string, err error) int {
	switch {
	case errors.Is(err, kerr.ENOENT), errors.Is(err, kerr.ENOTDIR):
		fmt.Fprintf(stderr, "runos: %s: no such file or directory\n", name)
		return exitNotFound
	case errors.Is(err, kerr.EACCES):
		fmt.Fprintf(stderr, "runos: %s: permission denied\n", name)
		return exitCannotExec
	case errors.Is(err, kerr.ENOEXEC):
		var fe *loader.FormatError
		if errors.As(err, &fe) {
			fmt.Fprintf(stderr, "runos: %s: cannot execute: %s\n", name, fe.Reason)
		} else {
			fmt.Fprintf(stderr, "runos: %s: cannot execute: exec format error\n", name)
		}
		return exitCannotExec
	}
	fmt.Fprintf(stderr, "runos: %s: %v\n", name, err)
	return exitCannotExec
}
