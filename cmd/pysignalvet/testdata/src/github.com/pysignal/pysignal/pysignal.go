// Package pysignal is the part of the real package's API that the
// analyzer's tests use.
package pysignal

import (
	"context"
	"time"
)

func MainContext(fn func(ctx context.Context) error) {}
func Main(fn func() int) int                         { return fn() }
func Sleep(d time.Duration) error                    { return nil }
func Call(f func())                                  { f() }
func CallErr(f func() error) error                   { return f() }

type File struct{}

func (f *File) Read(p []byte) (int, error) { return 0, nil }

var Stdin = &File{}
