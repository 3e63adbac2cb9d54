//go:build !(darwin || dragonfly || freebsd || netbsd || openbsd)

package configs

// watchParentDir is true where a folder watch is one cheap kernel handle
// (inotify, ReadDirectoryChangesW): watching the config folder's parent
// reports at once when the folder is deleted or renamed and created again.
const watchParentDir = true
