package configs

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// KeySet lists the keys one provider type accepts besides "type" and
// "endpoint". Each secret key X may also be written X_file or X_env.
type KeySet struct {
	Keys    []string
	Secrets []string
}

// ProviderSchema tells which provider types exist, which keys each takes
// and which record TTLs each accepts. The provider specs (providers/spec)
// implement it; configs declares it so that it need not import them.
type ProviderSchema interface {
	Types() []string
	Keys(typ string) (keys, secrets []string, ok bool)
	// CheckTTL returns an error when a provider of type typ refuses ttl
	// seconds, or a warning when only some of its plans honour it. Both
	// read as a sentence after the key's position and name.
	CheckTTL(typ string, ttl int) (warning string, err error)
}

// RecordKeySchema is what a ProviderSchema may also know: the keys that
// only [[records]] of some provider types take (Cloudflare's proxied). A
// schema without it accepts them for every type.
type RecordKeySchema interface {
	RecordKeys(typ string) []string
}

// Options tell Load what it cannot know itself.
type Options struct {
	// ProviderKeys knows each provider type's keys. Nil skips the check
	// of provider types and keys (the caller then checks them itself).
	ProviderKeys ProviderSchema
	// Getenv reads the environment for *_env keys; nil means os.Getenv.
	Getenv func(string) string
	// Now stamps LoadedAt; nil means time.Now.
	Now func() time.Time
	// NotifyTemplate checks one [[notify]] body or header template (name is
	// "body" or the header's name); nil skips the check. configs cannot
	// know the template language's functions and fields: package notify
	// does (notify.CheckTemplate).
	NotifyTemplate func(name, text string) error
}

// LoadFile reads, decodes and validates the config file at path.
func LoadFile(path string, o Options) (*Config, error) {
	data, err := ReadRegularFile(path, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("cannot read config file: %w", err)
	}
	return Parse(path, data, o)
}

// Parse decodes and validates data as the config file named name. Every
// problem found is returned at once, as Errors with file:line:col.
func Parse(name string, data []byte, o Options) (*Config, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(data) > MaxConfigSize {
		return nil, Errors{{File: name, Msg: fmt.Sprintf("the file is %d bytes, more than the limit of %s for a config file", len(data), sizeLimit(MaxConfigSize))}}
	}
	src := string(data)
	pos, lerr := scan(src, defaultLimits)
	if lerr != nil {
		return nil, limitRefusal(name, src, pos, lerr, o)
	}
	p := &problems{file: name, pos: pos}

	// One decode fills the schema and keeps each provider's table raw, to
	// be checked against its type's keys: the decoder is most of a load's
	// cost.
	raw := struct {
		Config
		Providers map[string]toml.Primitive `toml:"providers"`
	}{Config: Defaults()}
	md, err := toml.Decode(src, &raw)
	if err != nil {
		return nil, withholdSecrets(decodeError(name, src, p.pos, err), src, p.pos, o)
	}
	cfg := raw.Config
	unknown := map[string]bool{}
	var written map[string][]string // built at the first unknown key
	for _, k := range md.Undecoded() {
		// Providers are checked against their own schema; a table written
		// [Providers...] is reported once, by checkKeyCase.
		if len(k) > 0 && strings.EqualFold(k[0], "providers") {
			continue
		}
		if written == nil {
			written = p.pos.byUnindexed()
		}
		keys := written[strings.Join(k, ".")]
		if len(keys) == 0 {
			keys = []string{strings.Join(k, ".")}
		}
		for _, key := range keys {
			if !unknown[key] {
				unknown[key] = true
				p.errorf(key, "unknown key (check its spelling and section)")
			}
		}
	}
	checkKeyCase(p)

	cfg.Path = name
	cfg.pos = p.pos
	cfg.Hash = hashOf(data)
	cfg.LoadedAt = o.Now()
	dir := filepath.Dir(name)
	cfg.Providers = map[string]Provider{}
	names := make([]string, 0, len(raw.Providers))
	for n := range raw.Providers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var params map[string]any
		if err := md.PrimitiveDecode(raw.Providers[n], &params); err != nil {
			p.errorf("providers."+n, "%v", err)
			continue
		}
		if prov, ok := checkProvider(p, n, params, o, dir); ok {
			cfg.Providers[n] = prov
		}
	}

	checkSupervisor(p, &cfg.Supervisor)
	checkProbe(p, md, &cfg.Probe)
	checkUpdater(p, &cfg.Updater)
	checkSources(p, "ip.v4", cfg.IP.V4)
	checkSources(p, "ip.v6", cfg.IP.V6)
	if cfg.IP.Quorum < 0 {
		p.errorf("ip.quorum", "must be 0 or more, not %d", cfg.IP.Quorum)
	}
	checkRecords(p, &cfg, o)
	checkHTTP(p, &cfg.HTTP, o, dir)
	checkNotify(p, cfg.Notify, o, dir)
	checkLog(p, &cfg.Log)

	if err := p.err(); err != nil {
		return nil, err
	}
	cfg.Warnings = p.warnings
	cfg.files = p.files
	return &cfg, nil
}

