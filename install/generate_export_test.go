package install

import (
	"bytes"
	"testing"
)

// TestGenerateGivesInstallsFiles: the exported Generate (used by the package
// build) returns exactly the files the install plan writes, and refuses the
// options Install refuses.
func TestGenerateGivesInstallsFiles(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Generate(tc.o)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			want, _ := generate(tc.o)
			if len(got) != len(want) {
				t.Fatalf("Generate returned %d files, the plan has %d", len(got), len(want))
			}
			for i := range want {
				if got[i].Path != want[i].Path || got[i].Mode != want[i].Mode || !bytes.Equal(got[i].Content, want[i].Content) {
					t.Errorf("file %d: Generate gave %s (%#o), the plan %s (%#o), or their content differs", i, got[i].Path, got[i].Mode, want[i].Path, want[i].Mode)
				}
			}
		})
	}
	if _, err := Generate(Options{Target: Systemd}); err == nil {
		t.Error("Generate without a binary succeeded; Install refuses it")
	}
}
