package configs

import "testing"

// TestDisplayName: a config is named by its path, the embedded default by
// EmbeddedName.
func TestDisplayName(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"", "(embedded default)"},
		{"/etc/ddns/config.toml", "/etc/ddns/config.toml"},
		{`C:\ProgramData\ddns\config.toml`, `C:\ProgramData\ddns\config.toml`},
	} {
		if got := DisplayName(tc.path); got != tc.want {
			t.Errorf("DisplayName(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