// MaxConfigSize is the largest config file, in bytes, that is read and
// parsed: 10,000 records take about 900 KB, and the TOML decoder spends
// about a second and a few hundred MB on a megabyte of the costliest shape
// the scanner's limits let through (BenchmarkLoadNested).
const MaxConfigSize = 1 << 20

// limitRefusal reports a file that passes the scanner's limits. A syntax
// error before that point (an unclosed bracket can make the rest of a file
// look nested) is the better message, so the text up to it is decoded
// first: it is within the limits, so decoding it is cheap. Its end cuts
// the text short, so an error about the end itself is no syntax error of
// the file.
func limitRefusal(name, src string, pos positions, lerr *limitError, o Options) error {
	var v map[string]any
	if _, err := toml.Decode(src[:lerr.Off], &v); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) && !strings.Contains(pe.Message, "EOF") {
			return withholdSecrets(decodeError(name, src, pos, err), src, pos, o)
		}
	}
	return Errors{{File: name, Pos: lerr.Pos, Msg: lerr.Msg}}
}

var lastKeyRE = regexp.MustCompile(`last key "([^"]*)"`)

// decodeError turns the TOML decoder's error into a located FieldError.
func decodeError(name, src string, pos positions, err error) error {
	fe := &FieldError{File: name}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		fe.Msg = pe.Message
		fe.Key = pe.LastKey
		fe.Pos = offsetPos(src, pe.Position.Start)
		if pe.Position.Line > 0 && fe.Pos.Line != pe.Position.Line {
			fe.Pos = Pos{Line: pe.Position.Line, Col: 1}
		}
		return Errors{fe}
	}
	// Type mismatches come as plain errors naming the last key only.
	msg := err.Error()
	if m := lastKeyRE.FindStringSubmatch(msg); m != nil {
		fe.Key = m[1]
		fe.Pos, _ = pos.find(m[1])
		if i := strings.Index(msg, "): "); i >= 0 {
			msg = msg[i+3:]
		}
	}
	fe.Msg = strings.TrimPrefix(msg, "toml: ")
	return Errors{fe}
}

func checkSupervisor(p *problems, s *Supervisor) {
	if s.Command != nil {
		if len(s.Command) == 0 || s.Command[0] == "" {
			p.errorf("supervisor.command", "the command is empty; give the program to run and its arguments, or remove the key to run the updater beside the supervisor")
		}
	}
	if s.CrashLoopRestarts < 1 {
		p.errorf("supervisor.crash_loop_restarts", "must be at least 1, not %d", s.CrashLoopRestarts)
	}
	if s.RestartDelayMax.Duration < s.RestartDelay.Duration {
		p.errorf("supervisor.restart_delay_max", "%s is shorter than restart_delay (%s)", s.RestartDelayMax, s.RestartDelay)
	}
	if s.CrashLoopWindow.Duration <= 0 {
		p.errorf("supervisor.crash_loop_window", "must be longer than 0s")
	}
	if w := s.Watchdog.Duration; w != 0 && w < MinWatchdog {
		p.errorf("supervisor.watchdog", "%s is shorter than the updater can report in (it reports at a third of the period); use 0 (off) or at least %s", s.Watchdog, MinWatchdog)
	}
	if s.MemoryLimitMB < 0 {
		p.errorf("supervisor.memory_limit_mb", "must be 0 (off) or more, not %d", s.MemoryLimitMB)
	}
	if s.EventHistory < 1 || s.EventHistory > 100000 {
		p.errorf("supervisor.event_history", "must be between 1 and 100000, not %d", s.EventHistory)
	}
	if s.LogLines < 0 {
		p.errorf("supervisor.log_lines", "must be 0 or more, not %d", s.LogLines)
	}
	if s.LogLines > 100000 {
		// The ring keeps at most 16 MB whatever the count; a larger number
		// only promises lines that would not be kept.
		p.errorf("supervisor.log_lines", "must be at most 100000, not %d", s.LogLines)
	}
}

