// Package tests holds runos's end-to-end tests: behaviour tests that run a
// guest program natively and under the runos binary and compare what each
// printed and how it ended, tests of the command line, and tests of the
// project's own rules (the dependency layering of DESIGN.md, package doc
// comments).
//
// It owns the test harness (harness_test.go) and the guest programs under
// guest/, which the tests compile themselves: C with gcc -static (and
// musl-gcc and -static-pie variants), Go with CGO_ENABLED=0. No binary is
// committed. See README.md in this directory for the environment variables
// (RUNOS_BIN, RUNOS_NATIVE_ONLY) and how to add a case.
package tests
