package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStubsUpToDate: the generated stub files in the repository are what
// stubgen writes from today's API. It fails when the API changed and
// `go generate` was not run.
func TestStubsUpToDate(t *testing.T) {
	dir := filepath.Join("..", "..")
	files, err := generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Fatalf("generate wrote %d files; want 4", len(files))
	}
	for _, f := range files {
		have, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Errorf("%v: run go generate in the repository root", err)
			continue
		}
		if d := cmp.Diff(strings.Split(string(have), "\n"), strings.Split(string(f.src), "\n")); d != "" {
			t.Errorf("%s is stale: run go generate in the repository root (-have +want):\n%s", f.name, d)
		}
	}
}

// TestStubValues: the rules of the stubs' results, on the real API.
func TestStubValues(t *testing.T) {
	files, err := generate(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	src := map[string]string{}
	for _, f := range files {
		src[f.name] = string(f.src)
	}
	for file, want := range map[string][]string{
		"unsupported.go": {
			`func Read(fd int, p []byte) (n int, err error) { return 0, unsupported("Read") }`,
			`return -1, nil, unsupported("Accept")`,                // a descriptor: -1
			`return -1, unsupported("SetWakeupFD")`,                // likewise
			`return SigInfo{}, false, unsupported("Sigtimedwait")`, // a struct
			`unsupported("Wakeup.Close")`,                          // a method's Op
			`type Wakeup struct {`,
		},
		"unsupported_linux.go":      {`unsupported("EpollWait")`, `unsupported("Setitimer")`},
		"unsupported_calls_test.go": {`"Wakeup.Read":`, `new(Wakeup).Read(0, nil)`},
	} {
		for _, w := range want {
			if !strings.Contains(strings.Join(strings.Fields(src[file]), " "), strings.Join(strings.Fields(w), " ")) {
				t.Errorf("%s lacks %q", file, w)
			}
		}
	}
	if strings.Contains(src["unsupported.go"], "EpollWait") {
		t.Error("unsupported.go has EpollWait, whose unix.EpollEvent exists only on Linux")
	}
	for _, hand := range []string{"func Main(", "func Call(", "func Exit(", "func MainContext("} {
		if strings.Contains(src["unsupported.go"], hand) {
			t.Errorf("unsupported.go has %s, written by hand in %s", hand, handWritten)
		}
	}
}
