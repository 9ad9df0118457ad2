package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"kaohe/internal/backup"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// migrateJobs is how many files the migration copies at once.
const migrateJobs = 4

// runEvidence runs `kaohe evidence migrate`: it copies every file of one
// store into another (by default from DATA/evidence into the configured
// evidence.url), checks each source file against its hash on the way,
// reads every copy back and checks its hash, and finally checks that every
// current evidence row of every plan names a file that was verified. Files
// already at the destination are not sent again but are verified all the
// same, so the command can be run again after an interruption.
func runEvidence(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const use = "usage: kaohe evidence migrate [--from URL] [--to URL] [--data DIR] [--config FILE]"
	if len(args) == 0 || args[0] != "migrate" {
		return errors.New(use)
	}
	fset := newCommandFlags("evidence migrate", use, getenv, stdout, stderr)
	from := fset.String("from", "", `source store, file:///path or s3://bucket/prefix ("" is DATA/evidence)`)
	to := fset.String("to", "", "destination store (default: evidence.url, KAOHE_EVIDENCE_URL)")
	return fset.run(ctx, args[1:], nil, true, func(m *Main) error { return migrateEvidence(ctx, m, *from, *to, stdout) })
}

// migrateEvidence is runEvidence on the opened program m.
func migrateEvidence(ctx context.Context, m *Main, from, to string, stdout io.Writer) error {
	dest := to
	if dest == "" {
		dest = m.Config.Evidence.URL
	}
	if dest == from {
		return fmt.Errorf("evidence migrate: the destination is the source (%q); set --to or KAOHE_EVIDENCE_URL", dest)
	}
	src, err := m.App.OpenEvidence(from)
	if err != nil {
		return err
	}
	dst, err := m.App.OpenEvidence(dest)
	if err != nil {
		return err
	}
	if err := dst.Ping(ctx); err != nil {
		return fmt.Errorf("destination %s: %w", dest, err)
	}
	res, err := migrate(ctx, src, dst, stdout)
	if err != nil {
		return err
	}
	rows, missing, err := checkRows(ctx, m, res.verified)
	if err != nil {
		return err
	}
	for _, line := range missing {
		fmt.Fprintln(stdout, "missing:", line)
	}
	fmt.Fprintf(stdout, "%d files (%s): %d copied, %d already there; %d verified, %d failed; %d evidence rows, %d without a verified file\n",
		res.files, mib(res.bytes), res.copied, res.present, len(res.verified), len(res.failed), rows, len(missing))
	if len(res.failed) > 0 || len(missing) > 0 {
		return fmt.Errorf("evidence migrate: %d files failed, %d rows without a verified file", len(res.failed), len(missing))
	}
	return nil
}

// migration is what migrate did.
type migration struct {
	files, copied, present int
	bytes                  int64
	verified               map[string]bool
	failed                 []string
}

// migrate copies every file of src into dst with migrateJobs workers and
// verifies each copy. A file that cannot be copied or verified is listed in
// failed (and printed) and the others go on; an error of the source's
// listing, or a destination that becomes unavailable, stops it.
func migrate(ctx context.Context, src, dst service.FileStore, out io.Writer) (*migration, error) {
	type file struct {
		sha  string
		size int64
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := &migration{verified: map[string]bool{}}
	var mu sync.Mutex
	var stop error
	work := make(chan file)
	var wg sync.WaitGroup
	for range migrateJobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				copied, err := copyFile(ctx, src, dst, f.sha, f.size)
				mu.Lock()
				if err := res.record(f.sha, f.size, copied, err, out); err != nil {
					if stop == nil {
						stop = err
					}
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	err := src.Walk(ctx, func(sha string, size int64) error {
		select {
		case work <- file{sha, size}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(work)
	wg.Wait()
	if stop != nil {
		return nil, stop
	}
	if err != nil {
		return nil, fmt.Errorf("evidence migrate: list the source: %w", err)
	}
	return res, nil
}

// record counts the outcome of copying one file (copyFile's copied and
// err), printing failures and progress to out. It returns an error only
// when the destination is unavailable, which stops the migration: every
// file after it would fail alike.
func (res *migration) record(sha string, size int64, copied bool, err error, out io.Writer) error {
	res.files++
	res.bytes += size
	switch {
	case workflow.ErrorCode(err) == workflow.EUNAVAILABLE:
		return fmt.Errorf("evidence migrate: %s: %w", sha, err)
	case err != nil:
		res.failed = append(res.failed, sha)
		fmt.Fprintf(out, "failed: %s: %v\n", sha, err)
	default:
		res.verified[sha] = true
		if copied {
			res.copied++
		} else {
			res.present++
		}
		if n := len(res.verified); n%1000 == 0 {
			fmt.Fprintf(out, "%d files verified\n", n)
		}
	}
	return nil
}

// copyFile copies one file unless dst has it with the same size already,
// checking the source content against its hash, then reads the copy back
// and checks its hash and size. It reports whether it copied.
func copyFile(ctx context.Context, src, dst service.FileStore, sha string, size int64) (bool, error) {
	copied := false
	if got, n, err := hashOf(ctx, dst, sha); err == nil && got == sha && n == size {
		return false, nil
	} else if err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return false, err
	}
	r, err := src.Open(ctx, sha)
	if err != nil {
		return false, err
	}
	f, err := dst.Stage(r, size)
	r.Close()
	if err != nil {
		return false, fmt.Errorf("read the source: %w", err)
	}
	if f.SHA256 != sha || f.Size != size {
		dst.Discard(f)
		return false, fmt.Errorf("the source file does not match its hash (%s, %d bytes)", f.SHA256, f.Size)
	}
	if err := dst.Keep(ctx, f); err != nil {
		dst.Discard(f)
		return false, err
	}
	copied = true
	got, n, err := hashOf(ctx, dst, sha)
	if err != nil {
		return copied, fmt.Errorf("read the copy back: %w", err)
	}
	if got != sha || n != size {
		return copied, fmt.Errorf("the copy reads back as %s, %d bytes", got, n)
	}
	return copied, nil
}

// hashOf reads the file with hash sha from s whole and returns the hash of
// what it read and its size.
func hashOf(ctx context.Context, s backup.Files, sha string) (string, int64, error) {
	r, err := s.Open(ctx, sha)
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// checkRows returns how many current evidence rows the plans have, and a
// line for each one whose file was not verified.
func checkRows(ctx context.Context, m *Main, verified map[string]bool) (int, []string, error) {
	plans, err := m.App.Service.Plans(ctx)
	if err != nil {
		return 0, nil, err
	}
	rows := 0
	var missing []string
	for _, p := range plans {
		var list []workflow.Evidence
		if err := m.App.Store.View(ctx, func(tx service.Tx) (err error) {
			list, err = tx.EvidenceList(service.EvidenceFilter{Year: p.Year})
			return err
		}); err != nil {
			return 0, nil, err
		}
		for _, e := range list {
			rows++
			if !verified[e.SHA256] {
				missing = append(missing, fmt.Sprintf("evidence %d (%d %s, node %d, %q) names %s", e.ID, e.Year, e.Unit, e.NodeID, e.Name, e.SHA256))
			}
		}
	}
	return rows, missing, nil
}

// mib writes a byte count in MiB with one decimal.
func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
