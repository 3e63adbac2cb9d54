package configs

import "os"

// groupOrWorldReadable cannot be told from Unix mode bits on Windows, where
// ACLs decide; the files under the user's profile are private by default.
func groupOrWorldReadable(fi os.FileInfo) bool { return false }
