//go:build linux && cgo

package main

import (
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var v []int64
	for i := 100; i >= 1; i-- { // 1..100, unsorted
		v = append(v, int64(i))
	}
	got := summarize(v)
	if want := (stats{P50: 50, P90: 90, P99: 99, Max: 100, N: 100}); got != want {
		t.Errorf("summarize(1..100) = %+v; want %+v", got, want)
	}
	if v[0] != 100 {
		t.Error("summarize sorted its argument in place")
	}
	if got := summarize([]time.Duration{7}); got != (stats{7, 7, 7, 7, 1}) {
		t.Errorf("summarize([7]) = %+v", got)
	}
	if got := summarize([]int64(nil)); got != (stats{}) {
		t.Errorf("summarize(nil) = %+v; want zero", got)
	}
}

func TestHistogram(t *testing.T) {
	h := histogram([]time.Duration{500 * time.Nanosecond, 2 * time.Microsecond, 3 * time.Microsecond, 5 * time.Second})
	want := []string{"< 1µs      1 ####################", "< 4µs      2 ########################################", "≥ 1.048576s      1 ####################"}
	for _, w := range want {
		if !strings.Contains(h, w) {
			t.Errorf("histogram lacks %q:\n%s", w, h)
		}
	}
}
