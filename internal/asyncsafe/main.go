// Command asyncsafe proves that a signal handler's object code calls only
// async-signal-safe functions.
//
// It reads a relocatable ELF object compiled with -ffunction-sections (each
// function in its own .text.<name> section) and, starting from the entry
// functions, follows every relocation: a function defined in the object is
// followed in turn, data is fine, and an external symbol must be on the
// allowlist below, taken from POSIX's list of async-signal-safe functions
// (signal-safety(7)) plus glibc's errno accessor. A printf, malloc or lock
// that creeps into the handler, however deep, fails the check.
//
//	go run ./internal/asyncsafe -entry pysig_handler,pysig_trip_signal build/handler.o
package main

import (
	"debug/elf"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// allowed are the external functions a handler may call.
var allowed = map[string]bool{
	"write": true, "read": true, "_exit": true, "abort": true,
	"send":   true, // the wakeup write to a socket (MSG_NOSIGNAL); on POSIX's list
	"getpid": true, "gettid": true, "kill": true, "raise": true, "tgkill": true,
	"sigprocmask": true, "pthread_sigmask": true, "sigaction": true,
	"sigemptyset": true, "sigfillset": true, "sigaddset": true, "sigdelset": true, "sigismember": true,
	"clock_gettime":    true,
	"syscall":          true, // glibc's generic entry (registers, then the trap): rt_tgsigqueueinfo(2), which glibc does not wrap
	"__errno_location": true, // how glibc reaches the thread's errno
}

// outlineAtomic reports whether name is one of libgcc's arm64 atomic
// helpers (__aarch64_ldadd8_relax, __aarch64_cas4_acq, …), which gcc calls
// for __atomic builtins by default (-moutline-atomics): each is a single
// lock-free atomic instruction sequence, chosen by a flag set at start-up,
// so as safe in a signal handler as the inline instruction.
func outlineAtomic(name string) bool {
	for _, op := range []string{"cas", "swp", "ldadd", "ldclr", "ldeor", "ldset"} {
		if rest, ok := strings.CutPrefix(name, "__aarch64_"+op); ok {
			return len(rest) > 0 && strings.ContainsAny(rest[:1], "1248") // operand size: 1, 2, 4, 8 or 16 bytes
		}
	}
	return false
}

type checker struct {
	f        *elf.File
	syms     []elf.Symbol
	relaFor  map[int]*elf.Section // section index -> its .rela section
	visited  map[int]bool         // section indexes already followed
	external map[string]bool
	bad      []string
}

func main() {
	entries := flag.String("entry", "", "comma-separated entry functions")
	flag.Parse()
	if *entries == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: asyncsafe -entry f1,f2 object.o")
		os.Exit(2)
	}
	f, err := elf.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "asyncsafe:", err)
		os.Exit(2)
	}
	defer f.Close()
	c, err := newChecker(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "asyncsafe:", err)
		os.Exit(2)
	}
	for _, name := range strings.Split(*entries, ",") {
		sec, ok := c.funcSection(name)
		if !ok {
			fmt.Fprintf(os.Stderr, "asyncsafe: %s: no function %q in its own section (compile with -ffunction-sections)\n", flag.Arg(0), name)
			os.Exit(1)
		}
		if err := c.follow(sec, name); err != nil {
			fmt.Fprintln(os.Stderr, "asyncsafe:", err)
			os.Exit(2)
		}
	}
	var ext []string
	for name := range c.external {
		ext = append(ext, name)
	}
	sort.Strings(ext)
	fmt.Printf("asyncsafe: %s from %s: external calls %v\n", flag.Arg(0), *entries, ext)
	if len(c.bad) > 0 {
		for _, b := range c.bad {
			fmt.Println("asyncsafe: NOT async-signal-safe:", b)
		}
		os.Exit(1)
	}
}

func newChecker(f *elf.File) (*checker, error) {
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	c := &checker{f: f, syms: syms, relaFor: map[int]*elf.Section{}, visited: map[int]bool{}, external: map[string]bool{}}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_RELA {
			c.relaFor[int(s.Info)] = s
		}
	}
	return c, nil
}

// funcSection finds the section that holds function name.
func (c *checker) funcSection(name string) (int, bool) {
	for _, s := range c.syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF {
			idx := int(s.Section)
			return idx, strings.HasPrefix(c.f.Sections[idx].Name, ".text.")
		}
	}
	return 0, false
}

// follow checks every relocation of text section sec, reached along path.
func (c *checker) follow(sec int, path string) error {
	if c.visited[sec] {
		return nil
	}
	c.visited[sec] = true
	rela, ok := c.relaFor[sec]
	if !ok {
		return nil // no relocations: calls nothing, touches no globals
	}
	data, err := rela.Data()
	if err != nil {
		return err
	}
	for off := 0; off+24 <= len(data); off += 24 {
		info := binary.LittleEndian.Uint64(data[off+8:])
		symIdx := int(info >> 32)
		if symIdx == 0 || symIdx > len(c.syms) {
			continue
		}
		s := c.syms[symIdx-1] // Symbols() leaves out the null symbol 0
		switch {
		case s.Section == elf.SHN_UNDEF:
			if s.Name == "_GLOBAL_OFFSET_TABLE_" {
				continue
			}
			c.external[s.Name] = true
			if !allowed[s.Name] && !outlineAtomic(s.Name) {
				c.bad = append(c.bad, path+" -> "+s.Name)
			}
		case s.Section >= elf.SHN_LORESERVE:
			// absolute or common symbols: data
		default:
			target := int(s.Section)
			name := c.f.Sections[target].Name
			if strings.HasPrefix(name, ".text") && target != sec {
				label := s.Name
				if label == "" {
					label = strings.TrimPrefix(name, ".text.")
				}
				if err := c.follow(target, path+" -> "+label); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
