// Package netns is test support for tests that need a network of their own:
// a network namespace made for one test (ip netns add), or the whole test
// re-run in a child process in a fresh namespace (unshare -n), with the
// iproute2 steps tests take inside it (veth pairs, links up and down,
// addresses added and removed), cleaned up when the test ends.
//
// Only Linux has network namespaces; elsewhere the package is empty. Making
// one needs root: Require fails a test that cannot have one when CI=true
// (a CI run must prove every test ran) and skips it, saying why, otherwise.
package netns
