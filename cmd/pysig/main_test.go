//go:build linux && cgo

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
)

// The tests run on a goroutine while the main thread serves pysignal.Call,
// as the command does. With PYSIG_AS_MAIN set, the test binary is pysig
// itself (TestCommandLine).
func TestMain(m *testing.M) {
	if os.Getenv("PYSIG_AS_MAIN") != "" {
		main()
	}
	os.Exit(pysignal.Main(m.Run))
}

// TestCommandLine: exit status 0 for help everywhere, 2 for every usage
// error (checked before any work), the internal command unlisted.
func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args       []string
		code       int
		out, err   string // substrings expected on stdout, stderr
		notOnUsage string
	}{
		{nil, 2, "", "usage: pysig <command>", ""},
		{[]string{"-h"}, 0, "usage: pysig <command>", "", "flood"},
		{[]string{"--help"}, 0, "usage: pysig <command>", "", "flood"},
		{[]string{"help"}, 0, "usage: pysig <command>", "", "flood"},
		{[]string{"help", "race"}, 0, "usage: pysig race [flags]", "", ""},
		{[]string{"race", "-h"}, 0, "usage: pysig race [flags]", "", ""},
		{[]string{"bench", "-h"}, 0, "-benchstat", "", ""},
		{[]string{"trace", "-help"}, 0, "usage: pysig trace [flags]", "", ""},
		{[]string{"demo", "-h"}, 0, "usage: pysig demo [flags]", "", ""},
		{[]string{"version", "-h"}, 0, "usage: pysig version [flags]", "", ""},
		{[]string{"nosuch"}, 2, "", `unknown command "nosuch"`, ""},
		{[]string{"trace", "extra"}, 2, "", `pysig trace: unexpected argument "extra"`, ""},
		{[]string{"version", "extra"}, 2, "", `unexpected argument "extra"`, ""},
		{[]string{"race", "-bogus"}, 2, "", "flag provided but not defined: -bogus", ""},
		{[]string{"race", "-n", "0"}, 2, "", "must be positive", ""},
		{[]string{"race", "-csv", dir}, 2, "", "is a directory", ""},
		{[]string{"bench", "-json", "/nonexistent/r.json"}, 2, "", "-json /nonexistent/r.json: no directory /nonexistent", ""},
		{[]string{"bench", "-csv", dir + "/no/such/dir/s.csv"}, 2, "", "no directory", ""},
		{[]string{"version"}, 0, "pysig github.com/pysignal/pysignal", "", ""},
	} {
		cmd := exec.Command(os.Args[0], c.args...)
		// Under the race detector a process sleeps 1 s at exit unless told not to.
		cmd.Env = append(os.Environ(), "PYSIG_AS_MAIN=1", "GORACE=atexit_sleep_ms=0")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		name := "pysig " + strings.Join(c.args, " ")
		if code != c.code || !strings.Contains(stdout.String(), c.out) || !strings.Contains(stderr.String(), c.err) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				name, code, stdout.String(), stderr.String(), c.code, c.out, c.err)
		}
		if c.notOnUsage != "" && strings.Contains(stdout.String(), c.notOnUsage) {
			t.Errorf("%s lists %q, an internal command", name, c.notOnUsage)
		}
		if c.code == 2 && time.Since(start) > 5*time.Second {
			t.Errorf("%s took %v to refuse its arguments: checked after work?", name, time.Since(start))
		}
	}
}

// standIn writes an executable shell script named name in dir, running
// body: a stand-in for a program pysig runs.
func standIn(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// stdoutOf runs f and returns what it printed to os.Stdout.
func stdoutOf(f func()) string {
	rd, wr, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(rd); got <- b }()
	old := os.Stdout
	os.Stdout = wr
	defer func() { os.Stdout = old }()
	f()
	wr.Close()
	return string(<-got)
}
