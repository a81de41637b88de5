package sigtest

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Late returns the late results, in order (none: nil). A nil Report has
// none.
func (r *Report) Late() []Result {
	if r == nil {
		return nil
	}
	var late []Result
	for _, res := range r.Results {
		if res.Late {
			late = append(late, res)
		}
	}
	return late
}

// Worst returns the longest delay of all points (0 with no points).
func (r *Report) Worst() time.Duration {
	var worst time.Duration
	if r == nil {
		return 0
	}
	for _, res := range r.Results {
		worst = max(worst, res.Delay)
	}
	return worst
}

// String is a readable table: one line per point, late ones marked.
func (r *Report) String() string {
	if r == nil {
		return "sigtest: no report"
	}
	var sb strings.Builder
	if len(r.Results) == 0 {
		fmt.Fprintf(&sb, "sigtest: no points (fn made no wrapped system call)\n")
		return sb.String()
	}
	fmt.Fprintf(&sb, "sigtest: %s landed at each of %d points; a handler later than %v is late\n",
		sigName(r.sig), len(r.Results), r.bound)
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "point\tcall\tphase\thandler delay\t\t")
	for _, res := range r.Results {
		delay, mark := res.Delay.Round(time.Microsecond).String(), ""
		if res.Delay < time.Microsecond {
			delay = res.Delay.String()
		}
		switch {
		case res.missed:
			delay, mark = "never ran", fmt.Sprintf("LATE (waited %v)", res.Delay.Round(time.Microsecond))
		case res.Late:
			mark = "LATE"
		}
		fmt.Fprintf(tw, "%d\t%s\t%v\t%s\t%s\t\n", res.Index, res.Call, res.Phase, delay, mark)
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		sb.WriteString(strings.TrimRight(line, " \n"))
		if line != "" {
			sb.WriteString("\n")
		}
	}
	fmt.Fprintf(&sb, "%d late of %d; worst delay %v\n", len(r.Late()), len(r.Results), r.Worst().Round(time.Microsecond))
	return sb.String()
}
