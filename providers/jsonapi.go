package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/libdns/libdns"
)

// jsonCall sends one JSON request for the clients written in this package
// (hetzner, godaddy, porkbun) and decodes a 2xx answer into out (when not
// nil). A status of 300 or more is an error carrying the status; the trace
// (see callTrace) has already classified the answer with the provider's
// checkReply, and that classification is what the adapter reports.
func jsonCall(ctx context.Context, c *http.Client, method, url string, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding the request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, traceBodyLimit))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return ClassifyHTTP(resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("the API answered something that is not its JSON (HTTP %d: %q): %v: %w", resp.StatusCode, excerpt(raw), err, ErrNetwork)
	}
	return nil
}

// apiRecord is a record as one of this package's own clients reads it,
// with the provider's record ID, so the adapter can delete or update it by
// that ID.
type apiRecord struct {
	ID         string
	Name, Type string // Name relative to the zone, "@" for the apex
	Value      string
	TTL        time.Duration
}

// RR makes apiRecord a libdns.Record.
func (r apiRecord) RR() libdns.RR {
	return libdns.RR{Name: r.Name, Type: r.Type, Data: r.Value, TTL: r.TTL}
}

// recordID is the provider ID of a record this package's client returned.
func recordID(r libdns.Record) (string, error) {
	ar, ok := r.(apiRecord)
	if !ok || ar.ID == "" {
		return "", fmt.Errorf("record %s %s carries no provider ID: %w", r.RR().Name, r.RR().Type, ErrUnsupported)
	}
	return ar.ID, nil
}

// errNoSetRecords is what the clients written here answer to SetRecords:
// the adapter changes their records by ID (recordUpdater) instead.
var errNoSetRecords = fmt.Errorf("SetRecords is not used with this client: %w", ErrUnsupported)
