//go:build linux && cgo

package difffuzz

import (
	"fmt"
	"math/rand"
	"strings"

	"golang.org/x/sys/unix"
)

// The program language. A program is text, one item a line:
//
//	prog
//	h NAME FAIL LIM : OP ; OP ; ...   a handler: FAIL 1 returns an error (every run),
//	                                  its body OPs run on its first LIM runs only
//	OP                                an op of the main program
//	end
//
// Signals are numbers, lists are comma-separated ("-" is empty), and in a
// handler body "self" is the signal being handled. The ops:
//
//	sig S H        signal(S, H), H a handler name, IGN or DFL; prints the old one
//	get S          getsignal(S)
//	block L        pthread_sigmask(SIG_BLOCK, L); prints the old mask
//	unblock L      pthread_sigmask(SIG_UNBLOCK, L)
//	setmask L      pthread_sigmask(SIG_SETMASK, L)
//	raise S        raise_signal(S)
//	tkill S        pthread_kill(main thread, S) from another thread, which is joined
//	check          a check (Go: CheckSignals; Python: a call, the eval breaker)
//	wake A|B|off   set_wakeup_fd(the write end of pipe A or B, or -1); prints the old one
//	wbreak A|B     dup2 a read-only fd over pipe A's or B's write end: writes fail, EBADF
//	drain A|B      read everything in pipe A or B; prints the bytes
//	pending        sigpending()
//	tw L           sigtimedwait(L, 0); prints the signal taken or None
//	sigint S 0|1   siginterrupt(S, flag)
//	itimer         a one-shot 1 µs ITIMER_REAL, its expiry waited for, and (Go) the
//	               C handler's whole run, on whichever thread took SIGALRM; prints
//	               "skip" without arming it while the main thread blocks SIGALRM
//	read N         write N bytes into a pipe, then a wrapped read of 1 byte
//	rblock S       a wrapped read of 1 byte from that pipe, empty unless an earlier
//	               read left bytes: a helper thread sends S to the main thread once
//	               it sleeps in read(2), waits until S has been taken (or is held
//	               blocked) and the main thread sleeps again, then writes a byte
//	               (main program only)
//
// Every op prints one line, "OP -> ok [VALUE]" or "OP -> ERROR", followed by
// " late ERROR..." when handlers that were still tripped failed at the checks
// after it (CPython runs them at the next bytecode; the Go interpreter calls
// CheckSignals until it returns nil). A handler's run prints "run NAME S";
// lines inside a handler are prefixed with one dot per nesting level. Reports
// to the unraisable hook print "unraisable ERROR".
//
// Every signal of the universe starts handled by h0 (records, returns nil).
// Only signals whose default action is to ignore (SIGCHLD, SIGWINCH) are ever
// set to DFL, so no program can kill its interpreter.

var universe = []unix.Signal{1, 10, 12, 14, 15, 17, 28, 34, 40, 64}

// dflOK are the signals that may be set to SIG_DFL: their default is to ignore.
var dflOK = []unix.Signal{17, 28}

// A program: handler definitions and main ops.
type program struct {
	handlers []hdef
	ops      []string
}

type hdef struct {
	name string
	fail bool
	lim  int
	body []string
}

func (p *program) String() string {
	var b strings.Builder
	b.WriteString("prog\n")
	for _, h := range p.handlers {
		f := 0
		if h.fail {
			f = 1
		}
		fmt.Fprintf(&b, "h %s %d %d : %s\n", h.name, f, h.lim, strings.Join(h.body, " ; "))
	}
	for _, o := range p.ops {
		b.WriteString(o + "\n")
	}
	b.WriteString("end\n")
	return b.String()
}

func (p *program) clone() *program {
	q := &program{ops: append([]string(nil), p.ops...)}
	for _, h := range p.handlers {
		h.body = append([]string(nil), h.body...)
		q.handlers = append(q.handlers, h)
	}
	return q
}

// size counts the ops, main and handler bodies.
func (p *program) size() int {
	n := len(p.ops)
	for _, h := range p.handlers {
		n += len(h.body)
	}
	return n
}

// gen writes random programs.
type gen struct {
	r     *rand.Rand
	names []string
}

func (g *gen) sig(inHandler bool) string {
	if inHandler && g.r.Intn(4) == 0 {
		return "self"
	}
	// Mostly the user signals and SIGALRM: more interplay.
	if g.r.Intn(4) != 0 {
		return fmt.Sprint(int([]unix.Signal{10, 12, 14}[g.r.Intn(3)]))
	}
	return fmt.Sprint(int(universe[g.r.Intn(len(universe))]))
}

func (g *gen) list(inHandler bool) string {
	n := g.r.Intn(4)
	if n == 0 {
		return "-"
	}
	seen := map[string]bool{}
	var l []string
	for i := 0; i < n; i++ {
		s := g.sig(inHandler)
		if !seen[s] {
			seen[s] = true
			l = append(l, s)
		}
	}
	return strings.Join(l, ",")
}

