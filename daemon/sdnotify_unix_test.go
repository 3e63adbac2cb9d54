//go:build unix

package daemon

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/ipc"
)

// TestDefaultSdNotifyWarnsWhenSystemdCannotBeTold: with no SdNotify given,
// the supervisor tells systemd itself, and a $NOTIFY_SOCKET it cannot use
// is a warning in the log, not a silent loss.
func TestDefaultSdNotifyWarnsWhenSystemdCannotBeTold(t *testing.T) {
	t.Setenv(ipc.EnvNotifySocket, "not-a-socket-path")
	var logs lockedBuffer
	h := newHarness(t, config(t, "", ""), nil, func(o *Options) {
		o.SdNotify = nil
		o.Logger = hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})
	})
	h.app.o.SdNotify("STATUS=test")
	if l := logs.String(); !strings.Contains(l, "[WARN]") || !strings.Contains(l, "cannot tell systemd") || !strings.Contains(l, "not-a-socket-path") {
		t.Fatalf("log after a failed notification:\n%s", l)
	}
}
