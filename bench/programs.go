package bench

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// sources are the C programs of the suite, carried inside the runos binary
// so that `runos bench` needs only gcc, not a checkout.
//
//go:embed guest/*.c guest/*.h floor/*.c
var sources embed.FS

// cflags are the compiler flags of every program: static, so that the
// same file runs natively and under runos with no dynamic loader in the
// measurement, and -pthread for the thread benchmarks.
var cflags = []string{"-static", "-O2", "-pthread"}

// Programs maps a program's name (a guest's benchmark name, or a floor's
// "ptrace_floor", "kvm_floor") to the path of its binary.
type Programs map[string]string

// DefaultCacheDir is where built programs are kept between runs:
// $XDG_CACHE_HOME/runos/bench (os.UserCacheDir), or under os.TempDir.
func DefaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "runos", "bench")
	}
	return filepath.Join(os.TempDir(), "runos-bench")
}

// Build compiles every program of the suite with gcc into a directory of
// cacheDir named by a hash of the sources and flags, so that an unchanged
// suite is built once and a changed one never uses stale binaries.
func Build(cacheDir string) (Programs, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return nil, fmt.Errorf("gcc not found: the benchmark programs are C (%w)", err)
	}
	h := sha256.New()
	fmt.Fprintln(h, cflags)
	var progs []string
	err = fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sources.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		if strings.HasSuffix(p, ".c") {
			progs = append(progs, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cacheDir, hex.EncodeToString(h.Sum(nil))[:16])
	src := filepath.Join(dir, "src")
	for _, sub := range []string{"guest", "floor"} {
		if err := os.MkdirAll(filepath.Join(src, sub), 0o755); err != nil {
			return nil, err
		}
	}
	err = fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := sources.ReadFile(p)
		return os.WriteFile(filepath.Join(src, filepath.FromSlash(p)), b, 0o644)
	})
	if err != nil {
		return nil, err
	}

	out := Programs{}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 4)
	)
	for _, p := range progs {
		name := strings.TrimSuffix(path.Base(p), ".c")
		bin := filepath.Join(dir, name)
		out[name] = bin
		if _, err := os.Stat(bin); err == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			// Build beside the target and rename, so that a concurrent
			// or interrupted build never leaves half a binary.
			tmp := fmt.Sprintf("%s.tmp%d", bin, os.Getpid())
			args := append(append([]string{}, cflags...), "-o", tmp, filepath.Join(src, filepath.FromSlash(p)))
			msg, err := exec.Command(gcc, args...).CombinedOutput()
			if err == nil {
				err = os.Rename(tmp, bin)
			}
			if err != nil {
				os.Remove(tmp)
				mu.Lock()
				errs = append(errs, fmt.Errorf("gcc %s: %v\n%s", p, err, msg))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}
