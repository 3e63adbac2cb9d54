package ipc

import "strings"

// RecordKey identifies one DNS record across the program: "FQDN/TYPE", the
// name in lower case without a trailing dot, the type in upper case
// ("home.example.com/A"). The updater's state file, the supervisor's status
// and the notifier key records by it, so a record reported as
// "Home.Example.com." and as "home.example.com" is one record.
func RecordKey(name, typ string) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + "/" + strings.ToUpper(typ)
}
