//go:build !windows

package main

import (
	"os"
	"syscall"
)

func fileOwner(fi os.FileInfo) int { return int(fi.Sys().(*syscall.Stat_t).Uid) }
