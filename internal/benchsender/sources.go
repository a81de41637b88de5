//go:build linux && cgo

package benchsender

import "embed"

// Sources holds the C side of the benchmark, embedded so that an installed
// pysig can build it: sender.c and sender.h (the shared sender, also
// CPython's, as a shared library) and floor/latency_floor.c (the C floor,
// which includes ../sender.c).
//
//go:embed sender.c sender.h floor/latency_floor.c
var Sources embed.FS
