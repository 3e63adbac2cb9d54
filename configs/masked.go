package configs

import (
	"bytes"
	"slices"

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
