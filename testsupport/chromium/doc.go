// Package chromium runs Debian's headless Chromium for tests that must see
// a page as a browser draws it: the DOM after its scripts ran
// (--dump-dom) and a screenshot. Each run gets a new profile folder and
// every background service switched off, so a run reaches nothing but the
// page it is given.
//
// A test that finds no Chromium fails under CI=true (.ci/run installs the
// chromium package) and is skipped, saying why, elsewhere. Open drives a
// page over the DevTools protocol for what --dump-dom cannot do. The
// package is Linux-only (the tests that use it run there); elsewhere it is
// empty.
package chromium
