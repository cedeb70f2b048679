package skeleton

import "github.com/runos-project/runos/kernel/core"

// Decoder makes the personality core.Decodable, so --strace and
// --trace-out show its calls by name with their arguments: one list of
// argument kinds per call is all a small ABI needs.
func (s *Skeleton) Decoder(o core.DecodeOptions) core.SyscallDecoder {
	return &core.SimpleDecoder{Table: &s.table, Opts: o, Args: map[uintptr][]core.ArgKind{
		sysWrite: {core.ArgInt, core.ArgInBuf, core.ArgInt},
		sysExit:  {core.ArgInt},
	}}
}
