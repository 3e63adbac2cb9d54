// Package chaos is the fault-injection suite behind `make chaos`: it runs the
// real supervisor and updater binaries and breaks things around them (kill
// -9 of either process, a network that disappears, a provider API and an echo
// service that misbehave, a full or read-only disk, a config replaced by
// garbage, by a FIFO, by a symlink to /dev/zero or by 40 KB of nesting, a
// flooded control socket, a child that leaves a setsid'd grandchild, an
// address source that hangs with a grandchild, a stderr whose reader is
// gone, the supervisor as PID 1 of its namespace, and a hostile local user:
// a planted socket folder, another user's requests and idle connections on
// the socket and the HTTP endpoint, a deleted socket, a child printing
// control bytes, a journal writer killed mid-append 200 times) and checks what must still hold afterwards. The tests carry
// the build tag "chaos", so `make test` does not run them; chaos/run does,
// followed by bounded fuzz runs.
package chaos
