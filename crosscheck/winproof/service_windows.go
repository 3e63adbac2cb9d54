package main

import "errors"

// service drives the Windows service through install, start, status, stop
// and uninstall.
func (d *driver) service() error {
	return errors.New("the service proof is not written yet")
}
