//go:build !linux || !cgo

package sigtest

import (
	"errors"
	"fmt"
	"runtime"
)

// Explore needs pysignal's handlers and trace hook, which need Linux and
// cgo: in this build it says so, and sigtest users still compile.
func Explore(fn func() error, opts Options) (*Report, error) {
	return nil, fmt.Errorf("sigtest: Explore needs Linux and cgo (built for %s/%s): %w",
		runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)
}
