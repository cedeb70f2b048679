package kvm

import (
	"testing"

	"github.com/runos-project/runos/platform/platformtest"
)

// The benchmark bodies are the shared suite's; see platformtest.

func BenchmarkSwitchGetpid(b *testing.B)    { platformtest.BenchSwitchGetpid(b, spec) }
func BenchmarkMapUnmap(b *testing.B)        { platformtest.BenchMapUnmap(b, spec) }
func BenchmarkNewAddressSpace(b *testing.B) { platformtest.BenchNewAddressSpace(b, spec) }
