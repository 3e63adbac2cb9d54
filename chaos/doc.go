// Package chaos is the fault-injection suite behind `make chaos`: it runs the
// real supervisor and updater binaries and breaks things around them (kill
// -9 of either process, a network that disappears, a provider API and an echo
// service that misbehave, a full or read-only disk, a config replaced by
// garbage, a flooded control socket, and a hostile local user: a planted
// socket folder, another user's requests and idle connections on the socket
// and the HTTP endpoint, a deleted socket, a child printing control bytes)
// and checks what must still hold afterwards. The tests carry the build tag "chaos", so `make test` does not
// run them; chaos/run does, followed by bounded fuzz runs.
package chaos
