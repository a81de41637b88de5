//go:build linux && cgo

package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The latency statistics bench and race share: nearest-rank percentiles and
// a histogram in factor-of-4 buckets, over samples in nanoseconds
// (time.Duration or int64).

// stats summarises a set of latency samples.
type stats struct {
	P50 int64 `json:"p50_ns"`
	P90 int64 `json:"p90_ns"`
	P99 int64 `json:"p99_ns"`
	Max int64 `json:"max_ns"`
	N   int64 `json:"samples"`
}

// summarize returns the percentiles of v (which it does not change); the
// zero stats for no samples.
func summarize[T ~int64](v []T) stats {
	if len(v) == 0 {
		return stats{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return stats{int64(percentile(s, 50)), int64(percentile(s, 90)), int64(percentile(s, 99)),
		int64(s[len(s)-1]), int64(len(s))}
}

// percentile returns the p-th percentile of sorted, by nearest rank: the
// smallest sample with at least p % of the samples at or below it.
func percentile[T ~int64](sorted []T, p int) T {
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return sorted[i]
}

// histogram draws the samples in buckets from 1 µs up, each 4 times the
// last, with bars scaled to the fullest bucket.
func histogram[T ~int64](v []T) string {
	var bounds []time.Duration
	for b := time.Microsecond; b <= 2*time.Second; b *= 4 {
		bounds = append(bounds, b)
	}
	counts := make([]int, len(bounds)+1)
	for _, x := range v {
		i, _ := slices.BinarySearch(bounds, time.Duration(x))
		counts[i]++
	}
	most := max(slices.Max(counts), 1)
	var sb strings.Builder
	for i, n := range counts {
		if n == 0 {
			continue
		}
		label := "≥ " + bounds[len(bounds)-1].String()
		if i < len(bounds) {
			label = "< " + bounds[i].String()
		}
		bar := strings.Repeat("#", (n*40+most-1)/most)
		fmt.Fprintf(&sb, "  %10s %6d %s\n", label, n, bar)
	}
	return sb.String()
}
