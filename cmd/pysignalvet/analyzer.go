package main

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

const pysignalPath = "github.com/pysignal/pysignal"

// Analyzer reports blocking standard-library calls that signals do not
// interrupt, inside the functions run by pysignal.MainContext and
// pysignal.Main.
var Analyzer = &analysis.Analyzer{
	Name: "pysignalvet",
	Doc: "report blocking calls that Ctrl-C cannot interrupt in functions run by pysignal.MainContext or pysignal.Main\n\n" +
		"The os, time and net packages retry EINTR themselves: os.Stdin reads, time.Sleep and net.Conn I/O " +
		"keep waiting through a signal. Use pysignal.Stdin, pysignal.Sleep, or a deadline or context.",
	URL: "https://pkg.go.dev/github.com/pysignal/pysignal/cmd/pysignalvet",
	Run: run,
}

// entryPoints are the pysignal functions whose argument runs as the program
// (MainContext, Main) or on the main thread (Call, CallErr).
var entryPoints = map[string]bool{"MainContext": true, "Main": true, "Call": true, "CallErr": true}

func run(pass *analysis.Pass) (any, error) {
	// The package's function declarations, to follow static calls.
	decls := map[*types.Func]*ast.FuncDecl{}
	fileOf := map[ast.Node]*ast.File{}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					decls[fn] = fd
					fileOf[fd] = f
				}
			}
		}
	}
	c := &checker{pass: pass, decls: decls, fileOf: fileOf, seen: map[ast.Node]bool{}, reported: map[ast.Node]bool{}}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
			if !ok || fn.Pkg() == nil || fn.Pkg().Path() != pysignalPath || !entryPoints[fn.Name()] {
				return true
			}
			entry := "pysignal." + fn.Name()
			switch arg := ast.Unparen(call.Args[0]).(type) {
			case *ast.FuncLit:
				c.check(arg.Body, f, entry)
			default:
				if target, ok := typeutil.Callee(pass.TypesInfo, &ast.CallExpr{Fun: arg}).(*types.Func); ok {
					if fd := decls[target]; fd != nil {
						c.check(fd.Body, fileOf[fd], entry)
					}
				}
			}
			return true
		})
	}
	return nil, nil
}

type checker struct {
	pass     *analysis.Pass
	decls    map[*types.Func]*ast.FuncDecl
	fileOf   map[ast.Node]*ast.File
	seen     map[ast.Node]bool // bodies checked
	reported map[ast.Node]bool
}

// check reports the blocking calls in body (func literals inside it too)
// and follows static calls to the package's own functions.
func (c *checker) check(body *ast.BlockStmt, file *ast.File, entry string) {
	if c.seen[body] {
		return
	}
	c.seen[body] = true
	c.checkFunc(body, file, entry)
}

// checkFunc walks one function body; a nested func literal is walked as its
// own function (its deadlines and contexts are its own).
func (c *checker) checkFunc(body *ast.BlockStmt, file *ast.File, entry string) {
	guarded := guardsConns(c.pass.TypesInfo, body)
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			if n.Body != body {
				c.checkFunc(n.Body, file, entry)
				return false
			}
		case *ast.CallExpr:
			c.checkCall(n, file, entry, guarded)
		}
		return true
	})
}

func (c *checker) checkCall(call *ast.CallExpr, file *ast.File, entry string, guarded bool) {
	info := c.pass.TypesInfo
	callee := typeutil.Callee(info, call)
	if fn, ok := callee.(*types.Func); ok {
		if fd := c.decls[fn]; fd != nil {
			c.check(fd.Body, c.fileOf[fd], entry)
		}
		if fn.Pkg() != nil && fn.Pkg().Path() == "time" && fn.Name() == "Sleep" {
			c.report(call.Fun, file, entry, "time.Sleep is not interrupted by signals: a handler's error, KeyboardInterrupt included, cannot reach it; use pysignal.Sleep",
				"Sleep", "Use pysignal.Sleep")
		}
	}
	// A method call on a blocking value: os.Stdin.Read, conn.Write, ln.Accept.
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if s := info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
			c.checkUse(sel.X, sel.Sel.Name, file, entry, guarded)
		}
	}
	// A blocking value passed as an io.Reader or io.Writer:
	// bufio.NewScanner(os.Stdin), io.Copy(conn, r).
	sig, ok := info.TypeOf(call.Fun).(*types.Signature)
	if !ok {
		return
	}
	for i, arg := range call.Args {
		var param types.Type
		switch {
		case i < sig.Params().Len()-1 || (i < sig.Params().Len() && !sig.Variadic()):
			param = sig.Params().At(i).Type()
		case sig.Variadic() && sig.Params().Len() > 0:
			if sl, ok := sig.Params().At(sig.Params().Len() - 1).Type().(*types.Slice); ok {
				param = sl.Elem()
			}
		}
		iface, ok := types.Unalias(param).Underlying().(*types.Interface)
		if !ok || param == nil {
			continue
		}
		for _, m := range []string{"Read", "Write"} {
			if obj, _, _ := types.LookupFieldOrMethod(iface, false, nil, m); obj != nil {
				c.checkUse(arg, m, file, entry, guarded)
				break
			}
		}
	}
}

