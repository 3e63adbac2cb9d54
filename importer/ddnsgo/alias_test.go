package ddnsgo

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// aliasFanOut is a small file whose dnsconf lists, by alias, n times an
// entry that holds, by alias, m domains: n*m records from a few KB.
func aliasFanOut(n, m int) string {
	var b strings.Builder
	b.WriteString("x: &d [")
	for i := range m {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "h%d.example.com", i)
	}
	b.WriteString("]\ny: &e {ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: *d}, dns: {name: cloudflare, secret: x}}\ndnsconf: [")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("*e")
	}
	b.WriteString("]\n")
	return b.String()
}

// billionLaughs nests aliases nine deep, nine wide: 9^10 values.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for i := range 9 {
		n := fmt.Sprintf("b%d", i)
		fmt.Fprintf(&b, "%s: &%s [%s]\n", n, n, strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ","))
		prev = n
	}
	b.WriteString("dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: *a}\n    dns: {name: cloudflare, secret: x, extra: *" + prev + "}\n")
	return b.String()
}

// TestAliasBombsAreRefusedFast: files whose aliases stand for far more
// than they write (a list of aliases to an entry with a long list by
// alias; billion laughs) are refused with a message naming the file, in
// milliseconds and a few MB, while a file that shares a few values by alias
// still converts.
func TestAliasBombsAreRefusedFast(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"fan-out 300 x 300", aliasFanOut(300, 300)},
		{"fan-out 20000 x 20000", aliasFanOut(20000, 20000)},
		{"billion laughs", billionLaughs()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			res, err := Convert([]byte(tc.in), Options{Name: "bomb.yaml"})
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), "bomb.yaml") || !strings.Contains(err.Error(), "YAML aliases") {
				n := 0
				if res != nil {
					n = len(res.TOML)
				}
				t.Fatalf("%d bytes of input: converted to %d bytes (%v), want a refusal naming the aliases", len(tc.in), n, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 || took > 2*time.Second {
				t.Errorf("refused after %v and %d MB allocated, want well under 2 s and 64 MB", took, alloc>>20)
			}
		})
	}
	if _, err := Convert([]byte(aliasFanOut(3, 3)), Options{Name: "few.yaml"}); err != nil {
		t.Errorf("a file sharing a few values by alias is refused: %v", err)
	}
}
