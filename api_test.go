//go:build linux && cgo

package pysignal

import (
	"bytes"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// linuxOnlyAPI is the part of the API built on x/sys/unix types that exist
// only on Linux (EpollEvent, ItimerWhich, SIG_BLOCK, …; Siginfo is missing on
// darwin): a program using it is Linux-only however pysignal is built.
var linuxOnlyAPI = []string{
	"func EpollWait", "func Setitimer", "func Getitimer",
	"const ItimerReal", "const ItimerVirtual", "const ItimerProf",
	"const SigBlock", "const SigUnblock", "const SigSetmask",
	"const NSIG", "const SIGRTMIN", "const SIGRTMAX",
}

// The stubs (unsupported.go, unsupported_linux.go) are generated from the
// real API: after changing it, run go generate.
//
//go:generate go run ./internal/stubgen

// TestAPISameEverywhere: the exported API of a build without Linux or
// without cgo (the stubs) is the real one, name for name and signature for
// signature, less only the Linux-only part on other systems. A function
// added to the real build without a stub (go generate not run) fails here.
func TestAPISameEverywhere(t *testing.T) {
	want := exportedAPI(t, "linux", "amd64", true)
	if len(want) < 50 {
		t.Fatalf("found only %d exported identifiers in the linux/amd64 cgo build", len(want))
	}
	for _, b := range []struct {
		goos, goarch string
		cgo          bool
	}{
		{"linux", "arm64", true},
		{"linux", "amd64", false},
		{"linux", "arm64", false},
		{"darwin", "arm64", true},
		{"darwin", "arm64", false},
		{"freebsd", "amd64", false},
	} {
		w := want
		if b.goos != "linux" {
			w = make(map[string]string)
			for k, v := range want {
				w[k] = v
			}
			for _, k := range linuxOnlyAPI {
				if _, ok := w[k]; !ok {
					t.Errorf("linuxOnlyAPI lists %q, which the linux build does not export", k)
				}
				delete(w, k)
			}
		}
		got := exportedAPI(t, b.goos, b.goarch, b.cgo)
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s/%s cgo=%v: exported API differs from linux/amd64 with cgo (-want +got):\n%s",
				b.goos, b.goarch, b.cgo, d)
		}
	}
}

// exportedAPI maps each exported identifier of the package as built for
// goos/goarch/cgo ("func Read", "func Wakeup.Read", "type SigInfo",
// "const Default") to its signature: parameter and result types, the type's
// definition (exported fields only), or the declared type of a constant or
// variable.
func exportedAPI(t *testing.T, goos, goarch string, cgo bool) map[string]string {
	t.Helper()
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = goos, goarch, cgo
	pkg, err := ctx.ImportDir(".", 0)
	if err != nil {
		t.Fatalf("%s/%s cgo=%v: %v", goos, goarch, cgo, err)
	}
	fset := token.NewFileSet()
	api := make(map[string]string)
	str := func(n ast.Node) string {
		var b bytes.Buffer
		printer.Fprint(&b, fset, n)
		return b.String()
	}
	fields := func(fl *ast.FieldList) string {
		var ts []string
		for _, f := range fl.List {
			for range max(1, len(f.Names)) {
				ts = append(ts, str(f.Type))
			}
		}
		return "(" + strings.Join(ts, ", ") + ")"
	}
	for _, name := range append(pkg.GoFiles, pkg.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				key := "func " + d.Name.Name
				if d.Recv != nil {
					recv := strings.TrimPrefix(str(d.Recv.List[0].Type), "*")
					if !ast.IsExported(recv) {
						continue
					}
					key = "func " + recv + "." + d.Name.Name
				}
				sig := fields(d.Type.Params)
				if d.Type.Results != nil {
					sig += " " + fields(d.Type.Results)
				}
				api[key] = sig
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						def := str(s.Type)
						if st, ok := s.Type.(*ast.StructType); ok {
							var fs []string
							for _, f := range st.Fields.List {
								for _, n := range f.Names {
									if n.IsExported() {
										fs = append(fs, n.Name+" "+str(f.Type))
									}
								}
							}
							def = "struct{" + strings.Join(fs, "; ") + "}"
						}
						if s.Assign.IsValid() {
							def = "= " + def
						}
						api["type "+s.Name.Name] = def
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								typ := ""
								if s.Type != nil {
									typ = str(s.Type)
								}
								api[d.Tok.String()+" "+n.Name] = typ
							}
						}
					}
				}
			}
		}
	}
	return api
}
