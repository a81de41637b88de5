//go:build !linux || !cgo

package pysignal

import (
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestUnsupported (run by make test with CGO_ENABLED=0): every stub that
// returns an error returns one wrapping errors.ErrUnsupported that names
// the function and what is missing; the table covers every such stub.
func TestUnsupported(t *testing.T) {
	calls := stubCalls // generated with the stubs (internal/stubgen)
	if len(calls) < 40 {
		t.Fatalf("stubCalls has %d stubs; the API has more", len(calls))
	}
	for name, call := range calls {
		err := call()
		var e *Error
		if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "pysignal needs Linux and cgo") ||
			!errors.As(err, &e) || e.Op != name {
			t.Errorf("%s: error %v; want an *Error for %s, naming what is missing, wrapping errors.ErrUnsupported", name, err, name)
		}
	}
	// Every stub returning an error is in the table.
	for _, name := range stubsReturningError(t) {
		if _, ok := calls[name]; !ok {
			t.Errorf("stub %s returns an error but TestUnsupported does not check it", name)
		}
	}
	if got := Main(func() int { return 7 }); got != 7 {
		t.Errorf("Main(fn) = %d; want fn's 7", got)
	}
	ran := false
	Call(func() { ran = true })
	if !ran {
		t.Error("Call(f) did not run f")
	}
}

// stubsReturningError lists the exported functions and methods of this
// build's stub files whose last result is an error.
func stubsReturningError(t *testing.T) []string {
	pkg, err := build.Default.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, path := range pkg.GoFiles {
		if !strings.HasPrefix(path, "unsupported") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() || fd.Type.Results == nil {
				continue
			}
			res := fd.Type.Results.List
			if id, ok := res[len(res)-1].Type.(*ast.Ident); !ok || id.Name != "error" {
				continue
			}
			name := fd.Name.Name
			if fd.Recv != nil {
				recv := fd.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				name = recv.(*ast.Ident).Name + "." + name
			}
			names = append(names, name)
		}
	}
	return names
}
