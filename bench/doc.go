// Package bench is runos's syscall-overhead suite: guest programs
// (bench/guest) that time themselves, and the floors of each mechanism
// (bench/floor), measured side by side in one interleaved run so that a
// result reads "N× native, M× the floor of its mechanism".
//
// The C sources are embedded (programs.go) and built with gcc on first
// use; Run measures them natively and under each platform that works, and
// a Report prints as a table, JSON, CSV or an SVG chart. `runos bench`
// (cmd/runos/bench.go) is the front end; see README.md for what each
// benchmark measures and results from the project's machine.
package bench
