package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Filter chooses the entries Read returns. The zero Filter returns all (up
// to DefaultMaxEntries).
type Filter struct {
	// Since keeps entries at or after it; zero keeps all.
	Since time.Time
	// Record keeps the entries of one record, named with or without its
	// type ("home.example.com" or "home.example.com/AAAA"; case and a
	// trailing dot do not matter), and the entries of no record (the
	// supervisor's events, which concern every record). "" keeps all.
	Record string
	// Kinds keeps entries of these kinds; empty keeps all.
	Kinds []string
	// Max keeps at most the newest Max entries; 0 means
	// DefaultMaxEntries.
	Max int
}

// Result is what Read found.
type Result struct {
	// Entries are the entries that pass the filter, oldest first (entries
	// of one time keep their order in the files).
	Entries []Entry
	// Skipped counts corrupt lines that were left out: lines that are not
	// an entry, too long, or cut by a crash before a later line was
	// written.
	Skipped int
	// Torn counts last lines cut by a crash while being written, left out
	// silently: at most one per file.
	Torn int
	// Truncated says older entries exist that were not returned: Max was
	// reached, or a file was longer than MaxReadBytes and only its tail was
	// read.
	Truncated bool
}

// Read reads the journals at paths, each with its previous generation
// (PreviousPath), and returns their entries merged in time order. A missing
// file reads as empty. A file that cannot be read, or is refused (a
// symlink, a named pipe, a device: see ErrRefused), is named in the error,
// and the other files are still read: the Result is valid even when the
// error is not nil.
func Read(f Filter, paths ...string) (Result, error) {
	max := f.Max
	if max <= 0 {
		max = DefaultMaxEntries
	}
	r := reader{f: f, max: max, record: recordMatcher(f.Record)}
	var errs []error
	for _, p := range paths {
		for _, name := range []string{PreviousPath(p), p} {
			if err := r.readFile(name); err != nil {
				errs = append(errs, err)
			}
		}
	}
	sortEntries(r.out.Entries)
	if n := len(r.out.Entries); n > max {
		r.out.Entries = slices.Delete(r.out.Entries, 0, n-max)
		r.out.Truncated = true
	}
	return r.out, errors.Join(errs...)
}

// maxReadBytes is MaxReadBytes, smaller in tests.
var maxReadBytes int64 = MaxReadBytes

type reader struct {
	f      Filter
	max    int
	record func(string) bool
	out    Result
	buf    *bufio.Reader
}

// readFile adds the entries of one file.
func (r *reader) readFile(name string) error {
	file, fi, err := openRead(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	defer file.Close()
	var src io.Reader = file
	start := int64(0)
	if fi.Size() > maxReadBytes {
		start = fi.Size() - maxReadBytes
		if _, err := file.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("cannot read the journal %s: %w", name, err)
		}
		r.out.Truncated = true
	}
	src = io.LimitReader(file, maxReadBytes)
	if r.buf == nil {
		r.buf = bufio.NewReaderSize(src, MaxLine) // a line of MaxLine bytes, newline included, fits
	} else {
		r.buf.Reset(src)
	}
	skipFirst := start > 0 // the tail starts inside a line
	for {
		line, err := r.buf.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Longer than any line a writer writes: skip to its end.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.buf.ReadSlice('\n')
			}
			if !skipFirst {
				r.out.Skipped++
			}
			skipFirst = false
			if err != nil {
				break
			}
			continue
		}
		if skipFirst {
			skipFirst = false
			continue
		}
		if err != nil {
			// The last line without its newline: a crash cut it, unless
			// only the newline is missing.
			if len(bytes.TrimSpace(line)) > 0 {
				if e, ok := decode(line); ok {
					r.add(e)
				} else {
					r.out.Torn++
				}
			}
			if !errors.Is(err, io.EOF) {
				return fmt.Errorf("cannot read the journal %s: %w", name, err)
			}
			break
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !r.sinceOK(line) {
			continue
		}
		e, ok := decode(line)
		if !ok {
			r.out.Skipped++
			continue
		}
		r.add(e)
	}
	return nil
}

// sinceOK is a quick look at a line's time, so lines before Filter.Since
// are not decoded: a writer's lines start with {"at":"<RFC 3339 time>".
// A line it cannot read that way is decoded in full.
func (r *reader) sinceOK(line []byte) bool {
	if r.f.Since.IsZero() {
		return true
	}
	const prefix = `{"at":"`
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return true
	}
	rest := line[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return true
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
	if err != nil {
		return true
	}
	return !t.Before(r.f.Since)
}

// add keeps e when it passes the filter.
func (r *reader) add(e Entry) {
	if !r.f.Since.IsZero() && e.At.Before(r.f.Since) {
		return
	}
	if len(r.f.Kinds) > 0 && !slices.Contains(r.f.Kinds, e.Kind) {
		return
	}
	if e.Record != "" && !r.record(e.Record) {
		return
	}
	r.out.Entries = append(r.out.Entries, e)
	if len(r.out.Entries) >= 2*r.max {
		// Bound memory whatever the files hold (a file of tiny lines
		// could hold millions): keep the newest max so far.
		sortEntries(r.out.Entries)
		r.out.Entries = slices.Delete(r.out.Entries, 0, len(r.out.Entries)-r.max)
		r.out.Truncated = true
	}
}

// sortEntries puts entries in time order; entries of one time keep their
// order (the files' order).
func sortEntries(es []Entry) {
	slices.SortStableFunc(es, func(a, b Entry) int { return a.At.Compare(b.At) })
}

// MatchRecord says whether the record key ("home.example.com/AAAA") is the
// record named by want: the same key, or the same name when want has no
// type. Case and a trailing dot do not matter.
func MatchRecord(key, want string) bool {
	return recordMatcher(want)(key)
}

func recordMatcher(want string) func(string) bool {
	if want == "" {
		return func(string) bool { return true }
	}
	name, typ, hasType := strings.Cut(want, "/")
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	typ = strings.ToUpper(typ)
	return func(key string) bool {
		kname, ktyp, _ := strings.Cut(key, "/")
		if !strings.EqualFold(strings.TrimSuffix(kname, "."), name) {
			return false
		}
		return !hasType || strings.EqualFold(ktyp, typ)
	}
}
