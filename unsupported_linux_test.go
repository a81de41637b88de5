//go:build !cgo

package pysignal

func init() {
	linuxOnlyCalls = map[string]func() error{
		"EpollWait": func() error { _, err := EpollWait(0, nil, 0); return err },
		"Waitid":    func() error { return Waitid(0, 0, nil, 0, nil) },
		"Setitimer": func() error { _, _, err := Setitimer(ItimerReal, 0, 0); return err },
		"Getitimer": func() error { _, _, err := Getitimer(ItimerReal); return err },
	}
}
