//go:build linux

#include "textflag.h"

// func Get() uintptr
TEXT ·Get(SB), NOSPLIT|NOFRAME, $0-8
	// MOVQ %fs:0, AX: the x86-64 TLS ABI stores the thread pointer at
	// offset 0 of the thread control block that %fs points to.
	BYTE $0x64; BYTE $0x48; BYTE $0x8b; BYTE $0x04; BYTE $0x25
	BYTE $0x00; BYTE $0x00; BYTE $0x00; BYTE $0x00
	MOVQ AX, ret+0(FP)
	RET
