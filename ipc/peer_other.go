//go:build !linux && !darwin && !windows

package ipc

import "net"

// peerCredSupported is false here: the socket's folder and file permissions
// (on Windows, the per-user folder's ACL) are the only gate.
const peerCredSupported = false

// peerOf cannot learn who connected on this platform.
func peerOf(net.Conn) Peer { return Peer{} }
