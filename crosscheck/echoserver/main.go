// Command echoserver is the address echo service the cross check runs the
// Windows updater against under wine: it answers every HTTP request with one
// fixed address, the way api.ipify.org answers with the caller's, so that
// `updater.exe --once --dry-run` can run a real pass with no traffic off
// this machine.
//
//	echoserver [--listen 127.0.0.1:0] [--address 203.0.113.5]
//
// It prints the address it listens on ("127.0.0.1:PORT") as its first line
// on stdout, so a script can wait for that line instead of guessing when the
// server is up, then serves until SIGINT/SIGTERM or until stdin is closed
// (so it cannot outlive a script that forgot it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("echoserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	address := fs.String("address", "203.0.113.5", "the address every reply carries")
	watchStdin := fs.Bool("stdin", false, "exit when stdin reaches end of file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if net.ParseIP(*address) == nil {
		fmt.Fprintf(stderr, "echoserver: --address %q is not an IP address\n", *address)
		return 2
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "echoserver: cannot listen on %s: %v\n", *listen, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		ctx, stop = context.WithCancel(ctx)
		defer stop()
		go func() {
			_, _ = io.Copy(io.Discard, stdin)
			stop()
		}()
	}
	srv := &http.Server{Handler: handler(*address), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(stdout, l.Addr().String())
	return serve(ctx, srv, l, stderr)
}

// handler answers every request with the address and a newline, as plain
// text, and logs nothing: the script shows the updater's side.
func handler(address string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, address)
	})
}

func serve(ctx context.Context, srv *http.Server, l net.Listener, stderr io.Writer) int {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		fmt.Fprintf(stderr, "echoserver: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "echoserver: shutdown: %v\n", err)
	}
	return 0
}