func checkProbe(p *problems, md toml.MetaData, pr *Probe) {
	if pr.Interval.Duration <= 0 {
		p.errorf("probe.interval", "must be longer than 0s")
	}
	if pr.Timeout.Duration <= 0 {
		p.errorf("probe.timeout", "must be longer than 0s")
	}
	if pr.IntervalMax.Duration < pr.Interval.Duration {
		pr.IntervalMax = pr.Interval
	}
	// A key the file leaves out derives its targets; one written as [] means "none".
	if md.IsDefined("probe", "dns") && pr.DNS == nil {
		pr.DNS = []string{}
	}
	if md.IsDefined("probe", "tcp") && pr.TCP == nil {
		pr.TCP = []string{}
	}
	for i, h := range pr.DNS {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " /:") {
			p.errorf(fmt.Sprintf("probe.dns.%d", i), "%q is not a host name", h)
		}
	}
	for i, a := range pr.TCP {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			p.errorf(fmt.Sprintf("probe.tcp.%d", i), "%q is not host:port (for example \"1.1.1.1:443\")", a)
		}
	}
	for i, a := range pr.DNSServers {
		if _, _, err := net.SplitHostPort(a); err != nil {
			p.errorf(fmt.Sprintf("probe.dns_servers.%d", i), "%q is not host:port (for example \"1.1.1.1:53\")", a)
		}
	}
}

func checkUpdater(p *problems, u *Updater) {
	if u.Interval.Duration < time.Second {
		p.errorf("updater.interval", "%s is too short; use at least 1s", u.Interval)
	}
	if u.Concurrency < 1 {
		p.errorf("updater.concurrency", "must be at least 1, not %d", u.Concurrency)
	}
	if u.Timeout.Duration <= 0 {
		p.errorf("updater.timeout", "must be longer than 0s")
	}
}

// sourceKeys lists the keys each address-source type uses.
var sourceKeys = map[string][]string{
	"http":      {"url"},
	"dns":       {"server", "name", "qtype", "class"},
	"interface": {"name", "index", "match", "prefix", "suffix", "prefix_length"},
	"command":   {"command"},
	"upnp":      {"url"},
	"natpmp":    {"gateway"},
}

