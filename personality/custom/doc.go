// Package custom is the home of personalities that are not plain Linux:
// ABIs written for teaching and research. Each lives in its own
// sub-package: skeleton, the smallest complete personality to copy from;
// xv6, the teaching operating system's 21 system calls with its user land
// (make xv6 starts its shell); and linuxdet, linux-deterministic, a
// personality composed from Linux by overriding table entries. See
// docs/personalities.md.
package custom
