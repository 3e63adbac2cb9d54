package ipc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
)

// errLineTooLong reports a line longer than the reader's limit. The reader
// stops as soon as the limit is passed, so a 10 MB line costs at most the limit
// plus one buffer of memory, never the whole line.
var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its '\n'. At EOF a final line without
// '\n' is returned with the EOF error, so callers can still use it.
//
// It looks at whatever has arrived rather than waiting for a full buffer or
// the line's end, so a line is known to be too long as soon as more than
// limit bytes of it are in: a client that sends an oversized line and then
// waits for the answer gets it at once, not after the idle timeout.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		if _, err := r.Peek(1); err != nil {
			return line, err
		}
		buf, _ := r.Peek(r.Buffered())
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			if len(line)+i > limit {
				return nil, fmt.Errorf("%w: more than %d bytes", errLineTooLong, limit)
			}
			// Copy: the next read reuses the buffer.
			line = append(line, buf[:i]...)
			_, _ = r.Discard(i + 1)
			return line, nil
		}
		if len(line)+len(buf) > limit {
			return nil, fmt.Errorf("%w: more than %d bytes", errLineTooLong, limit)
		}
		line = append(line, buf...)
		_, _ = r.Discard(len(buf))
	}
}
