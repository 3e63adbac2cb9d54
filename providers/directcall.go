package providers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/ddnsd/ddns/redact"
)

// directCall sends req on c for a provider written against its API here
// (dynv6, NameSilo, OVHcloud) and returns the answer's status and body, read up to
// traceBodyLimit with hide applied (it removes the provider's secrets, which
// an API may echo). A request that cannot be sent or an answer that cannot
// be read is ErrNetwork; a status of 300 or more is failure's error for it
// (nil: ClassifyHTTP, a 3xx counted as a 4xx); a 2xx answer is decoded as
// JSON into out when out is not nil, and one that is not JSON is ErrNetwork.
// Every error starts with what, the call as the provider names it.
func directCall(c *http.Client, req *http.Request, what string, hide func(string) string, failure func(status int, body []byte) error, out any) (int, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %v: %w", what, hide(redact.URLError(err).Error()), ErrNetwork)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, traceBodyLimit))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: reading the answer: %v: %w", what, err, ErrNetwork)
	}
	body := []byte(hide(string(raw)))
	if resp.StatusCode >= 300 {
		if failure == nil {
			return 0, nil, fmt.Errorf("%s: %w", what, ClassifyHTTP(max(resp.StatusCode, 400), body))
		}
		return 0, nil, fmt.Errorf("%s: %w", what, failure(resp.StatusCode, body))
	}
	if out == nil {
		return resp.StatusCode, body, nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return 0, nil, fmt.Errorf("%s: the API answered something that is not its JSON (HTTP %d: %q): %w", what, resp.StatusCode, excerpt(body), ErrNetwork)
	}
	return resp.StatusCode, body, nil
}