// checkUse reports x if it is a value whose method (Read, Write, Accept)
// blocks through signals.
func (c *checker) checkUse(x ast.Expr, method string, file *ast.File, entry string, guarded bool) {
	info := c.pass.TypesInfo
	reads := method == "Read" || method == "ReadAt"
	if isStdin(info, x) {
		if reads {
			c.report(x, file, entry, "os.Stdin reads are not interrupted by signals (the os package retries EINTR): a handler's error, KeyboardInterrupt included, cannot reach this read; use pysignal.Stdin",
				"Stdin", "Use pysignal.Stdin")
		}
		return
	}
	t := info.TypeOf(x)
	if t == nil {
		return
	}
	switch {
	case reads && isNamed(t, "os", "File", true):
		c.report(x, file, entry, "(*os.File)."+method+" is not interrupted by signals (the os package retries EINTR); read through pysignal.NewFile(f.Fd(), f.Name()) instead", "", "")
	case guarded:
	case (method == "Read" || method == "Write") && isNetConn(t):
		c.report(x, file, entry, "net.Conn "+method+" is not interrupted by signals (the net package retries EINTR) and nothing here ends it: set a deadline, or close the connection when ctx is done (context.AfterFunc(ctx, func() { conn.Close() }))", "", "")
	case method == "Accept" && isNetListener(t):
		c.report(x, file, entry, "net.Listener Accept is not interrupted by signals (the net package retries EINTR) and nothing here ends it: close the listener when ctx is done (context.AfterFunc(ctx, func() { ln.Close() }))", "", "")
	}
}

// report reports n once. With fixName, the fix replaces n by the pysignal
// identifier of that name, if the file imports pysignal.
func (c *checker) report(n ast.Node, file *ast.File, entry, msg, fixName, fixMsg string) {
	if c.reported[n] {
		return
	}
	c.reported[n] = true
	d := analysis.Diagnostic{Pos: n.Pos(), End: n.End(), Message: msg + " (in a function run by " + entry + ")"}
	if name := importName(file, pysignalPath); fixName != "" && name != "" {
		d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   fixMsg,
			TextEdits: []analysis.TextEdit{{Pos: n.Pos(), End: n.End(), NewText: []byte(name + "." + fixName)}},
		}}
	}
	c.pass.Report(d)
}

// guardsConns reports whether body sets a deadline, or ties something to a
// context's end (ctx.Done(), context.AfterFunc): then its net calls have a
// way to end.
func guardsConns(info *types.Info, body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		if fn, ok := typeutil.Callee(info, call).(*types.Func); ok {
			switch {
			case strings.HasPrefix(fn.Name(), "Set") && strings.HasSuffix(fn.Name(), "Deadline"):
				found = true
			case fn.Pkg() != nil && fn.Pkg().Path() == "context" && fn.Name() == "AfterFunc":
				found = true
			case fn.Name() == "Done" && fn.Pkg() != nil && fn.Pkg().Path() == "context":
				found = true
			}
		}
		return true
	})
	return found
}

func isStdin(info *types.Info, x ast.Expr) bool {
	var id *ast.Ident
	switch x := ast.Unparen(x).(type) {
	case *ast.SelectorExpr:
		id = x.Sel
	case *ast.Ident:
		id = x
	default:
		return false
	}
	v, ok := info.Uses[id].(*types.Var)
	return ok && v.Pkg() != nil && v.Pkg().Path() == "os" && v.Name() == "Stdin" && v.Parent() == v.Pkg().Scope()
}

// isNamed reports whether t is pkg.name (or a pointer to it, if ptr).
func isNamed(t types.Type, pkg, name string, ptr bool) bool {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok && ptr {
		t = types.Unalias(p.Elem())
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

func isNetConn(t types.Type) bool {
	for _, name := range []string{"Conn", "TCPConn", "UDPConn", "UnixConn", "IPConn"} {
		if isNamed(t, "net", name, true) {
			return true
		}
	}
	return false
}

func isNetListener(t types.Type) bool {
	for _, name := range []string{"Listener", "TCPListener", "UnixListener"} {
		if isNamed(t, "net", name, true) {
			return true
		}
	}
	return false
}

// importName is the name file uses for the package path, or "".
func importName(file *ast.File, path string) string {
	for _, imp := range file.Imports {
		if strings.Trim(imp.Path.Value, "\"`") != path {
			continue
		}
		if imp.Name != nil {
			if imp.Name.Name == "_" || imp.Name.Name == "." {
				return ""
			}
			return imp.Name.Name
		}
		return path[strings.LastIndex(path, "/")+1:]
	}
	return ""
}
