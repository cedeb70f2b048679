package xv6

import "github.com/runos-project/runos/kernel/core"

// argKinds say how --strace and --trace-out show each xv6 call's
// arguments (user/user.h gives the C signatures).
var argKinds = map[uintptr][]core.ArgKind{
	nrExit:   {core.ArgInt},
	nrWait:   {core.ArgHex},
	nrPipe:   {core.ArgHex},
	nrRead:   {core.ArgInt, core.ArgOutBuf, core.ArgInt},
	nrKill:   {core.ArgInt},
	nrExec:   {core.ArgString, core.ArgStrv},
	nrFstat:  {core.ArgInt, core.ArgHex},
	nrChdir:  {core.ArgString},
	nrDup:    {core.ArgInt},
	nrSbrk:   {core.ArgInt},
	nrSleep:  {core.ArgInt},
	nrOpen:   {core.ArgString, core.ArgHex},
	nrWrite:  {core.ArgInt, core.ArgInBuf, core.ArgInt},
	nrMknod:  {core.ArgString, core.ArgInt, core.ArgInt},
	nrUnlink: {core.ArgString},
	nrLink:   {core.ArgString, core.ArgString},
	nrMkdir:  {core.ArgString},
	nrClose:  {core.ArgInt},
}

// Decoder implements core.Decodable: xv6's names, and its arguments from
// argKinds.
func (x *Xv6) Decoder(o core.DecodeOptions) core.SyscallDecoder {
	return &core.SimpleDecoder{Table: &x.table, Args: argKinds, Opts: o}
}
