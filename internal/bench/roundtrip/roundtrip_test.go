package roundtrip

import (
	"bytes"
	"os"
	"testing"
)

// TestPrintParse: what Print writes, Parse reads back as a positive
// duration; anything else is an error.
func TestPrintParse(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	Print(10)
	os.Stdout = old
	w.Close()
	var out bytes.Buffer
	out.ReadFrom(r)
	if d, err := Parse(out.Bytes()); err != nil || d <= 0 {
		t.Errorf("Parse(%q) = %v, %v; want a positive duration", out.Bytes(), d, err)
	}
	for _, bad := range []string{"", "\n", "0\n", "-5\n", "12 ns\n", "PASS\n"} {
		if d, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, d)
		}
	}
}

// TestParseN: counts are integers of at least 1.
func TestParseN(t *testing.T) {
	if n, err := ParseN("20000"); n != 20000 || err != nil {
		t.Errorf("ParseN(20000) = %d, %v", n, err)
	}
	for _, bad := range []string{"", "0", "-1", "1e3", "ten"} {
		if n, err := ParseN(bad); err == nil {
			t.Errorf("ParseN(%q) = %d, want an error", bad, n)
		}
	}
}
