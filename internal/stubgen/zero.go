package main

import (
	"fmt"
	"go/ast"
)

// zero is the zero value of t, a type as written in pysignal.
func (a *api) zero(t ast.Expr) (string, error) {
	k, err := a.kind(t, a.local)
	if err != nil || k != "{}" {
		return k, err
	}
	var f file
	return a.print(&f, t) + "{}", nil
}

// kind is the zero value of t, declared in package in, as Go source: "0",
// `""`, "false", "nil", or "{}" for a composite literal of the type.
func (a *api) kind(t ast.Expr, in *pkgInfo) (string, error) {
	switch t := t.(type) {
	case *ast.ParenExpr:
		return a.kind(t.X, in)
	case *ast.Ident:
		if k, ok := builtin[t.Name]; ok {
			return k, nil
		}
		def, ok := in.types[t.Name]
		if !ok {
			return "", fmt.Errorf("type %s: no definition found", t.Name)
		}
		return a.kind(def, in)
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		if !ok || in.imports[x.Name] == "" {
			return "", fmt.Errorf("type %s.%s: no import names its package", x, t.Sel)
		}
		p, err := a.pkgAt(in.imports[x.Name])
		if err != nil {
			return "", err
		}
		def, ok := p.types[t.Sel.Name]
		if !ok {
			return "", fmt.Errorf("type %s.%s: no definition found", x, t.Sel)
		}
		return a.kind(def, p)
	case *ast.StructType:
		return "{}", nil
	case *ast.ArrayType:
		if t.Len != nil {
			return "{}", nil
		}
	}
	return "nil", nil // pointer, slice, map, channel, function, interface
}

var builtin = map[string]string{
	"bool": "false", "string": `""`, "error": "nil", "any": "nil",
	"int": "0", "int8": "0", "int16": "0", "int32": "0", "int64": "0",
	"uint": "0", "uint8": "0", "uint16": "0", "uint32": "0", "uint64": "0", "uintptr": "0",
	"byte": "0", "rune": "0", "float32": "0", "float64": "0", "complex64": "0", "complex128": "0",
}

// linuxOnly reports whether fd's signature uses a name that a portable
// build's package lacks.
func (a *api) linuxOnly(fd *ast.FuncDecl) (bool, error) {
	var found bool
	var err error
	ast.Inspect(&ast.FuncDecl{Recv: fd.Recv, Name: fd.Name, Type: fd.Type}, func(n ast.Node) bool {
		s, ok := n.(*ast.SelectorExpr)
		if !ok || found || err != nil {
			return !found && err == nil
		}
		x, ok := s.X.(*ast.Ident)
		if !ok || a.local.imports[x.Name] == "" {
			return true
		}
		for i := range portable {
			var ok bool
			if ok, err = a.exportedOn(a.local.imports[x.Name], i, s.Sel.Name); err != nil || !ok {
				found = err == nil
				return false
			}
		}
		return true
	})
	return found, err
}