func (g *gen) op(inHandler bool) string {
	r := g.r
	switch k := r.Intn(100); {
	case k < 16:
		s := g.sig(inHandler)
		var h string
		switch x := r.Intn(10); {
		case x < 6:
			h = g.names[r.Intn(len(g.names))]
		case x < 8:
			h = "IGN"
		case x < 9:
			h = "h0"
		default:
			h = "DFL"
			s = fmt.Sprint(int(dflOK[r.Intn(len(dflOK))]))
		}
		return "sig " + s + " " + h
	case k < 19:
		return "get " + g.sig(inHandler)
	case k < 28:
		return "block " + g.list(inHandler)
	case k < 36:
		return "unblock " + g.list(inHandler)
	case k < 39:
		return "setmask " + g.list(inHandler)
	case k < 55:
		return "raise " + g.sig(inHandler)
	case k < 61:
		return "tkill " + g.sig(inHandler)
	case k < 65:
		return "check"
	case k < 70:
		return "wake " + []string{"A", "B", "off"}[r.Intn(3)]
	case k < 72:
		return "wbreak " + []string{"A", "B"}[r.Intn(2)]
	case k < 77:
		return "drain " + []string{"A", "B"}[r.Intn(2)]
	case k < 81:
		return "pending"
	case k < 87:
		return "tw " + g.list(inHandler)
	case k < 91:
		return fmt.Sprintf("sigint %s %d", g.sig(inHandler), r.Intn(2))
	case k < 95:
		return "itimer"
	case k < 97 || inHandler:
		return fmt.Sprintf("read %d", 1+r.Intn(2))
	default:
		// Not in a handler: the helper would take the handler's own
		// sleeps for the read's.
		return "rblock " + g.sig(false)
	}
}

// program writes the program of seed.
func genProgram(seed int64) *program {
	g := &gen{r: rand.New(rand.NewSource(seed))}
	p := &program{}
	nh := 1 + g.r.Intn(4)
	for i := 1; i <= nh; i++ {
		g.names = append(g.names, fmt.Sprintf("h%d", i))
	}
	for _, n := range g.names {
		h := hdef{name: n, fail: g.r.Intn(10) < 3, lim: 1 + g.r.Intn(2)}
		for j := g.r.Intn(4); j > 0; j-- {
			h.body = append(h.body, g.op(true))
		}
		p.handlers = append(p.handlers, h)
	}
	// Most handlers installed first (an op may install them later too).
	for _, n := range g.names {
		if g.r.Intn(5) != 0 {
			p.ops = append(p.ops, "sig "+g.sig(false)+" "+n)
		}
	}
	// Often signals blocked and raised, so that several are
	// pending together when they are unblocked.
	if g.r.Intn(2) == 0 {
		l := g.list(false)
		p.ops = append(p.ops, "block "+l)
		for j := g.r.Intn(3); j >= 0; j-- {
			p.ops = append(p.ops, "raise "+g.sig(false))
		}
	}
	for j := 2 + g.r.Intn(12); j > 0; j-- {
		p.ops = append(p.ops, g.op(false))
	}
	return p
}

// shrink removes ops (chunks first, then one at a time, main program and
// handler bodies alike) while differs still holds: delta debugging.
func shrink(p *program, differs func(*program) bool) *program {
	// An op is addressed by (list, index): list -1 is the main program,
	// list i the body of handler i.
	remove := func(p *program, list, from, to int) *program {
		q := p.clone()
		if list < 0 {
			q.ops = append(q.ops[:from], q.ops[to:]...)
		} else {
			b := q.handlers[list].body
			q.handlers[list].body = append(b[:from], b[to:]...)
		}
		return q
	}
	length := func(p *program, list int) int {
		if list < 0 {
			return len(p.ops)
		}
		return len(p.handlers[list].body)
	}
	for changed := true; changed; {
		changed = false
		for list := -1; list < len(p.handlers); list++ {
			for chunk := length(p, list); chunk >= 1; chunk /= 2 {
				for from := 0; from+chunk <= length(p, list); {
					if q := remove(p, list, from, from+chunk); differs(q) {
						p, changed = q, true
					} else {
						from += chunk
					}
				}
			}
		}
		// Handlers no op names any more, and failing handlers that need not fail.
		for i := range p.handlers {
			if p.handlers[i].fail {
				q := p.clone()
				q.handlers[i].fail = false
				if differs(q) {
					p, changed = q, true
				}
			}
			if p.handlers[i].lim > 1 {
				q := p.clone()
				q.handlers[i].lim = 1
				if differs(q) {
					p, changed = q, true
				}
			}
		}
	}
	// Drop the handlers that nothing names.
	text := strings.Join(p.ops, "\n")
	for _, h := range p.handlers {
		text += "\n" + strings.Join(h.body, "\n")
	}
	q := &program{ops: p.ops}
	for _, h := range p.handlers {
		if strings.Contains(text, " "+h.name) {
			q.handlers = append(q.handlers, h)
		}
	}
	if differs(q) {
		p = q
	}
	return p
}