func checkSources(p *problems, key string, srcs []Source) {
	for i := range srcs {
		s := &srcs[i]
		k := fmt.Sprintf("%s.%d", key, i)
		allowed, ok := sourceKeys[s.Type]
		if !ok {
			p.errorf(k+".type", "unknown source type %q (use \"http\", \"dns\", \"interface\", \"command\", \"upnp\" or \"natpmp\")", s.Type)
			continue
		}
		set := map[string]bool{"url": s.URL != "", "server": s.Server != "", "name": s.Name != "",
			"qtype": s.QType != "", "class": s.Class != "", "command": s.Command != nil, "gateway": s.Gateway != "",
			"index": s.Index != nil, "match": s.Match != "", "prefix": s.Prefix != "", "suffix": s.Suffix != "",
			"prefix_length": s.PrefixLength != 0}
		for _, name := range []string{"url", "server", "name", "qtype", "class", "command", "gateway", "index", "match", "prefix", "suffix", "prefix_length"} {
			if set[name] && !slices.Contains(allowed, name) {
				p.errorf(k+"."+name, "does not apply to a source of type %q", s.Type)
			}
		}
		switch s.Type {
		case "http":
			u, err := url.Parse(s.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.errorf(k+".url", "%q is not an http:// or https:// URL", s.URL)
			}
		case "dns":
			if s.Name == "" {
				p.errorf(k, "a dns source needs name (the question, e.g. \"whoami.cloudflare\")")
			}
			if _, _, err := net.SplitHostPort(s.Server); err != nil {
				p.errorf(k+".server", "%q is not host:port (for example \"1.1.1.1:53\")", s.Server)
			}
			s.QType = strings.ToUpper(s.QType)
			s.Class = strings.ToUpper(s.Class)
			if s.Class == "" {
				s.Class = "IN"
			}
			if s.QType != "" && s.QType != "A" && s.QType != "AAAA" && s.QType != "TXT" {
				p.errorf(k+".qtype", "%q is not A, AAAA or TXT", s.QType)
			}
			if s.Class != "IN" && s.Class != "CH" {
				p.errorf(k+".class", "%q is not IN or CH", s.Class)
			}
		case "command":
			if len(s.Command) == 0 || s.Command[0] == "" {
				p.errorf(k+".command", "the command is empty")
			}
		case "interface":
			checkInterfaceSelector(p, k, s, strings.HasSuffix(key, "v6"))
		case "upnp", "natpmp":
			if strings.HasSuffix(key, "v6") {
				p.errorf(k+".type", "a %s source tells only the router's IPv4 address; list it under ip.v4", s.Type)
			}
		}
		switch s.Type {
		case "upnp":
			if s.URL != "" {
				u, err := url.Parse(s.URL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					p.errorf(k+".url", "%q is not an http:// or https:// URL of the router's device description (for example \"http://192.168.1.1:5000/rootDesc.xml\"); leave it out to discover the router", s.URL)
				}
			}
		case "natpmp":
			if s.Gateway != "" {
				if a, err := netip.ParseAddr(s.Gateway); err != nil || !a.Unmap().Is4() {
					p.errorf(k+".gateway", "%q is not an IPv4 address (for example \"192.168.1.1\"); leave it out to use the default gateway", s.Gateway)
				}
			}
		}
	}
}

// checkInterfaceSelector checks the keys that pick among an interface's
// addresses; netprobe.InterfaceSelector is what they become.
func checkInterfaceSelector(p *problems, k string, s *Source, v6 bool) {
	fam, bits := "IPv4", 32
	if v6 {
		fam, bits = "IPv6", 128
	}
	if s.Index != nil && *s.Index < 0 {
		p.errorf(k+".index", "must be 0 (the first address) or more, not %d", *s.Index)
	}
	if s.Match != "" {
		if _, err := regexp.Compile(s.Match); err != nil {
			p.errorf(k+".match", "%q is not a regular expression (Go's RE2 syntax): %v", s.Match, err)
		}
	}
	if s.Prefix != "" {
		pf, err := netip.ParsePrefix(s.Prefix)
		switch {
		case err != nil:
			p.errorf(k+".prefix", "%q is not a prefix in CIDR form (for example \"2001:db8:1::/48\" or \"203.0.113.0/24\")", s.Prefix)
		case pf.Addr().Is6() != v6:
			p.errorf(k+".prefix", "%q is not an %s prefix, and this source is listed under ip.%s", s.Prefix, fam, map[bool]string{true: "v6", false: "v4"}[v6])
		case pf.Masked() != pf:
			p.errorf(k+".prefix", "%q has bits set after its first %d; write %q", s.Prefix, pf.Bits(), pf.Masked().String())
		}
	}
	if s.PrefixLength != 0 && s.Suffix == "" {
		p.errorf(k+".prefix_length", "applies only with suffix (the length of the prefix the suffix goes after)")
	}
	if s.Suffix == "" {
		return
	}
	if !v6 {
		p.errorf(k+".suffix", "an interface identifier goes on an IPv6 prefix; list this source under ip.v6")
		return
	}
	plen := s.PrefixLength
	if plen == 0 {
		plen = 64
	} else if plen < 1 || plen > 127 {
		p.errorf(k+".prefix_length", "must be between 1 and 127, not %d", plen)
		return
	}
	id, err := netip.ParseAddr(s.Suffix)
	if err != nil || !id.Is6() || id.Is4In6() || id.Zone() != "" {
		p.errorf(k+".suffix", "%q is not an IPv6 interface identifier (for example \"::1234\" or \"::a:b:c:d\")", s.Suffix)
		return
	}
	if hi := netip.PrefixFrom(id, plen).Masked().Addr(); !hi.IsUnspecified() {
		// What is left once the prefix's bits are cleared.
		b := id.As16()
		for i := range b {
			switch {
			case 8*(i+1) <= plen:
				b[i] = 0
			case 8*i < plen:
				b[i] &= 0xff >> (plen - 8*i)
			}
		}
		p.errorf(k+".suffix", "%q has bits inside the first %d, which the current prefix supplies; keep only the last %d bits: %q", s.Suffix, plen, bits-plen, netip.AddrFrom16(b).String())
	}
}

