package ipc

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestTimeWireForm: a Time marshals exactly as the RFC 3339 strings the
// status document always carried (UTC, as many fractional digits as needed,
// "" for the zero time), and an omitzero field is left out when zero, as
// the string field with omitempty was.
func TestTimeWireForm(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"event at a whole second", EventStatus{At: TimeOf(time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)), Kind: "started"},
			`{"at":"2026-12-01T23:00:00Z","kind":"started","detail":""}`},
		{"fraction kept, trailing zeros dropped", EventStatus{At: TimeOf(time.Date(2026, 12, 1, 23, 0, 0, 500_000_000, time.UTC))},
			`{"at":"2026-12-01T23:00:00.5Z","kind":"","detail":""}`},
		{"another zone is written in UTC", ExitInfo{Code: 1, At: TimeOf(time.Date(2026, 12, 2, 0, 30, 0, 0, berlin))},
			`{"code":1,"signal":"","reason":"","at":"2026-12-01T23:30:00Z"}`},
		{"zero time is the empty string", ExitInfo{}, `{"code":0,"signal":"","reason":"","at":""}`},
		{"zero changed_at is left out", RecordStatus{Name: "h.example.com", Type: "A"},
			`{"name":"h.example.com","type":"A","address":"","synced_at":"","error":""}`},
		{"set changed_at is written", RecordStatus{Name: "h.example.com", Type: "A", ChangedAt: TimeOf(time.Unix(1_700_000_000, 0))},
			`{"name":"h.example.com","type":"A","address":"","synced_at":"","changed_at":"2023-11-14T22:13:20Z","error":""}`},
		{"zero config_loaded_at is the empty string", SupervisorStatus{},
			`{"pid":0,"version":"","uptime_seconds":0,"config_path":"","config_error":"","config_loaded_at":"","config_generation":0}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Fatalf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

// TestTimeDecodes: the wire forms come back as the same instant; "", null
// and an absent field are the zero time; anything else is an error that
// says what a time must look like.
func TestTimeDecodes(t *testing.T) {
	at := time.Date(2026, 12, 1, 23, 0, 0, 123_456_789, time.UTC)
	for _, tc := range []struct {
		name, in string
		want     time.Time
		err      string
	}{
		{"rfc 3339 with nanoseconds", `{"at":"2026-12-01T23:00:00.123456789Z"}`, at, ""},
		{"an offset", `{"at":"2026-12-02T00:00:00.123456789+01:00"}`, at, ""},
		{"empty string", `{"at":""}`, time.Time{}, ""},
		{"null", `{"at":null}`, time.Time{}, ""},
		{"absent", `{}`, time.Time{}, ""},
		{"not a time", `{"at":"yesterday"}`, time.Time{}, "not an RFC 3339 time"},
		{"a number", `{"at":17}`, time.Time{}, "cannot unmarshal number into Go struct field EventStatus.at of type ipc.Time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e EventStatus
			err := json.Unmarshal([]byte(tc.in), &e)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !e.At.Time().Equal(tc.want) || e.At.IsZero() != tc.want.IsZero() {
				t.Fatalf("decoded %v, want %v", e.At.Time(), tc.want)
			}
		})
	}
}

// TestTimeRoundTrips: what one side marshals the other reads back as the
// same instant, through JSON and through text.
func TestTimeRoundTrips(t *testing.T) {
	for _, v := range []time.Time{{}, time.Unix(0, 1), time.Date(2026, 12, 1, 23, 59, 59, 999_999_999, time.FixedZone("x", -7*3600))} {
		b, err := json.Marshal(TimeOf(v))
		if err != nil {
			t.Fatal(err)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !back.Time().Equal(v) || back.IsZero() != v.IsZero() {
			t.Errorf("%v through JSON %s came back as %v", v, b, back.Time())
		}
		if s := TimeOf(v).String(); string(b) != `"`+s+`"` {
			t.Errorf("String %q, want the JSON text %s", s, b)
		}
	}
}

// TestTimeErrorsNameTheField: a report with a bad time is refused with a
// message that names the field and says what a time looks like.
func TestTimeErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"cmd":"report","report":{"pid":1,"at":"2026-11-30T07:00:00Z","records":[{"name":"a","type":"A","synced_at":5}]}}`,
			`field "report.records.synced_at" must be an RFC 3339 time string, not a JSON number`},
		{`{"cmd":"report","report":{"pid":1,"at":"2026-11-30T07:00:00Z","records":[{"name":"a","type":"A","changed_at":"yesterday"}]}}`,
			`time "yesterday" is not an RFC 3339 time`},
	} {
		_, err := DecodeRequest([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeRequest(%s): error %v, want one saying %q", tc.in, err, tc.want)
		}
	}
}
