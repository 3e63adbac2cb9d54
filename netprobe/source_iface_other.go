//go:build !linux

package netprobe

import "context"

// listInterfaceAddrs uses the net package: it reports no IFA_F_* flags, so
// temporary IPv6 addresses cannot be told apart here.
func listInterfaceAddrs(_ context.Context, name string) ([]ifaceAddr, error) {
	return netInterfaceAddrs(name)
}
