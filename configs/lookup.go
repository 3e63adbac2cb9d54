package configs

import (
	_ "embed"
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

//go:embed default.toml
var embeddedDefault []byte

// EmbeddedDefault returns the text of the built-in config.
func EmbeddedDefault() []byte { return append([]byte(nil), embeddedDefault...) }

// EnvConfig names the environment variable that points at the config file.
const EnvConfig = "DDNS_CONFIG"

// Locate picks the config file: the flag's path when given, then
// $DDNS_CONFIG, then the user config folder (os.UserConfigDir()/ddns/config.toml),
// then the system file (/etc/ddns/config.toml; %ProgramData%\ddns\config.toml
// on Windows). It returns "" when none exists: the embedded default applies.
func Locate(flagPath string, getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if flagPath != "" {
		return flagPath
	}
	if p := getenv(EnvConfig); p != "" {
		return p
	}
	for _, p := range candidates(getenv) {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func candidates(getenv func(string) string) []string {
	var out []string
	if dir, err := os.UserConfigDir(); err == nil {
		out = append(out, filepath.Join(dir, "ddns", "config.toml"))
	}
	out = append(out, SystemConfigPath(getenv))
	return out
}

// SystemConfigPath is the machine-wide config file's path.
func SystemConfigPath(getenv func(string) string) string {
	if runtime.GOOS == "windows" {
		pd := getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		return filepath.Join(pd, "ddns", "config.toml")
	}
	return "/etc/ddns/config.toml"
}

// Load finds the config with Locate and loads it; with no file anywhere, it
// loads the embedded default. An explicit path that does not exist is an error.
func Load(flagPath string, o Options) (*Config, error) {
	path := Locate(flagPath, o.Getenv)
	if path == "" {
		return Parse(EmbeddedName, embeddedDefault, o)
	}
	cfg, err := LoadFile(path, o)
	if err != nil && errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return cfg, err
}
