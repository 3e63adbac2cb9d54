//go:build chaos && linux

package chaos

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/journal"
)

// journalWriterEnv makes the test binary a journal writer (see
// journalWriter) instead of running the suite.
const journalWriterEnv = "CHAOS_JOURNAL_WRITER"

// journalChaosBound is the writer's bound: small, so that rotations happen
// often and some kills land in the middle of one.
const journalChaosBound = 64 << 10

// journalWriter appends entries numbered from one more than the highest
// the journal holds, each with a detail of a random length (up to most of
// a line, so that writes span pages and a kill can land inside one), and
// prints each number once Append returned. It runs until it is killed.
func journalWriter(path string) int {
	res, _ := journal.Read(journal.Filter{}, path)
	next := 0
	if n := len(res.Entries); n > 0 {
		next = seqOf(res.Entries[n-1]) + 1
	}
	j, err := journal.Open(path, journal.Limits{MaxBytes: journalChaosBound})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	for ; ; next++ {
		e := journal.Entry{At: time.Now(), Kind: journal.KindChanged, Record: "home.example.com/A",
			New: "192.0.2." + strconv.Itoa(next%250), Detail: strconv.Itoa(next) + " " + strings.Repeat("x", rand.IntN(3500))}
		if err := j.Append(e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintln(out, next)
		out.Flush()
	}
}

func seqOf(e journal.Entry) int {
	n, err := strconv.Atoi(strings.Fields(e.Detail)[0])
	if err != nil {
		return -1
	}
	return n
}

// testJournalKill9 kills a process 200 times while it appends to its
// journal (fsync on, rotation every few dozen lines), each time after a
// random number of lines, and after each kill reads the journal: every
// entry whose Append returned before the kill is there, in order, with no
// gap, and the files stay within their bound. Only the line being written
// when the kill came may be lost (torn), and the next writer's first line
// is never swallowed by it.
func testJournalKill9(t *testing.T) {
	const kills = 200
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	torn, skipped, rotations, lines := 0, 0, 0, 0
	lastPrev := int64(-1)
	for i := 1; i <= kills; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), journalWriterEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it append a random number of lines (1 to 60), then kill it
		// without warning; the acknowledgements already read are the
		// appends that returned.
		acked := -1
		sc := bufio.NewScanner(stdout)
		want := 1 + rand.IntN(60)
		for n := 0; n < want && sc.Scan(); n++ {
			acked, _ = strconv.Atoi(sc.Text())
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() { // appends that returned between the last read and the kill
			acked, _ = strconv.Atoi(sc.Text())
		}
		cmd.Wait()
		if acked < 0 {
			t.Fatalf("kill %d: the writer acknowledged no append: %s", i, stderr.String())
		}
		res, err := journal.Read(journal.Filter{}, path)
		if err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		if len(res.Entries) == 0 {
			t.Fatalf("kill %d: the journal reads empty", i)
		}
		first, last := seqOf(res.Entries[0]), seqOf(res.Entries[len(res.Entries)-1])
		for k, e := range res.Entries {
			if seqOf(e) != first+k {
				t.Fatalf("kill %d: entry %d is number %d, want %d: an entry was lost or is out of order", i, k, seqOf(e), first+k)
			}
		}
		if last < acked {
			t.Fatalf("kill %d: the journal ends at entry %d, but the writer's append of %d returned", i, last, acked)
		}
		if last > acked+1 {
			t.Fatalf("kill %d: the journal ends at entry %d, beyond the one being written (%d)", i, last, acked+1)
		}
		size := fileSize(path) + fileSize(journal.PreviousPath(path))
		if size > journalChaosBound {
			t.Fatalf("kill %d: the journal takes %d bytes, over its bound of %d", i, size, journalChaosBound)
		}
		if p := fileSize(journal.PreviousPath(path)); p != lastPrev {
			rotations++
			lastPrev = p
		}
		if first > 0 && len(res.Entries)*4096 < journalChaosBound/2-4096 {
			// Lines are at most 4 KiB: after a rotation at least the newest
			// half of the bound is kept.
			t.Fatalf("kill %d: only %d entries kept after rotation", i, len(res.Entries))
		}
		torn, skipped, lines = res.Torn, res.Skipped, last+1
	}
	t.Logf("%d kills, %d lines appended, %d rotations seen; last read: %d torn, %d skipped", kills, lines, rotations, torn, skipped)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
