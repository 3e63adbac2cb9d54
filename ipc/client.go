package ipc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// ErrNoServer means no supervisor answers on the socket: the file is missing
// or nobody listens on it. `supervisor status` exits with StatusNoSupervisor.
var ErrNoServer = errors.New("no supervisor answers on the socket")

// maxReplyBytes bounds one reply line a client accepts, so a confused peer
// cannot make the CLI allocate without limit. Status and log pages are far
// smaller.
const maxReplyBytes = 64 << 20

// errWriteFailed marks a request that could not be written (as opposed to a
// connection that was already unusable).
var errWriteFailed = errors.New("write failed")

// Client is one connection to the server. It may send many requests in turn;
// its methods are safe to call from several goroutines (they take turns).
type Client struct {
	path string
	mu   sync.Mutex
	c    net.Conn
	br   *bufio.Reader
	// broken is set once the connection is in an unknown state (an error or
	// a cancelled call mid-exchange, or a finished stream): later calls fail
	// rather than read someone else's reply.
	broken error
}

// Dial connects to the server at path. When nothing answers the error wraps
// ErrNoServer; a permission problem does not (someone does answer).
//
// The default socket path (DefaultSocketPath) is refused when its folder or
// file belongs to another ordinary user, who may be posing as our supervisor.
func Dial(ctx context.Context, path string) (*Client, error) {
	if err := checkDefaultSocket(path, DefaultSocketPath()); err != nil {
		return nil, err
	}
	c, err := dialTransport(ctx, path)
	if err != nil {
		if isNoServer(err) {
			return nil, fmt.Errorf("%w at %s: %w", ErrNoServer, path, err)
		}
		return nil, fmt.Errorf("cannot connect to the supervisor socket %s: %w", path, err)
	}
	return &Client{path: path, c: c, br: bufio.NewReaderSize(c, 64<<10)}, nil
}

// Do sends req and waits for its one reply. A reply with OK false is not an
// error here: its Error field is the server's answer for a person. Errors are
// about the exchange itself (the server went away, ctx ended).
func (c *Client) Do(ctx context.Context, req Request) (Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := c.watch(ctx)
	defer stop()
	if err := c.send(ctx, req); err != nil {
		// A server that refuses a connection (busy, shutting down) answers
		// and hangs up before reading, so the write fails; its answer may
		// still be waiting to be read and says more than "broken pipe".
		if errors.Is(err, errWriteFailed) && ctx.Err() == nil {
			if rep, rerr := c.read(ctx); rerr == nil {
				return rep, nil
			}
		}
		return Reply{}, err
	}
	rep, err := c.read(ctx)
	if err != nil {
		return Reply{}, err
	}
	return rep, nil
}

// Status asks for the status document with the newest events of the ring
// (events as in Request.Events: 0 the default number, AllEvents all). A
// refusal is an error carrying the server's answer.
func (c *Client) Status(ctx context.Context, events int) (*Status, error) {
	rep, err := c.Do(ctx, Request{Cmd: CmdStatus, Events: events})
	if err != nil {
		return nil, err
	}
	if !rep.OK || rep.Status == nil {
		return nil, fmt.Errorf("the supervisor at %s refused the status request: %s", c.path, rep.Error)
	}
	return rep.Status, nil
}

// Stream sends req (typically `logs` with Follow) and calls fn with each
// reply until the server ends the stream (nil), fn returns an error (that
// error), or ctx ends (ctx's error, wrapped). The connection is done
// afterwards: Close the client.
func (c *Client) Stream(ctx context.Context, req Request, fn func(Reply) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := c.watch(ctx)
	defer stop()
	if err := c.send(ctx, req); err != nil {
		return err
	}
	defer func() {
		if c.broken == nil {
			c.broken = errors.New("the connection was used for a stream, which ends it")
		}
	}()
	for {
		rep, err := c.read(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := fn(rep); err != nil {
			return err
		}
	}
}

// Close closes the connection.
func (c *Client) Close() error {
	return c.c.Close()
}

func (c *Client) send(ctx context.Context, req Request) error {
	if c.broken != nil {
		return fmt.Errorf("cannot reuse the connection to %s: %w", c.path, c.broken)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := Encode(req)
	if err != nil {
		return fmt.Errorf("cannot encode the %q request: %w", req.Cmd, err)
	}
	if _, err := c.c.Write(b); err != nil {
		c.broken = err
		if ctx.Err() != nil {
			return fmt.Errorf("sending %q to %s: %w", req.Cmd, c.path, ctx.Err())
		}
		return fmt.Errorf("cannot send %q to the supervisor at %s: %w: %w", req.Cmd, c.path, errWriteFailed, err)
	}
	return nil
}

// watch makes a blocked read or write return when ctx ends, by moving the
// deadline into the past. Only ctx ends an exchange (no deadline of its own),
// so a failed read after ctx ended is always reported as ctx's error. The
// returned func stops watching.
func (c *Client) watch(ctx context.Context) func() {
	_ = c.c.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() {
		_ = c.c.SetDeadline(time.Unix(1, 0))
	})
	return func() { stop() }
}

func (c *Client) read(ctx context.Context) (Reply, error) {
	line, err := readLine(c.br, maxReplyBytes)
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		c.broken = err
		if ctx.Err() != nil {
			return Reply{}, fmt.Errorf("waiting for the supervisor at %s: %w", c.path, ctx.Err())
		}
		if errors.Is(err, io.EOF) {
			return Reply{}, fmt.Errorf("the supervisor at %s closed the connection without a reply: %w", c.path, io.EOF)
		}
		return Reply{}, fmt.Errorf("cannot read the reply from %s: %w", c.path, err)
	}
	var rep Reply
	if err := decodeReply(line, &rep); err != nil {
		c.broken = err
		return Reply{}, fmt.Errorf("the supervisor at %s sent a reply that is not valid: %w", c.path, err)
	}
	return rep, nil
}
