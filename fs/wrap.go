package fs

// Wrapper is implemented by a File that adds behaviour around another
// one: the VFS's reporting of reads and writes to inotify, the Linux
// personality's count of writers for ETXTBSY, the overlay's copied-up
// file keeping its lower identity. Code that looks for an interface of
// the file itself (a page cache to map, a Sync to call, an Allocate)
// finds it through As or Underlying, so a wrapper need not forward every
// interface the files it wraps might have, and adding one never hides
// another.
type Wrapper interface {
	// Unwrap returns the file this one wraps.
	Unwrap() File
}

// Underlying returns the file under all of f's wrappers.
func Underlying(f File) File {
	for {
		w, ok := f.(Wrapper)
		if !ok {
			return f
		}
		f = w.Unwrap()
	}
}

// As returns the outermost layer of f (f itself, then each file a
// wrapper wraps, in turn) that implements T, so that a wrapper which
// implements T itself, to add to it, is the one found.
func As[T any](f File) (T, bool) {
	for {
		if t, ok := any(f).(T); ok {
			return t, true
		}
		w, ok := f.(Wrapper)
		if !ok {
			var zero T
			return zero, false
		}
		f = w.Unwrap()
	}
}
