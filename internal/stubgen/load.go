package main

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// handWritten is the stub file written by hand: what it declares (the
// error, Main, Call, MainContext, Exit) is not generated.
const handWritten = "unsupported_base.go"

// portable are the builds, besides Linux, where the stubs must compile: a
// stub using a type one of them lacks goes to unsupported_linux.go.
// linux is the build whose API is the real one.
var linux = buildFor("linux", "amd64", true)

var portable = []build.Context{buildFor("darwin", "arm64", false), buildFor("freebsd", "amd64", false)}

func buildFor(goos, goarch string, cgo bool) build.Context {
	c := build.Default
	c.GOOS, c.GOARCH, c.CgoEnabled = goos, goarch, cgo
	return c
}

// api is the package's real API and what is needed to write its stubs.
type api struct {
	fset   *token.FileSet
	funcs  []*ast.FuncDecl     // exported, of the cgo-only files, in file order
	types  []*ast.TypeSpec     // likewise
	skip   map[string]bool     // ops and types declared in handWritten
	local  *pkgInfo            // pysignal itself
	pkgs   map[string]*pkgInfo // the packages it imports, by path
	parsed map[string]*ast.File
	srcDir string
}

// pkgInfo is what the stubs need of a package: its type definitions (on
// Linux) and the names it exports on each portable build.
type pkgInfo struct {
	types    map[string]ast.Expr
	imports  map[string]string // the names its files give their imports
	exported []map[string]bool // parallel to portable
}

// load parses the package in dir: the files a Linux cgo build compiles and
// a Linux build without cgo does not are the real API.
func load(dir string) (*api, error) {
	a := &api{fset: token.NewFileSet(), skip: map[string]bool{}, pkgs: map[string]*pkgInfo{},
		parsed: map[string]*ast.File{}, srcDir: dir,
		local: &pkgInfo{types: map[string]ast.Expr{}, imports: map[string]string{}}}
	withCgo, err := linux.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	noCgo := buildFor("linux", "amd64", false)
	withoutCgo, err := noCgo.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	all := append(slices.Clone(withCgo.GoFiles), withCgo.CgoFiles...)
	slices.Sort(all)
	for _, name := range all {
		f, err := a.parse(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		collectTypes(f, a.local.types)
		collectImports(f, a.local.imports)
		if slices.Contains(withoutCgo.GoFiles, name) {
			continue
		}
		if err := a.addReal(name, f); err != nil {
			return nil, err
		}
	}
	base, err := a.parse(filepath.Join(dir, handWritten))
	if err != nil {
		return nil, err
	}
	for _, d := range base.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			a.skip[opName(d)] = true
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok {
					a.skip[ts.Name.Name] = true
				}
			}
		}
	}
	return a, nil
}

// addReal records the exported declarations of one real-API file.
func (a *api) addReal(name string, f *ast.File) error {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.IsExported() && (d.Recv == nil || ast.IsExported(recvType(d))) {
				a.funcs = append(a.funcs, d)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						a.types = append(a.types, s)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							return fmt.Errorf("%s: %s %s: declare exported constants and variables in a file every build compiles", name, d.Tok, n.Name)
						}
					}
				}
			}
		}
	}
	return nil
}

func (a *api) parse(path string) (*ast.File, error) {
	if f, ok := a.parsed[path]; ok {
		return f, nil
	}
	f, err := parser.ParseFile(a.fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	a.parsed[path] = f
	return f, nil
}

// pkgAt loads the package with the given import path, as Linux builds it.
func (a *api) pkgAt(path string) (*pkgInfo, error) {
	if p, ok := a.pkgs[path]; ok {
		return p, nil
	}
	p := &pkgInfo{types: map[string]ast.Expr{}, imports: map[string]string{}}
	files, err := a.pkgFiles(linux, path)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		collectTypes(f, p.types)
		collectImports(f, p.imports)
	}
	a.pkgs[path] = p
	return p, nil
}

// exportedOn reports whether the package with the given import path
// declares name when built for portable[i].
func (a *api) exportedOn(path string, i int, name string) (bool, error) {
	p, err := a.pkgAt(path)
	if err != nil {
		return false, err
	}
	if p.exported == nil {
		for _, ctx := range portable {
			names := map[string]bool{}
			files, err := a.pkgFiles(ctx, path)
			if err != nil {
				return false, err
			}
			for _, f := range files {
				collectNames(f, names)
			}
			p.exported = append(p.exported, names)
		}
	}
	return p.exported[i][name], nil
}

func (a *api) pkgFiles(ctx build.Context, path string) ([]*ast.File, error) {
	bp, err := ctx.Import(path, a.srcDir, 0)
	if err != nil {
		return nil, fmt.Errorf("%s for %s/%s: %w", path, ctx.GOOS, ctx.GOARCH, err)
	}
	var files []*ast.File
	for _, name := range append(slices.Clone(bp.GoFiles), bp.CgoFiles...) {
		f, err := a.parse(filepath.Join(bp.Dir, name))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// collectImports maps the names f gives its imports to their paths.
func collectImports(f *ast.File, into map[string]string) {
	for _, imp := range f.Imports {
		path := strings.Trim(imp.Path.Value, `"`)
		short := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			short = imp.Name.Name
		}
		into[short] = path
	}
}

func collectTypes(f *ast.File, into map[string]ast.Expr) {
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				into[ts.Name.Name] = ts.Type
			}
		}
	}
}

func collectNames(f *ast.File, into map[string]bool) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				into[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					into[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range s.Names {
						into[n.Name] = true
					}
				}
			}
		}
	}
}

// recvType is the name of a method's receiver type.
func recvType(fd *ast.FuncDecl) string {
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// opName is the name an *Error's Op gives a function: "Read", "Wakeup.Read".
func opName(fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return recvType(fd) + "." + fd.Name.Name
	}
	return fd.Name.Name
}
