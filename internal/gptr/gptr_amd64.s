#include "textflag.h"

// func Get() uintptr
TEXT ·Get(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ (TLS), AX // the runtime's g slot in thread-local storage
	MOVQ AX, ret+0(FP)
	RET
