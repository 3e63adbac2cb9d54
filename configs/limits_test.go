package configs

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// nestedArrays is a config whose one value is n arrays inside each other:
// 2n+5 bytes, 40 KB at n = 20000.
func nestedArrays(n int) string {
	return "x = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n"
}

// largeConfig is an ordinary config with n records over a few providers.
func largeConfig(n int) string {
	var b strings.Builder
	b.WriteString("[updater]\ninterval = \"5m\"\n[providers.home]\ntype = \"dryrun\"\n[providers.work]\ntype = \"dryrun\"\n")
	for i := range n {
		fmt.Fprintf(&b, "[[records]]\nprovider = %q\nzone = \"example.com\"\nname = \"host%d\"\ntype = \"A\"\nttl = 300\n", []string{"home", "work"}[i%2], i)
	}
	return b.String()
}

// deepestAllowed fills about size bytes with the costliest shape the
// scanner's limits let through: values eight levels deep, three of them
// inline tables.
func deepestAllowed(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size-64; i++ {
		fmt.Fprintf(&b, "x%d = {a = {b = {c = [[[[1]]]]}}}\n", i)
	}
	return b.String()
}

// BenchmarkLoadNested loads a 40 KB file of nested arrays, which the key
// scanner once took 10 s and 3.7 GB over (now refused at once), a large
// ordinary config, and a file at the size limit made of the costliest shape
// within the limits, which is what bounds a load's cost.
func BenchmarkLoadNested(b *testing.B) {
	for _, bc := range []struct{ name, src string }{
		{"nested-arrays-40KB", nestedArrays(20000)},
		{"records-5000", largeConfig(5000)},
		{"deepest-allowed-1MiB", deepestAllowed(MaxConfigSize)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.src)))
			data := []byte(bc.src)
			for b.Loop() {
				_, _ = Parse("bench.toml", data, Options{ProviderKeys: testKeys})
			}
		})
	}
}

// locate lists every key and element path scan finds in src with the
// position it is written at, up to where src passes a limit.
func locate(src string) map[string]Pos {
	p, _ := scan(src, defaultLimits)
	out := map[string]Pos{}
	for i, n := range p.nodes {
		if n.set {
			out[p.key(int32(i))] = n.at()
		}
	}
	return out
}

// noLimits lifts the scanner's limits, to measure or list the scanner alone.
var noLimits = limits{depth: 1 << 30, inline: 1 << 30, keyLen: 1 << 30}

// scanBytes is how many bytes one scan of src allocates, the least of a
// few runs.
func scanBytes(src string, lim limits) uint64 {
	best := ^uint64(0)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		scan(src, lim)
		runtime.ReadMemStats(&after)
		best = min(best, after.TotalAlloc-before.TotalAlloc)
	}
	return best
}

// TestScanIsLinear doubles the size of shapes that once cost the square
// of their depth or key length and checks that the scanner's allocations
// at most about double too. Its limits are lifted, so the scanner itself is
// measured, not the early stop at a limit.
func TestScanIsLinear(t *testing.T) {
	shapes := []struct {
		name string
		gen  func(n int) string
	}{
		{"nested arrays", nestedArrays},
		{"nested inline tables", func(n int) string {
			return "x = " + strings.Repeat("{a = ", n) + "1" + strings.Repeat("}", n) + "\n"
		}},
		{"dotted key parts", func(n int) string { return strings.Repeat("a.", n) + "a = 1\n" }},
		{"a long table name over many keys", func(n int) string {
			var b strings.Builder
			b.WriteString("[" + strings.Repeat("t", n) + "]\n")
			for i := range n / 8 {
				fmt.Fprintf(&b, "k%d = 1\n", i)
			}
			return b.String()
		}},
	}
	const n = 8000
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			small, large := scanBytes(sh.gen(n), noLimits), scanBytes(sh.gen(2*n), noLimits)
			if ratio := float64(large) / float64(small); ratio > 2.6 {
				t.Errorf("the scan allocated %d bytes at size %d and %d bytes at twice the size: %.1f times as much, want at most 2.6 (linear)", small, n, large, ratio)
			}
		})
	}
}

