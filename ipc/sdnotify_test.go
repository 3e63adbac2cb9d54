//go:build !windows

package ipc

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestSdNotify(t *testing.T) {
	t.Run("unset", func(t *testing.T) {
		t.Setenv(EnvNotifySocket, "")
		sent, err := SdNotify("READY=1")
		if sent || err != nil {
			t.Fatalf("without $NOTIFY_SOCKET: sent=%v err=%v, want false, nil", sent, err)
		}
	})
	names := map[string]string{"path": filepath.Join(tempDir(t), "notify.sock")}
	if runtime.GOOS == "linux" {
		names["abstract"] = fmt.Sprintf("@ddns-ipc-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	}
	for kind, name := range names {
		t.Run(kind, func(t *testing.T) {
			pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
			must(t, err)
			defer pc.Close()
			t.Setenv(EnvNotifySocket, name)
			for _, state := range []string{"READY=1", "STATUS=serving on /run/ddns/supervisor.sock\nWATCHDOG=1"} {
				sent, err := SdNotify(state)
				if !sent || err != nil {
					t.Fatalf("SdNotify: sent=%v err=%v", sent, err)
				}
				must(t, pc.SetReadDeadline(time.Now().Add(5*time.Second)))
				buf := make([]byte, 4096)
				n, err := pc.Read(buf)
				must(t, err)
				if got := string(buf[:n]); got != state {
					t.Fatalf("received %q, want %q", got, state)
				}
			}
		})
	}
	t.Run("nobody listening", func(t *testing.T) {
		t.Setenv(EnvNotifySocket, filepath.Join(tempDir(t), "gone.sock"))
		if sent, err := SdNotify("READY=1"); sent || err == nil {
			t.Fatalf("to a missing socket: sent=%v err=%v, want an error", sent, err)
		}
	})
	t.Run("unsupported address", func(t *testing.T) {
		t.Setenv(EnvNotifySocket, "vsock:2:1234")
		if sent, err := SdNotify("READY=1"); sent || err == nil {
			t.Fatalf("vsock address: sent=%v err=%v, want an error", sent, err)
		}
	})
}
