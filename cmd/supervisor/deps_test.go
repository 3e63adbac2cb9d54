package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSupervisorLinksNoHeavyPackage keeps the supervisor small: it must not
// link a DNS library (miekg/dns, through dnsx), a provider SDK (libdns, the
// providers package) or protobuf, nor text/template, whose calls of methods
// by name keep every exported method of the binary alive (1.9 MB). The
// readiness probes use the standard resolver, providers/spec holds what the
// supervisor knows of providers as plain data, and notify runs its templates
// itself; a new import that drags one of these in fails here, on every OS
// the supervisor ships for, rather than only as a bigger binary in the
// bench.
func TestSupervisorLinksNoHeavyPackage(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list the supervisor's dependencies: %v", err)
	}
	// Each forbidden path and everything below it, but for the allowed.
	forbidden := []string{"github.com/miekg/dns", "github.com/libdns", "google.golang.org/protobuf", "github.com/ddnsd/ddns/dnsx", "github.com/ddnsd/ddns/providers", "text/template",
		// import-ddns-go runs in the updater: YAML and the public suffix list stay out.
		"go.yaml.in/yaml", "gopkg.in/yaml.v3", "golang.org/x/net/publicsuffix", "github.com/ddnsd/ddns/importer"}
	allowed := map[string]bool{"github.com/ddnsd/ddns/providers/spec": true, "text/template/parse": true}
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
						t.Errorf("the supervisor links %s; it must link no DNS library, provider SDK, protobuf, text/template or YAML (see go list -deps)", dep)
					}
				}
			}
		})
	}
}
