package configs

import (
	"bytes"
	"net/url"
	"slices"

	"github.com/BurntSushi/toml"
)

// Mask is what a secret's value is replaced with wherever it is shown.
const Mask = "********"

// MaskURL hides the parts of a URL that usually carry secrets: the password
// in its user info and every query value. Paths stay, since ping services put
// their check id there and people need to tell their checks apart.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Mask
	}
	if u.User != nil {
		u.User = url.User(u.User.Username() + ":" + Mask)
	}
	q := u.Query()
	for k := range q {
		q.Set(k, Mask)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

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
		n.URL = MaskURL(n.URL)
		n.URLFile, n.URLEnv = "", ""
		v.Notify = append(v.Notify, n)
	}
	for name, p := range c.Providers {
		m := map[string]any{"type": p.Type}
		if p.Endpoint != "" {
			m["endpoint"] = p.Endpoint
		}
		for k, val := range p.Params {
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
