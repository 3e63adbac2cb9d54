package ipc

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// holdConns is the "hold" helper: see helperMain.
func holdConns(path, count string) int {
	n, err := strconv.Atoi(count)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad count:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var held []*Client
	busy := 0
	for i := 0; i < n; i++ {
		c, err := Dial(ctx, path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			return 1
		}
		rep, err := c.Do(ctx, Request{Cmd: CmdStatus})
		switch {
		case err != nil:
			fmt.Fprintln(os.Stderr, "do:", err)
			return 1
		case rep.OK:
			held = append(held, c)
		case strings.HasPrefix(rep.Error, "busy"):
			busy++
			c.Close()
		default:
			fmt.Fprintln(os.Stderr, "reply:", rep.Error)
			return 1
		}
	}
	fmt.Printf("held=%d busy=%d\n", len(held), busy)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}
