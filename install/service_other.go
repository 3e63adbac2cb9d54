//go:build !windows

package install

import "errors"

var errServiceHost = errors.New("a Windows service can only be installed on Windows; `supervisor install --target windows-service --print` shows the sc.exe commands")

func installService(resolved) (Result, error) { return Result{}, errServiceHost }

func uninstallService(resolved) (Result, error) { return Result{}, errServiceHost }
