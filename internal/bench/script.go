// Package bench holds the CPython side of pysig bench, embedded so that an
// installed pysig can run it.
package bench

import _ "embed"

// CPythonScript is cpython_latency.py.
//
//go:embed cpython_latency.py
var CPythonScript []byte
