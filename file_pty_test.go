//go:build linux && cgo

package pysignal

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// grepFilter is the README's quick start: it prints the lines of standard
// input that contain the pattern, and dies by Ctrl-C as Python does.
func grepFilter(ctx context.Context) error {
	pattern := os.Getenv("PYSIGNAL_GREP_PATTERN")
	sc := bufio.NewScanner(Stdin)
	for sc.Scan() {
		if strings.Contains(sc.Text(), pattern) {
			if _, err := fmt.Fprintln(Stdout, sc.Text()); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

func init() {
	mainThreadChildren["grep"] = func() { MainContext(grepFilter) }
}

// ptyResult is what testdata/ptyrun.py reports.
type ptyResult struct {
	Output   string `json:"output"`
	Stderr   string `json:"stderr"`
	Ended    string `json:"ended"`
	TimedOut bool   `json:"timed_out"`
}

// TestFileGrepOnPTY runs the quick start's filter and its Python twin
// (testdata/grep.py) on a real pseudo-terminal (testdata/ptyrun.py): lines
// typed, then ^D (end of input: exit status 0) or ^C (KeyboardInterrupt:
// death by SIGINT). The terminal output and the way each ended must be the
// same; standard error must end with KeyboardInterrupt after a ^C.
func TestFileGrepOnPTY(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX) // the filter's read is on fn's goroutine
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	lines := []string{"apple pie\n", "banana\n", "pineapple\n", "cherry\n", "grape apple\n"}
	for _, key := range []struct{ name, key string }{{"ctrl-d", "\x04"}, {"ctrl-c", "\x03"}} {
		t.Run(key.name, func(t *testing.T) {
			spec, _ := json.Marshal(map[string]any{"lines": lines, "wait_for": "grape apple", "last_key": key.key})
			run := func(env []string, argv ...string) ptyResult {
				cmd := exec.Command(python, append([]string{"testdata/ptyrun.py", string(spec)}, argv...)...)
				cmd.Env = env
				cmd.Stderr = os.Stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("ptyrun.py %v: %v", argv, err)
				}
				var r ptyResult
				if err := json.Unmarshal(out, &r); err != nil {
					t.Fatalf("ptyrun.py %v printed %q: %v", argv, out, err)
				}
				if r.TimedOut {
					t.Fatalf("%v timed out on the terminal: %+v", argv, r)
				}
				return r
			}
			goSide := run(childEnv("PYSIGNAL_TEST_CHILD=grep", "PYSIGNAL_GREP_PATTERN=apple"), os.Args[0], "-test.run=^$")
			pySide := run(os.Environ(), python, "testdata/grep.py", "apple")
			want := "apple pie\r\npineapple\r\ngrape apple\r\n"
			if goSide.Output != want {
				t.Errorf("the Go filter wrote %q to the terminal, want %q", goSide.Output, want)
			}
			if diff := cmp.Diff(pySide.Output, goSide.Output); diff != "" {
				t.Errorf("terminal output (-python +go):\n%s", diff)
			}
			if goSide.Ended != pySide.Ended {
				t.Errorf("the Go filter ended by %s, Python by %s", goSide.Ended, pySide.Ended)
			}
			wantEnd := map[string]string{"ctrl-d": "exit 0", "ctrl-c": "signal 2"}[key.name]
			if goSide.Ended != wantEnd {
				t.Errorf("the Go filter ended by %s, want %s", goSide.Ended, wantEnd)
			}
			if key.name == "ctrl-c" {
				for side, r := range map[string]ptyResult{"Go": goSide, "Python": pySide} {
					if !strings.HasSuffix(r.Stderr, "KeyboardInterrupt\n") {
						t.Errorf("%s's standard error after ^C: %q, want it to end with KeyboardInterrupt", side, r.Stderr)
					}
				}
				t.Logf("Go's standard error: %q", goSide.Stderr)
			} else if goSide.Stderr != "" || pySide.Stderr != "" {
				t.Errorf("standard error after ^D: Go %q, Python %q; want nothing", goSide.Stderr, pySide.Stderr)
			}
		})
	}
}
