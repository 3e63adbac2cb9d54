package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDecodeFastAgreesWithEncodingJSONAtItsEdges: the fast path's
// boundaries (a key with no value, a lone continuation byte 0x80, which is
// not UTF-8) read as encoding/json reads them.
func TestDecodeFastAgreesWithEncodingJSONAtItsEdges(t *testing.T) {
	for _, line := range []string{
		`{"kind":}`,
		`{"at":"2026-12-02T03:00:00Z","kind":}`,
		"{\"at\":\"2026-12-02T03:00:00Z\",\"kind\":\"a\x80\"}",
		"{\"at\":\"2026-12-02T03:00:00Z\",\"kind\":\"changed\",\"detail\":\"\x80\"}",
	} {
		sameDecode(t, line)
	}
}

// TestDecodeFastTakesZerosAndNinesInIntegers: integers Append writes with
// the edge digits 0 and 9 in them (a code of 0, a took_ns of 1090, a pid of
// 9) take the fast path.
func TestDecodeFastTakesZerosAndNinesInIntegers(t *testing.T) {
	zero := 0
	for _, e := range []Entry{
		{At: t0, Kind: KindExited, PID: 10, Code: &zero},
		{At: t0, Kind: KindChanged, Took: 1090 * time.Nanosecond},
		{At: t0, Kind: KindExited, PID: 9},
	} {
		line, err := encode(e)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeFast(line)
		if !ok {
			t.Fatalf("the fast path refused %s", line)
		}
		if got.PID != e.PID || got.Took != e.Took || (e.Code != nil && (got.Code == nil || *got.Code != *e.Code)) {
			t.Fatalf("decoded %+v from %s", got, line)
		}
	}
}

// TestReadSinceCountsOnlyDamagedLinesItReads: with Filter.Since, a damaged
// line whose time is before Since is passed over unread (not counted as
// skipped), while one whose time cannot be read, and one cut inside its
// time (a crash, then later appends), are decoded and counted.
func TestReadSinceCountsOnlyDamagedLinesItReads(t *testing.T) {
	old, _ := encode(Entry{At: t0.Add(-time.Hour), Kind: KindChanged})
	keep, _ := encode(Entry{At: t0.Add(time.Hour), Kind: KindChanged})
	for _, tc := range []struct {
		name    string
		line    string
		skipped int
	}{
		{"damaged, before Since", `{"at":"2026-12-02T02:00:00Z","kind":`, 0},
		{"a time that does not parse", `{"at":"soon","kind":"changed"}`, 1},
		{"cut inside its time", `{"at":"2026-12-02T0`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(tempDir(t), "j.jsonl")
			body := string(old) + tc.line + "\n" + string(keep)
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			res := read(t, Filter{Since: t0}, path)
			if len(res.Entries) != 1 || !res.Entries[0].At.Equal(t0.Add(time.Hour)) {
				t.Fatalf("entries %+v, want only the one after Since", res.Entries)
			}
			if res.Skipped != tc.skipped {
				t.Fatalf("%d lines skipped, want %d", res.Skipped, tc.skipped)
			}
		})
	}
}