// TestParseRefusesPastTheShapeLimits loads files that pass a limit: each
// is refused with the limit and the place where it was passed, before the
// decoder runs (its cost is what BenchmarkLoadNested shows).
func TestParseRefusesPastTheShapeLimits(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // "" = no limit error
	}{
		{"40 KB of nested arrays", nestedArrays(20000),
			"test.toml:1:13: the value is nested deeper than the limit of 8 levels"},
		{"nested arrays over lines", "[ip]\nv4 = [\n[\n[\n[\n[\n[\n[\n[\n1]]]]]]]]\n",
			"test.toml:9:1: the value is nested deeper than the limit of 8 levels"},
		{"a dotted key of nine parts", "a.b.c.d.e.f.g.h.i = 1\n",
			"test.toml:1:1: the value is nested deeper than the limit of 8 levels"},
		{"a table header of nine parts", "[a.b.c.d.e.f.g.h.i]\n",
			"test.toml:1:1: the value is nested deeper than the limit of 8 levels"},
		{"a key path over 256 bytes", "[providers." + strings.Repeat("p", 240) + "]\napi_token_file = \"x\"\n",
			"test.toml:2:1: the key's full dotted path is longer than the limit of 256 bytes"},
		{"inline tables four deep", "x = { a = { b = { c = { d = 1 } } } }\n",
			"test.toml:1:23: inline tables are nested deeper than the limit of 3"},
		{"eight levels are within the limit", "[a.b.c]\nd.e.f = [[1]]\n", ""},
		{"the schema's deepest key", "[ip]\nv4 = [{ type = \"command\", command = [\"/bin/ip\"] }]\n", ""},
		{"a syntax error before is reported instead", "bad line !\nx = [[[[[[[[[1]]]]]]]]]\n", "test.toml:1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.toml", []byte(tc.src), Options{ProviderKeys: testKeys})
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if tc.want == "" {
				if strings.Contains(msg, "limit") {
					t.Fatalf("refused for its shape: %v", err)
				}
				return
			}
			if !strings.HasPrefix(msg, tc.want) {
				t.Fatalf("error %q, want one starting %q", msg, tc.want)
			}
			if es, _ := AsErrors(err); len(es) != 1 {
				t.Errorf("%d errors, want 1: %v", len(es), err)
			}
		})
	}
	t.Run("the syntax error names its line", func(t *testing.T) {
		_, err := Parse("test.toml", []byte("bad line !\nx = [[[[[[[[[1]]]]]]]]]\n"), Options{})
		if err == nil || strings.Contains(err.Error(), "limit") {
			t.Fatalf("error %v, want the syntax error of line 1", err)
		}
	})
}

func TestParseRefusesAnOversizedFile(t *testing.T) {
	data := []byte(strings.Repeat("# a comment line\n", MaxConfigSize/17+1))
	_, err := Parse("big.toml", data, Options{})
	want := fmt.Sprintf("big.toml: the file is %d bytes, more than the limit of 1 MiB (1048576 bytes) for a config file", len(data))
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if _, err := Parse("ok.toml", data[:MaxConfigSize-MaxConfigSize%17], Options{}); err != nil {
		t.Fatalf("a file at the limit: %v", err)
	}
}

// TestScannerStructure covers shapes TestScannerPositions does not: an
// array of tables inside another, a multi-line string ending in quotes,
// and a quoted key holding a dot.
func TestScannerStructure(t *testing.T) {
	src := "[[b]]\n[[b.a]]\nx = 1\n[[b]]\n[[b.a]]\nx = 2\ns = \"\"\"q\"\"\"\"\nt = 3\n[providers.\"home.net\"]\ntype = 1\n"
	pos, err := scan(src, defaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]Pos{"b.0.a.0.x": {3, 1}, "b.1.a.0.x": {6, 1}, "b.1.a.0.t": {8, 1},
		"providers.home.net.type": {10, 1}, "providers.home.net.nokey": {9, 1}, "b.1.a.0.nokey": {5, 1}} {
		if got, _ := pos.find(key); got != want {
			t.Errorf("%s at %v, want %v", key, got, want)
		}
	}
	if _, ok := pos.find("nothing.here"); ok {
		t.Error("found a key that is not written")
	}
}

// FuzzScan checks the scanner on any text: it ends, creates at most one
// node per byte, and any limit error points inside the file.
func FuzzScan(f *testing.F) {
	f.Add(nestedArrays(100))
	f.Add("x = " + strings.Repeat("{a = ", 10) + "1" + strings.Repeat("}", 10) + "\n")
	f.Add(strings.Repeat("a.", 40) + "a = 1\n")
	f.Add("[" + strings.Repeat("k", 300) + "]\nx = 1\n")
	f.Add(largeConfig(50))
	f.Add("[[b]]\n[[b.a]]\ns = '''x''''\n")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := scan(src, defaultLimits)
		if len(p.nodes) > len(src)+1 {
			t.Fatalf("%d nodes for %d bytes", len(p.nodes), len(src))
		}
		if err != nil && (err.Off < 0 || err.Off > len(src) || err.Pos.Line < 1) {
			t.Fatalf("limit error outside the file: %+v", err)
		}
		for i, n := range p.nodes {
			if i > 0 && (int(n.depth) > maxDepth || int(n.keyLen) > maxKeyLen) {
				t.Fatalf("node %q past the limits", p.key(int32(i)))
			}
		}
	})
}
