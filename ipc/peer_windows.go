//go:build windows

package ipc

import (
	"net"
	"runtime"

	"golang.org/x/sys/windows"
)

// peerCredSupported: the pipe server learns each client's account
// (impersonation) and pid (GetNamedPipeClientProcessId).
const peerCredSupported = true

// Windows has no uids; the pipe server sorts each client into one of these
// classes and puts it in Peer.UID, so permit applies the Unix rules
// unchanged: uidAdmin plays root, the server's own class (serverUID) the
// server's uid.
const (
	uidAdmin  = 0 // SYSTEM, or a token with the Administrators group enabled
	uidSelf   = 1 // the account the (unelevated) server runs as
	uidOther  = 2 // any other account, and every client of the status pipe
	uidNobody = 3 // a client whose account could not be read: refused all but what anyone may send
)

// peerOf returns what the pipe listener learned at the handshake.
func peerOf(c net.Conn) Peer {
	if pc, ok := c.(*pipeConn); ok {
		return pc.peer
	}
	return Peer{}
}

// identify reads the client's pid and, once data was read from the pipe
// (impersonation needs that), its account. A client of the read-only status
// pipe is "another user" whoever it is.
func (l *pipeListener) identify(h windows.Handle, dataRead, readOnly bool) Peer {
	p := Peer{Known: true, UID: uidNobody}
	var pid uint32
	if windows.GetNamedPipeClientProcessId(h, &pid) == nil {
		p.PID = int(pid)
	}
	if !dataRead {
		return p
	}
	sid, admin, err := clientAccount(h)
	if err != nil {
		return p
	}
	switch {
	case readOnly:
		p.UID = uidOther
	case l.self != nil && windows.EqualSid(sid, l.self):
		p.UID = l.selfUID
	case admin:
		p.UID = uidAdmin
	default:
		p.UID = uidOther
	}
	return p
}

// clientAccount impersonates the pipe's client just long enough to read its
// token: its SID, and whether it is SYSTEM or has the Administrators group
// enabled. The thread is reverted and unlocked before returning: a goroutine
// that ended on a locked thread would (under wine) cancel other pending pipe
// I/O, and a thread left impersonating would act as the client.
func clientAccount(h windows.Handle) (*windows.SID, bool, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if r, _, err := procImpersonateNamedPipeClient.Call(uintptr(h)); r == 0 {
		return nil, false, err
	}
	var tok windows.Token
	err := windows.OpenThreadToken(windows.CurrentThread(), windows.TOKEN_QUERY, true, &tok)
	if rerr := windows.RevertToSelf(); rerr != nil {
		// Still impersonating: this thread must not run anything else.
		// Windows cannot fail here short of a broken process; give up.
		panic("ipc: cannot revert a pipe client's impersonation: " + rerr.Error())
	}
	if err != nil {
		return nil, false, err
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return nil, false, err
	}
	sid, err := u.User.Sid.Copy()
	if err != nil {
		return nil, false, err
	}
	if sid.IsWellKnown(windows.WinLocalSystemSid) {
		return sid, true, nil
	}
	admins, err := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	if err != nil {
		return sid, false, nil
	}
	groups, err := tok.GetTokenGroups()
	if err != nil {
		return sid, false, nil
	}
	for _, g := range groups.AllGroups() {
		if g.Attributes&windows.SE_GROUP_ENABLED != 0 && g.Attributes&windows.SE_GROUP_USE_FOR_DENY_ONLY == 0 && windows.EqualSid(g.Sid, admins) {
			return sid, true, nil
		}
	}
	return sid, false, nil
}