// TestRotationAtHalfTheBound: the current file stays below half the bound:
// an entry that brings it to half the bound less one byte goes in, one that
// brings it to exactly half rotates first.
func TestRotationAtHalfTheBound(t *testing.T) {
	const bound = MinMaxBytes
	line, err := encode(changeAt(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		after   int // the file's size with the entry appended
		rotated bool
	}{
		{"half less one byte", bound/2 - 1, false},
		{"exactly half", bound / 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(tempDir(t), "j.jsonl")
			j := open(t, path, Limits{MaxBytes: bound, NoSync: true})
			fill := tc.after - len(line)
			if err := os.WriteFile(path, []byte(strings.Repeat("x", fill-1)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			appendAll(t, j, changeAt(1))
			_, err := os.Stat(PreviousPath(path))
			if rotated := err == nil; rotated != tc.rotated {
				t.Fatalf("rotated %v, want %v (file %d bytes)", rotated, tc.rotated, size(t, path))
			}
			if !tc.rotated && size(t, path) != tc.after {
				t.Fatalf("file %d bytes, want %d", size(t, path), tc.after)
			}
		})
	}
}

// TestEscapesInOneTextAreCut: escapes in only Error, or only Detail, are
// halved until the line fits, as in both.
func TestEscapesInOneTextAreCut(t *testing.T) {
	esc := strings.Repeat("<", MaxText) // each becomes \u003c, six bytes
	for _, e := range []Entry{
		{At: t0, Kind: KindFailed, Error: esc},
		{At: t0, Kind: KindFailed, Detail: esc},
	} {
		line, err := encode(e)
		if err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		if len(line) > MaxLine {
			t.Fatalf("line of %d bytes, over MaxLine", len(line))
		}
	}
}

// TestEncodeAtExactlyMaxLine: an entry whose line is exactly MaxLine bytes
// (newline included) is written whole; one a byte longer is cut to fit.
func TestEncodeAtExactlyMaxLine(t *testing.T) {
	base := Entry{At: t0, Kind: KindFailed, Error: strings.Repeat("<", 600)}
	base.Detail = "d"
	b, _ := encode(base)
	pad := 1 + MaxLine - len(b) // Detail bytes that bring the line to MaxLine
	if pad <= 1 || pad+1 > MaxText {
		t.Fatalf("base line of %d bytes leaves no room to pad", len(b))
	}
	for _, tc := range []struct {
		name   string
		detail int
		whole  bool
	}{
		{"exactly MaxLine", pad, true},
		{"MaxLine and one", pad + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			e.Detail = strings.Repeat("d", tc.detail)
			line, err := encode(e)
			if err != nil {
				t.Fatal(err)
			}
			if len(line) > MaxLine {
				t.Fatalf("line of %d bytes, over MaxLine", len(line))
			}
			if whole := len(line) == MaxLine; whole != tc.whole {
				t.Fatalf("line of %d bytes; written whole %v, want %v", len(line), whole, tc.whole)
			}
		})
	}
}

// TestHalvedTextsLandingAtMaxLine: when halving the texts brings a line to
// exactly MaxLine bytes, that line is written as it is (not halved again,
// not refused); a byte or two more and the texts are halved once more.
func TestHalvedTextsLandingAtMaxLine(t *testing.T) {
	// Error's escapes make the first line too long (1024 × 6 bytes); it is
	// halved once. Record is never halved: its escapes and letters pad the
	// halved line to the byte.
	entry := func(record string) Entry {
		return Entry{At: t0, Kind: KindFailed, Record: record, Error: strings.Repeat("<", MaxText)}
	}
	b, err := encode(entry("r"))
	if err != nil {
		t.Fatal(err)
	}
	extra := MaxLine - len(b)
	if extra < 0 || extra/6+extra%6+3 > 300 {
		t.Fatalf("the halved line is %d bytes; Record cannot pad it to MaxLine", len(b))
	}
	pad := strings.Repeat("<", extra/6) + strings.Repeat("r", extra%6+1)
	for _, tc := range []struct {
		name   string
		record string
		want   int // the line's length; 0: shorter than MaxLine
	}{
		{"exactly MaxLine", pad, MaxLine},
		{"MaxLine and one", pad + "r", 0},
		{"MaxLine and two", pad + "rr", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, err := encode(entry(tc.record))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want != 0 && len(line) != tc.want:
				t.Fatalf("line of %d bytes, want %d", len(line), tc.want)
			case tc.want == 0 && len(line) >= MaxLine:
				t.Fatalf("line of %d bytes, want it halved again below MaxLine", len(line))
			}
		})
	}
}

// TestFailedRotationUpToTheWholeBound: when rotation fails, an entry still
// goes to the current file if the file then stays below the whole bound
// (bound less one byte), and not if it would reach the bound.
func TestFailedRotationUpToTheWholeBound(t *testing.T) {
	const bound = MinMaxBytes
	line, err := encode(changeAt(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		after   int // the file's size with the entry appended
		written bool
	}{
		{"bound less one byte", bound - 1, true},
		{"exactly the bound", bound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(tempDir(t), "j.jsonl")
			if err := os.MkdirAll(filepath.Join(PreviousPath(path), "in-the-way"), 0o700); err != nil {
				t.Fatal(err)
			}
			j := open(t, path, Limits{MaxBytes: bound, NoSync: true})
			fill := tc.after - len(line)
			if err := os.WriteFile(path, []byte(strings.Repeat("x", fill-1)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := j.Append(changeAt(1)); err == nil {
				t.Fatal("no error from the failed rotation")
			}
			want := fill
			if tc.written {
				want = tc.after
			}
			if got := size(t, path); got != want {
				t.Fatalf("file %d bytes, want %d (entry written: %v)", got, want, tc.written)
			}
		})
	}
}
