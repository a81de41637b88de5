package pysignal

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fileTables are the places that list the package's files, by document and
// the heading of the section that holds the list.
var fileTables = []struct{ doc, heading string }{
	{"README.md", "## What is here"},
	{"docs/design.md", "## Files"},
}

// fileName is a backquoted name in a file table that names a file or
// directory of the repository (a glob such as `syscallwrap*.go` too).
var fileName = regexp.MustCompile("`([A-Za-z0-9_./*-]+(\\.go|\\.c|\\.h|\\.py|/))`")

// TestFileTablesMatchTheFiles: every file the README's and design.md's file
// tables name exists, and every non-test .go, .c and .h file of the package
// is named in both, so that neither a rename nor a new file leaves the map
// wrong.
func TestFileTablesMatchTheFiles(t *testing.T) {
	var sources []string
	for _, pat := range []string{"*.go", "*.c", "*.h"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") {
				sources = append(sources, f)
			}
		}
	}
	if len(sources) < 20 {
		t.Fatalf("found only %d source files: %v", len(sources), sources)
	}
	for _, tab := range fileTables {
		section := sectionOf(t, tab.doc, tab.heading)
		named := map[string]bool{}
		for _, m := range fileName.FindAllStringSubmatch(section, -1) {
			name := m[1]
			matches, err := filepath.Glob(strings.TrimSuffix(name, "/"))
			if err != nil || len(matches) == 0 {
				t.Errorf("%s (%s) names %s, which does not exist", tab.doc, tab.heading, name)
			}
			for _, f := range matches {
				named[f] = true
			}
		}
		for _, f := range sources {
			if !named[f] {
				t.Errorf("%s is not in %s's file table (%s): add it, with what it holds", f, tab.doc, tab.heading)
			}
		}
	}
}

// sectionOf returns the text of doc from heading to the next heading of
// the same level.
func sectionOf(t *testing.T, doc, heading string) string {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("%s has no %q section", doc, heading)
	}
	s = s[i+len(heading)+2:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// The house's size limits (issue 25): no non-test Go file of the module
// over maxFileLines lines and no function over maxFuncLines, so that a file
// keeps one job and a function fits on a screen. A file or function that
// grows past them is split, not the limit raised.
const (
	maxFileLines = 400
	maxFuncLines = 80
)

func TestHouseSizes(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
			t.Errorf("%s: %d lines, over %d: split it by job", path, n, maxFileLines)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch x := n.(type) {
			case *ast.FuncDecl:
				body = x.Body
			case *ast.FuncLit:
				body = x.Body
			}
			if body != nil {
				from, to := fset.Position(body.Lbrace), fset.Position(body.Rbrace)
				if to.Line-from.Line-1 > maxFuncLines {
					t.Errorf("%s:%d: a function of %d lines, over %d", path, from.Line, to.Line-from.Line-1, maxFuncLines)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("read only %d Go files", files)
	}
}
