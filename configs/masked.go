package configs

import (
	"bytes"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/ddnsd/ddns/redact"
)

// Mask is what a secret's value is replaced with wherever it is shown.
const Mask = "********"

// Masked renders the effective config as TOML with every secret replaced by
// Mask, for `supervisor check` and for logs.
func (c *Config) Masked() string {
	type view struct {
		Supervisor Supervisor                `toml:"supervisor"`
		Probe      Probe                     `toml:"probe"`
		Updater    Updater                   `toml:"updater"`
		IP         IP                        `toml:"ip"`
		HTTP       HTTP                      `toml:"http"`
		Log        Log                       `toml:"log"`
		Providers  map[string]map[string]any `toml:"providers"`
		Records    []Record                  `toml:"records"`
		Notify     []Notify                  `toml:"notify"`
	}
	v := view{Supervisor: c.Supervisor, Probe: c.Probe, Updater: c.Updater, IP: c.IP, HTTP: c.HTTP, Log: c.Log,
		Records: c.Records, Providers: map[string]map[string]any{}}
	if v.HTTP.Token != "" {
		v.HTTP.Token = Mask
	}
	v.HTTP.TokenFile, v.HTTP.TokenEnv = "", ""
	for _, n := range c.Notify {
		n.URL = redact.URL(n.URL)
		n.URLFile, n.URLEnv = "", ""
		n.Headers = maskHeaders(n.Headers)
		v.Notify = append(v.Notify, n)
	}
	for name, p := range c.Providers {
		m := map[string]any{"type": p.Type}
		if p.Endpoint != "" {
			m["endpoint"] = p.Endpoint
		}
		for k, val := range p.Params {
			switch x := val.(type) {
			case string:
				if strings.Contains(x, "://") {
					val = redact.URL(x) // a server or webhook URL may carry a credential
				}
			case map[string]any:
				if k == "headers" {
					val = maskHeaderTable(x)
				}
			}
			if slices.Contains(p.Secrets, k) {
				val = Mask
			}
			m[k] = val
		}
		v.Providers[name] = m
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return "# cannot render the config: " + err.Error() + "\n"
	}
	return b.String()
}

// benignHeaders are header names whose values describe the request and are
// shown as written.
var benignHeaders = []string{"accept", "content-type", "user-agent", "content-encoding"}

// authSchemes are the words a header value may hold besides template
// actions and still be shown ("Bearer {{.Token}}").
var authSchemes = []string{"bearer", "basic", "token", "bot"}

// maskHeaderValue is value as shown: as written for a benign header, or for
// one whose literal text is only an authentication scheme around template
// actions (the secret then comes from a secret key, masked on its own);
// Mask otherwise, since a literal API key in a header is as secret as a
// token key.
func maskHeaderValue(name, value string) string {
	if slices.Contains(benignHeaders, strings.ToLower(name)) {
		return value
	}
	literal := value
	for {
		i := strings.Index(literal, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(literal[i:], "}}")
		if j < 0 {
			return Mask
		}
		literal = literal[:i] + " " + literal[i+j+2:]
	}
	for _, w := range strings.Fields(literal) {
		if !slices.Contains(authSchemes, strings.ToLower(w)) {
			return Mask
		}
	}
	return value
}

func maskHeaders(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = maskHeaderValue(k, v)
	}
	return out
}

func maskHeaderTable(h map[string]any) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		if s, ok := v.(string); ok {
			v = maskHeaderValue(k, s)
		}
		out[k] = v
	}
	return out
}
