package configs

import (
	"path/filepath"
	"testing"
)

func TestStateFileForPicksTheSettingElseAFilePerConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("STATE_DIRECTORY", dir)
	set := Defaults()
	set.Updater.StateFile = "/srv/ddns/state.json"
	a, b := filepath.Join(dir, "a.toml"), filepath.Join(dir, "b.toml")
	fromA, _ := StateFileIn(dir, a)
	fromB, _ := StateFileIn(dir, b)
	if fromA == fromB || filepath.Dir(fromA) != dir {
		t.Fatalf("two configs share a state file or leave the folder: %q, %q", fromA, fromB)
	}
	for _, tc := range []struct {
		name   string
		cfg    *Config
		origin string
		want   string
	}{
		{"state_file set", &set, a, "/srv/ddns/state.json"},
		{"embedded default", nil, "", filepath.Join(dir, "state.json")},
		{"embedded name", nil, EmbeddedName, filepath.Join(dir, "state.json")},
		{"config file", nil, a, fromA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StateFileFor(tc.cfg, tc.origin)
			if err != nil || got != tc.want {
				t.Fatalf("StateFileFor = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
