// Package e2e is the harness of the end-to-end tests, which run the real
// supervisor and updater binaries: it builds them once per test binary
// (Setup, from TestMain), gives each test a temporary folder and an
// environment that reaches nothing of the machine's own configuration,
// starts `supervisor run` on a config the test writes, collects its output
// in a linebuf.Buffer a test waits on, asks for the status over the control
// socket with ipc's client, and stops the process (SIGTERM and wait, or kill
// -9) when the test is done with it. The /proc helpers answer what the
// kernel knows of processes: gone, zombie, children, descriptors.
//
// cmd/supervisor's end-to-end tests and the chaos suite both use it. It is
// Linux-only (signals, /proc); elsewhere the package is empty.
package e2e