func checkRecords(p *problems, cfg *Config, o Options) {
	seen := map[string]int{}
	for i := range cfg.Records {
		r := &cfg.Records[i]
		k := fmt.Sprintf("records.%d", i)
		if r.Provider == "" {
			p.errorf(k, "a record needs provider (the name of a [providers.NAME] table)")
		} else if _, ok := cfg.Providers[r.Provider]; !ok {
			p.errorf(k+".provider", "no provider named %q is defined; add a [providers.%s] table or fix the name", r.Provider, r.Provider)
		}
		r.Zone = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(r.Zone)), ".")
		if r.Zone == "" {
			p.errorf(k, "a record needs zone (for example \"example.com\")")
		}
		r.Name = strings.TrimSuffix(strings.TrimSpace(r.Name), ".")
		if r.Name == "" {
			r.Name = "@"
		}
		if r.Zone != "" && strings.HasSuffix(strings.ToLower(r.Name), "."+r.Zone) {
			p.errorf(k+".name", "%q already contains the zone; write it relative to the zone (\"%s\")", r.Name, strings.TrimSuffix(strings.ToLower(r.Name), "."+r.Zone))
		}
		r.Type = strings.ToUpper(r.Type)
		if r.Type == "" {
			r.Type = "A"
		}
		if r.Type != "A" && r.Type != "AAAA" {
			p.errorf(k+".type", "%q is not A or AAAA", r.Type)
		}
		if r.TTL == 0 {
			r.TTL = DefaultTTL
		}
		if r.TTL < 0 {
			p.errorf(k+".ttl", "must be positive, not %d", r.TTL)
		} else if prov, ok := cfg.Providers[r.Provider]; ok && o.ProviderKeys != nil {
			// Checked here, not at the first pass, where the provider's
			// refusal would fail every pass until the file is fixed.
			warn, err := o.ProviderKeys.CheckTTL(prov.Type, r.TTL)
			if err != nil {
				p.errorf(k+".ttl", "%v (provider %q is of type %s)", err, r.Provider, prov.Type)
			} else if warn != "" {
				p.warnf(k+".ttl", "%s (provider %q is of type %s)", warn, r.Provider, prov.Type)
			}
		}
		if r.Proxied != nil {
			if prov, ok := cfg.Providers[r.Provider]; ok {
				if rk, ok := o.ProviderKeys.(RecordKeySchema); ok && !slices.Contains(rk.RecordKeys(prov.Type), "proxied") {
					p.errorf(k+".proxied", "only records of a cloudflare provider take proxied; provider %q is of type %s", r.Provider, prov.Type)
				}
			}
		}
		switch r.Verify = strings.ToLower(strings.TrimSpace(r.Verify)); r.Verify {
		case "":
			r.Verify = VerifyProvider
		case VerifyProvider, VerifyAuthoritative, VerifyNone:
		default:
			p.errorf(k+".verify", "%q is not a verify mode (use %q, %q or %q)", r.Verify, VerifyProvider, VerifyAuthoritative, VerifyNone)
		}
		id := r.FQDN() + " " + r.Type
		if j, dup := seen[id]; dup {
			p.errorf(k, "%s is already defined by records[%d]", id, j)
		}
		seen[id] = i
	}
}

