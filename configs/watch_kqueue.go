//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package configs

// watchParentDir is false on kqueue systems: fsnotify's kqueue backend opens
// every file of a watched folder, and the config folder's parent (/etc, the
// user's Library) holds many. A replaced config folder is found instead by
// the retry with backoff that follows the loss of its watch.
const watchParentDir = false
