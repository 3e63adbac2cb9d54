package ddns

import (
	"errors"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/providers"
)

// ExitCodeFor maps an error to the exit-code contract: nil is ExitOK;
// credentials rejected ExitAuth; data rejected ExitRejected; network
// ExitNetwork; anything else ExitFailure. A joined error (several records)
// maps to the first of those codes, in that order, that any part maps to.
func ExitCodeFor(err error) ipc.ExitCode {
	switch {
	case err == nil:
		return ipc.ExitOK
	case errors.Is(err, providers.ErrAuth):
		return ipc.ExitAuth
	case isRejected(err):
		return ipc.ExitRejected
	case errors.Is(err, netprobe.ErrUnreachable), errors.Is(err, providers.ErrNetwork):
		return ipc.ExitNetwork
	}
	return ipc.ExitFailure
}

// isRejected reports whether err means data that may not be published: a
// provider refused it, the sources disagreed, or an address failed
// Validate, including a detection where every source answered with an
// address that may not be published (the Detector reports that as "no
// address", with each source's reason kept in Tried).
func isRejected(err error) bool {
	if errors.Is(err, providers.ErrRejected) || errors.Is(err, netprobe.ErrBadAddress) || errors.Is(err, netprobe.ErrDisagreement) {
		return true
	}
	var found bool
	walk(err, func(e error) {
		var de *netprobe.DetectError
		if errors.As(e, &de) && len(de.Tried) > 0 {
			all := true
			for _, t := range de.Tried {
				all = all && errors.Is(t.Err, netprobe.ErrBadAddress)
			}
			found = found || all
		}
	})
	return found
}

// walk calls f for err and for each error a joined error holds, so a
// DetectError inside one record's error is seen even when another record's
// error comes first.
func walk(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, f)
		}
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), f)
	}
}