func checkHTTP(p *problems, h *HTTP, o Options, dir string) {
	tok, ok := resolveSecret(p, "http", "token", map[string]any{"token": h.Token, "token_file": h.TokenFile, "token_env": h.TokenEnv}, o, dir)
	if ok {
		h.Token = tok
	}
	if h.Listen == "" {
		return
	}
	host, _, err := net.SplitHostPort(h.Listen)
	if err != nil {
		p.errorf("http.listen", "%q is not host:port (for example \"127.0.0.1:9876\")", h.Listen)
		return
	}
	if !IsLoopbackHost(host) && h.Token == "" {
		p.errorf("http.listen", "%q is not a loopback address, so it needs a bearer token: set token_file (or token_env) in [http], or listen on 127.0.0.1", h.Listen)
	}
}

// IsLoopbackHost reports whether host (a name or an address, no port) stays
// on this machine: "localhost" or a loopback address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkNotify(p *problems, ns []Notify, o Options, dir string) {
	for i := range ns {
		n := &ns[i]
		k := fmt.Sprintf("notify.%d", i)
		if n.Type != "webhook" && n.Type != "ping" {
			p.errorf(k+".type", "%q is not \"webhook\" or \"ping\"", n.Type)
		}
		if u, ok := resolveSecret(p, k, "url", map[string]any{"url": n.URL, "url_file": n.URLFile, "url_env": n.URLEnv}, o, dir); ok {
			n.URL = u
		}
		if n.URL == "" {
			p.errorf(k, "a notification needs url (or url_file / url_env)")
		} else if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			p.errorf(k+".url", "is not an http:// or https:// URL")
		}
		for j, e := range n.Events {
			if !slices.Contains(NotifyEvents, e) {
				p.errorf(fmt.Sprintf("%s.events.%d", k, j), "unknown event %q (known: %s)", e, strings.Join(NotifyEvents, ", "))
			}
		}
		if len(n.Events) == 0 {
			n.Events = append([]string(nil), NotifyEvents...)
		}
		if o.NotifyTemplate != nil {
			if n.Body != "" {
				if err := o.NotifyTemplate("body", n.Body); err != nil {
					p.errorf(k+".body", "%v", err)
				}
			}
			for _, h := range slices.Sorted(maps.Keys(n.Headers)) {
				if err := o.NotifyTemplate(h, n.Headers[h]); err != nil {
					p.errorf(k+".headers."+h, "%v", err)
				}
			}
		}
		if n.Method == "" {
			n.Method = "POST"
			if n.Type == "ping" {
				n.Method = "GET"
			}
		}
		if n.Timeout.Duration == 0 {
			n.Timeout.Duration = defaultNotifyTimeout
		}
		if n.Retries == 0 {
			n.Retries = defaultNotifyRetries
		}
		if n.QueueSize == 0 {
			n.QueueSize = defaultNotifyQueue
		}
	}
}

var logLevels = []string{"trace", "debug", "info", "warn", "error", "off"}

func checkLog(p *problems, l *Log) {
	l.Level = strings.ToLower(l.Level)
	if !slices.Contains(logLevels, l.Level) {
		p.errorf("log.level", "%q is not one of %s", l.Level, strings.Join(logLevels, ", "))
	}
	if l.Format != "text" && l.Format != "json" {
		p.errorf("log.format", "%q is not \"text\" or \"json\"", l.Format)
	}
	for c, lv := range l.Levels {
		if !slices.Contains(logLevels, strings.ToLower(lv)) {
			p.errorf("log.levels."+c, "%q is not one of %s", lv, strings.Join(logLevels, ", "))
		}
	}
	if l.MaxSizeMB < 1 {
		p.errorf("log.max_size_mb", "must be at least 1")
	}
}

