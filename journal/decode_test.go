package journal

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decodeCases are lines for the decoder: as Append writes them, and the
// shapes only encoding/json should judge.
var decodeCases = []string{
	`{"at":"2026-12-02T03:00:00Z","kind":"changed","record":"home.example.com/A","provider":"cf","old":"192.0.2.1","new":"192.0.2.2","took_ns":1500000000,"verified":true}`,
	`{"at":"2026-12-02T03:00:00.123456789+01:00","kind":"exited","pid":42,"code":0,"detail":"exit code 0"}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"failed","error":"refused: \"quoted\" \u003cb\u003e"}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"failed","error":"caf\u00e9 ok é"}`,
	`{"at": "2026-12-02T03:00:00Z", "kind": "changed"}`,
	`{"AT":"2026-12-02T03:00:00Z","Kind":"changed"}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed","code":null,"future":{"a":[1,2]}}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed","took_ns":1.5}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed","took_ns":01}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed","pid":-0}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed","verified":"true"}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed",}`,
	`{"at":"2026-12-02 03:00:00","kind":"changed"}`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed","kind":"failed"}`,
	"{\"at\":\"2026-12-02T03:00:00Z\",\"kind\":\"bad \xff utf-8\"}",
	"{\"at\":\"2026-12-02T03:00:00Z\",\"kind\":\"tab\there\"}",
	"{\"at\":\"2026-12-02T03:00:00Z\",\"kind\":\"\xff\xfe\"}",
	`{"kind":"changed"}`,
	`{}`,
	`[]`,
	`{"at":"2026-12-02T03:00:00Z","kind":"changed"`,
	"\x00\x00\x00",
}

// sameDecode checks that the fast path, where it takes a line, reads it as
// encoding/json does.
func sameDecode(t *testing.T, line string) {
	fast, handled := decodeFast([]byte(line))
	if !handled {
		return
	}
	var slow Entry
	if err := json.Unmarshal([]byte(line), &slow); err != nil {
		t.Fatalf("the fast path took %q, which encoding/json refuses: %v", line, err)
	}
	if !fast.At.Equal(slow.At) || fast.At.Location().String() != slow.At.Location().String() {
		t.Fatalf("%q: time %v by the fast path, %v by encoding/json", line, fast.At, slow.At)
	}
	fast.At, slow.At = time.Time{}, time.Time{}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nfast path     %+v\nencoding/json %+v", line, fast, slow)
	}
}

func TestDecodeFastAgreesWithEncodingJSON(t *testing.T) {
	for _, line := range decodeCases {
		sameDecode(t, line)
	}
}

// TestDecodeFastTakesWhatAppendWrites: the lines Append writes all take
// the fast path (else the year's figure is encoding/json's), escapes aside.
func TestDecodeFastTakesWhatAppendWrites(t *testing.T) {
	code := 3
	for _, e := range []Entry{
		changeAt(1),
		{At: t0, Kind: KindExited, PID: 7, Code: &code, Detail: "exit code 3 (restart)"},
		{At: t0.Add(time.Nanosecond), Kind: KindFailed, Record: "home.example.com/AAAA", New: "2001:db8::1", Took: time.Second, Error: "provider said no: é"},
	} {
		line, err := encode(e)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeFast(line)
		if !ok {
			t.Fatalf("the fast path refused %s", line)
		}
		if got.Code != nil && e.Code != nil && *got.Code == *e.Code {
			got.Code = e.Code
		}
		if got != e {
			t.Fatalf("decoded %+v, want %+v", got, e)
		}
		sameDecode(t, string(line))
	}
}

func FuzzDecode(f *testing.F) {
	for _, line := range decodeCases {
		f.Add(line)
	}
	line, _ := encode(changeAt(3))
	f.Add(strings.TrimSpace(string(line)))
	f.Fuzz(func(t *testing.T, line string) {
		sameDecode(t, line)
		decode([]byte(line)) // never panics
	})
}
