package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/ddnsd/ddns/untrusted"
)

// Journal appends entries to one journal file. Its methods are safe for
// concurrent use; a nil *Journal journals nothing, so a caller without a
// journal (no state folder) needs no checks.
//
// The file is opened for each line and closed after it: a journal is
// written a few times an hour (a pass that changes many records at once
// adds its lines and flushes once), and a file that is not held open cannot be
// left behind by a rotation another process did, nor keep a deleted file's
// space.
type Journal struct {
	path   string
	limits Limits
	mu     sync.Mutex
	// unflushed says lines were added (Add) since the last fsync.
	unflushed bool
}

// Open prepares the journal at path: it creates the folder (mode 0700) and
// the file (mode 0600) when missing, and checks that what is there is a
// regular file this user owns, not a symlink, a named pipe or a device
// someone planted. Nothing is written.
func Open(path string, limits Limits) (*Journal, error) {
	if path == "" {
		return nil, errors.New("cannot open a journal without a path")
	}
	if limits.MaxBytes == 0 {
		limits.MaxBytes = DefaultMaxBytes
	}
	if limits.MaxBytes < MinMaxBytes {
		limits.MaxBytes = MinMaxBytes
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the journal's folder: %w", err)
	}
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("cannot open the journal %s: %w", path, err)
	}
	return &Journal{path: path, limits: limits}, nil
}

// Path is the journal's file.
func (j *Journal) Path() string {
	if j == nil {
		return ""
	}
	return j.path
}

// Append writes e as one line, rotating the file first when the line would
// take it past half of its bound. When the rotation fails the line is
// still written, while the file stays within the whole bound, and the
// rotation's error is returned. Error and Detail are cut to MaxText bytes
// and cleaned of control characters; At is stored in UTC (a zero At is an
// error: an entry without a time cannot be placed). The line is on disk
// (fsync) when Append returns, unless Limits.NoSync, with every line Add
// wrote before it.
func (j *Journal) Append(e Entry) error { return j.write(e, !j.noSync()) }

// Add is Append without the fsync: the line is in the file, so it survives
// the writer's crash (kill -9), but not a power cut until Flush or the next
// Append. A writer that journals many entries at once (a pass that changed
// a thousand records) adds each and flushes once.
func (j *Journal) Add(e Entry) error { return j.write(e, false) }

// Flush puts every line Add wrote on disk (fsync); nothing to do when
// there is none, or under Limits.NoSync.
func (j *Journal) Flush() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.unflushed || j.limits.NoSync {
		return nil
	}
	f, err := openAppend(j.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cannot flush the journal %s to disk: %w", j.path, err)
	}
	j.unflushed = false
	return nil
}

func (j *Journal) noSync() bool { return j == nil || j.limits.NoSync }

// write appends e's line, and fsyncs the file when sync is set.
func (j *Journal) write(e Entry, sync bool) error {
	if j == nil {
		return nil
	}
	line, err := encode(e)
	if err != nil {
		return fmt.Errorf("cannot journal a %q entry in %s: %w", e.Kind, j.path, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	f, err := openAppend(j.path)
	if err != nil {
		return err
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read the journal %s: %w", j.path, err)
	}
	size := fi.Size()
	var rotErr error
	if size > 0 && size+int64(len(line))+1 > j.limits.MaxBytes/2 {
		if j.unflushed && !j.limits.NoSync {
			// Lines added since the last flush are about to become the
			// previous generation: on disk first.
			if err := f.Sync(); err != nil {
				return fmt.Errorf("cannot flush the journal %s to disk: %w", j.path, err)
			}
			j.unflushed = false
		}
		f.Close()
		f = nil
		if f, rotErr = j.rotate(); rotErr != nil {
			// A rename that fails (on Windows, while a reader holds the
			// file) costs the bound's other half, not the entry: the
			// line still goes to the current file while that stays
			// within the whole bound.
			if size+int64(len(line))+1 > j.limits.MaxBytes {
				return rotErr
			}
			if f, err = openAppend(j.path); err != nil {
				return err
			}
		} else {
			size = 0
		}
	}
	if size > 0 && !endsInNewline(f, size) {
		// A torn line (a crash, a full disk, a power loss's zeros) ends
		// the file: end it, so it stays one corrupt line of its own and
		// this entry reads.
		line = append([]byte{'\n'}, line...)
	}
	// One write(2): O_APPEND puts the whole line at the end even when
	// another process appends too.
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("cannot write to the journal %s: %w", j.path, err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			j.unflushed = true
			return fmt.Errorf("cannot flush the journal %s to disk: %w", j.path, err)
		}
		j.unflushed = false
	} else {
		j.unflushed = true
	}
	err = f.Close()
	f = nil
	if err != nil {
		return fmt.Errorf("cannot write to the journal %s: %w", j.path, err)
	}
	return rotErr
}

// rotate moves the journal to its previous generation and opens a new one.
func (j *Journal) rotate() (*os.File, error) {
	if err := os.Rename(j.path, PreviousPath(j.path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot rotate the journal %s: %w", j.path, err)
	}
	f, err := openAppend(j.path)
	if err != nil {
		return nil, err
	}
	if !j.limits.NoSync {
		syncDir(filepath.Dir(j.path))
	}
	return f, nil
}

// endsInNewline says whether the file of size bytes ends in '\n'. A file
// that cannot be read there is taken to end well: the worst that follows
// is one more corrupt line, never a lost file.
func endsInNewline(f *os.File, size int64) bool {
	var b [1]byte
	if _, err := f.ReadAt(b[:], size-1); err != nil && !errors.Is(err, io.EOF) {
		return true
	}
	return b[0] == '\n'
}

// encode writes e as one line of at most MaxLine bytes, '\n' included.
func encode(e Entry) ([]byte, error) {
	if e.At.IsZero() {
		return nil, errors.New("the entry has no time")
	}
	if e.Kind == "" {
		return nil, errors.New("the entry has no kind")
	}
	e.At = e.At.UTC()
	e.Kind = clean(e.Kind, 64)
	e.Record = clean(e.Record, 300)
	e.Provider = clean(e.Provider, 64)
	e.Old = clean(e.Old, 64)
	e.New = clean(e.New, 64)
	e.Error = clean(e.Error, MaxText)
	e.Detail = clean(e.Detail, MaxText)
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if len(b)+1 > MaxLine {
		// Only escapes can make it this long (each byte of the texts
		// may become six); halve the texts until it fits.
		for len(b)+1 > MaxLine && (e.Error != "" || e.Detail != "") {
			e.Error = clean(e.Error, len(e.Error)/2)
			e.Detail = clean(e.Detail, len(e.Detail)/2)
			if b, err = json.Marshal(e); err != nil {
				return nil, err
			}
		}
		if len(b)+1 > MaxLine {
			return nil, fmt.Errorf("the entry is %d bytes, longer than a journal line may be (%d)", len(b), MaxLine)
		}
	}
	return append(b, '\n'), nil
}

// CleanText is an error or a detail as Append keeps it: control
// characters replaced, white space collapsed, cut to MaxText bytes. A
// writer that compares a new error with one it read back from the journal
// compares their CleanText.
func CleanText(s string) string { return clean(s, MaxText) }

// clean makes s fit one line of the journal: invalid UTF-8 and control
// characters become '?', runs of white space one space (none at either
// end), and a text longer than limit bytes is cut on a character boundary
// and ends in an ellipsis, at most limit bytes in all (untrusted.Fit).
func clean(s string, limit int) string { return untrusted.Fit(s, limit) }
