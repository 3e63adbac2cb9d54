package ipc

import (
	"bufio"
	"errors"
	"fmt"
)

// errLineTooLong reports a line longer than the reader's limit. The reader
// stops as soon as the limit is passed, so a 10 MB line costs at most the limit
// plus one buffer of memory, never the whole line.
var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its '\n'. At EOF a final line without
// '\n' is returned with the EOF error, so callers can still use it.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > limit+1 { // +1: the '\n' itself is not counted
			return nil, fmt.Errorf("%w: more than %d bytes", errLineTooLong, limit)
		}
		switch {
		case err == nil:
			if line == nil {
				// The common case: the whole line sits in the buffer. Copy it,
				// since the next read reuses the buffer.
				return append([]byte(nil), chunk[:len(chunk)-1]...), nil
			}
			line = append(line, chunk[:len(chunk)-1]...)
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			line = append(line, chunk...)
		default:
			line = append(line, chunk...)
			return line, err
		}
	}
}
