package core

import (
	"bytes"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/loader"
)

// Conventional Match priorities. A program that names its personality in
// a "runos" ELF note is the surest case; an ELF OSABI byte or an
// interpreter path come next; a plain Linux ELF file is the fallback.
const (
	PriorityNote    = 100 // PT_NOTE with vendor "runos" naming the personality
	PriorityOSABI   = 50  // e_ident[EI_OSABI]
	PriorityInterp  = 30  // the PT_INTERP path
	PriorityDefault = 1   // any x86-64 ELF file
)

// RunosNote returns the personality an image names in a PT_NOTE of
// vendor "runos" (the note's descriptor is the name), or "".
func RunosNote(img *loader.Image) string {
	for _, n := range img.Notes {
		if n.Name == "runos" {
			return string(bytes.TrimRight(n.Desc, "\x00"))
		}
	}
	return ""
}

// SetPersonalities registers the personalities exec chooses among.
func (k *Kernel) SetPersonalities(ps []Personality) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.personalities = append([]Personality(nil), ps...)
}

// choosePersonality picks the personality for the program at path (as t
// resolves it): the registered one whose Match is surest, with
// current winning a tie, else current. Scripts and anything that is not ELF keep the current
// personality, whose own Exec decides what to do with them.
func (k *Kernel) choosePersonality(t *Task, path string, current Personality) Personality {
	f, _, err := k.FS.OpenAt(t.FSContext(), t.tg.WorkingDir(), path, fs.OpenFlags{Read: true}, 0)
	if err != nil {
		return current
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return current
	}
	img, err := loader.Parse(f, st.Size)
	if err != nil {
		return current
	}
	k.mu.Lock()
	ps := k.personalities
	k.mu.Unlock()
	// The current personality wins ties, so that a task under a
	// personality derived from Linux (linux-deterministic) keeps it when
	// it execs a plain Linux program that Linux would match as surely.
	best, bestPri := current, -1
	if pri, ok := current.Match(img); ok {
		bestPri = pri
	}
	for _, p := range ps {
		if pri, ok := p.Match(img); ok && pri > bestPri {
			best, bestPri = p, pri
		}
	}
	return best
}

// Execve runs the program at path in t (execve(2)): it chooses the
// personality for the program, and lets that personality load it. On
// success the task runs under the chosen personality from its next
// instruction on; a task's personality can change at every exec.
func (t *Task) Execve(path string, argv, envv []string) error {
	p := t.k.choosePersonality(t, path, t.p)
	if err := p.Exec(t, path, argv, envv); err != nil {
		return err
	}
	if p.Name() != t.p.Name() {
		t.k.Debugf("task %d: exec %s under the %s personality", t.tid, path, p.Name())
	}
	t.p = p
	return nil
}

// execFirst runs the first program: under forced if the user named a
// personality, else under the one exec would choose.
func (t *Task) execFirst(forced Personality, path string, argv, envv []string) error {
	if forced != nil {
		if err := forced.Exec(t, path, argv, envv); err != nil {
			return err
		}
		t.p = forced
		return nil
	}
	if err := t.Execve(path, argv, envv); err != nil {
		return err
	}
	return nil
}