func checkProvider(p *problems, name string, params map[string]any, o Options, dir string) (Provider, bool) {
	k := "providers." + name
	prov := Provider{Name: name, Params: map[string]any{}}
	typ, _ := params["type"].(string)
	if typ == "" {
		p.errorf(k, "a provider needs type (for example type = \"cloudflare\")")
		return prov, false
	}
	prov.Type = typ
	if ep, ok := params["endpoint"]; ok {
		s, _ := ep.(string)
		u, err := url.Parse(s)
		if s != "" && (err != nil || u.Scheme == "" || u.Host == "") {
			p.errorf(k+".endpoint", "%q is not a URL like \"http://127.0.0.1:8080\"", s)
		}
		prov.Endpoint = s
	}
	var ks KeySet
	if o.ProviderKeys != nil {
		var known bool
		ks.Keys, ks.Secrets, known = o.ProviderKeys.Keys(typ)
		if !known {
			p.errorf(k+".type", "unknown provider type %q (known: %s)", typ, strings.Join(o.ProviderKeys.Types(), ", "))
			return prov, false
		}
	}
	secret := func(key string) bool { return slices.Contains(ks.Secrets, key) }
	ok := true
	keys := make([]string, 0, len(params))
	for key := range params {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if key == "type" || key == "endpoint" {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(key, "_file"), "_env")
		switch {
		case secret(base):
			if _, done := prov.Params[base]; done {
				continue
			}
			if v, got := resolveSecret(p, k, base, params, o, dir); got {
				prov.Params[base] = v
				prov.Secrets = append(prov.Secrets, base)
			} else {
				ok = false
			}
		case o.ProviderKeys == nil || slices.Contains(ks.Keys, key):
			prov.Params[key] = params[key]
		default:
			p.errorf(k+"."+key, "unknown key for a provider of type %q (it takes: %s)", typ, strings.Join(describeKeys(ks), ", "))
			ok = false
		}
	}
	return prov, ok
}

func describeKeys(ks KeySet) []string {
	var out []string
	for _, k := range ks.Keys {
		if slices.Contains(ks.Secrets, k) {
			out = append(out, k+" (or "+k+"_file, "+k+"_env)")
		} else {
			out = append(out, k)
		}
	}
	return append(out, "endpoint")
}

// resolveSecret reads secret X of table from X, X_file or X_env. It reports
// (value, true) when exactly one form was given and could be read, ("", false)
// when none was given or on error (already reported). The value itself never
// appears in a message.
func resolveSecret(p *problems, table, key string, params map[string]any, o Options, dir string) (string, bool) {
	str := func(k string) (string, bool) {
		v, ok := params[k]
		if !ok {
			return "", false
		}
		s, isStr := v.(string)
		if !isStr {
			p.errorf(table+"."+k, "must be a string")
			return "", false
		}
		return s, s != ""
	}
	inline, hasInline := str(key)
	file, hasFile := str(key + "_file")
	env, hasEnv := str(key + "_env")
	n := 0
	for _, b := range []bool{hasInline, hasFile, hasEnv} {
		if b {
			n++
		}
	}
	if n == 0 {
		return "", false
	}
	if n > 1 {
		p.errorf(table+"."+key, "give only one of %s, %s_file and %s_env", key, key, key)
		return "", false
	}
	switch {
	case hasFile:
		written := file
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		p.files = append(p.files, FileRef{Key: table + "." + key + "_file", Path: file, Written: written, pos: p.at(table + "." + key + "_file")})
		b, err := ReadRegularFile(file, maxSecretSize)
		if err != nil {
			p.errorf(table+"."+key+"_file", "cannot read the secret file: %v", unwrapPathError(err))
			return "", false
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			p.errorf(table+"."+key+"_file", "the secret file %s is empty", file)
			return "", false
		}
		if fi, err := os.Stat(file); err == nil && groupOrWorldReadable(fi) {
			p.warnf(table+"."+key+"_file", "the secret file %s is readable by other users (mode %s); run: chmod 600 %s", file, fi.Mode().Perm(), file)
		}
		return v, true
	case hasEnv:
		v := o.Getenv(env)
		if v == "" {
			p.errorf(table+"."+key+"_env", "the environment variable %s is not set or empty", env)
			return "", false
		}
		return v, true
	default:
		if fi, err := os.Stat(p.file); err == nil && groupOrWorldReadable(fi) {
			p.warnf(table+"."+key, "a secret is written inline in a config file readable by other users (mode %s); move it to %s_file with mode 600, or chmod 600 %s", fi.Mode().Perm(), key, p.file)
		}
		return inline, true
	}
}

// maxSecretSize bounds a secret file (a token, a key, a URL): a few
// hundred bytes in practice.
const maxSecretSize = 64 << 10

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}
