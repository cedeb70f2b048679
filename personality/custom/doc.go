// Package custom is the home of personalities that are not Linux: ABIs
// written for teaching and research. Each lives in its own sub-package:
// skeleton, the smallest complete personality to copy from, and (to come)
// xv6, the teaching operating system's ABI.
package custom
