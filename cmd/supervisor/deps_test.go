package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSupervisorLinksNoDNSLibrary keeps the supervisor small: it must not
// link a DNS library (miekg/dns, about 3 MB of binary), a provider SDK
// (libdns) or protobuf. The readiness probes use the standard resolver and
// providers/spec holds what the supervisor knows of providers as plain data;
// a new import that drags one of these in fails here, on every OS the
// supervisor ships for, rather than only as a bigger binary in the bench.
func TestSupervisorLinksNoDNSLibrary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list the supervisor's dependencies: %v", err)
	}
	// Each forbidden path and everything below it; providers/spec is the
	// one allowed package under providers.
	forbidden := []string{"github.com/miekg/dns", "github.com/libdns", "google.golang.org/protobuf", "github.com/ddnsd/ddns/dnsx", "github.com/ddnsd/ddns/providers"}
	allowed := map[string]bool{"github.com/ddnsd/ddns/providers/spec": true}
	for _, target := range []struct{ goos, goarch string }{
		{"linux", "amd64"}, {"linux", "mipsle"}, {"windows", "amd64"}, {"darwin", "arm64"},
	} {
		t.Run(target.goos+"/"+target.goarch, func(t *testing.T) {
			cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".")
			cmd.Env = append(os.Environ(), "GOOS="+target.goos, "GOARCH="+target.goarch, "CGO_ENABLED=0")
			out, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("go list: %v\n%s", err, stderr)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 10 {
				t.Fatalf("go list printed %d packages, too few to be the supervisor's: %q", len(deps), out)
			}
			for _, dep := range deps {
				for _, f := range forbidden {
					if (dep == f || strings.HasPrefix(dep, f+"/")) && !allowed[dep] {
						t.Errorf("the supervisor links %s; it must link no DNS library, provider SDK or protobuf (see go list -deps)", dep)
					}
				}
			}
		})
	}
}
