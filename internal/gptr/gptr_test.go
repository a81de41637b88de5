package gptr

import (
	"runtime"
	"sync"
	"testing"
)

// TestGetNamesTheGoroutine checks that Get is stable within a goroutine,
// across moves between threads, and differs between live goroutines.
func TestGetNamesTheGoroutine(t *testing.T) {
	const n = 16
	vals := make([]uintptr, n)
	var wg sync.WaitGroup
	release := make(chan struct{})
	var ready sync.WaitGroup
	for i := range n {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			a := Get()
			for range 100 {
				runtime.Gosched() // may resume on another thread
				if b := Get(); b != a {
					t.Errorf("goroutine %d: Get changed from %#x to %#x", i, a, b)
					break
				}
			}
			vals[i] = a
			ready.Done()
			<-release // stay alive until every value is read
		}()
	}
	ready.Wait()
	seen := map[uintptr]int{}
	for i, v := range vals {
		if v == 0 {
			t.Errorf("goroutine %d: Get = 0", i)
		}
		if j, dup := seen[v]; dup {
			t.Errorf("goroutines %d and %d share %#x", j, i, v)
		}
		seen[v] = i
	}
	if _, dup := seen[Get()]; dup {
		t.Errorf("the test's goroutine shares its value with another")
	}
	close(release)
	wg.Wait()
}
