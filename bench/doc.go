// Package bench holds runos's syscall-overhead benchmarks: guest programs
// (bench/guest) that time themselves, and the floors of each mechanism
// (bench/floor), measured side by side in one run so that a result reads
// "N× native, M× the floor of its mechanism". Run them with
// `go test -bench . ./bench/`.
package bench
