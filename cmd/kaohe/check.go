package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"kaohe/internal/app"
	"kaohe/internal/backup"
	"kaohe/workflow/store"
)

// errProblems makes `kaohe check` exit non-zero after printing problems.
var errProblems = errors.New("check found problems")

// runCheck is `kaohe check`: it prints every integrity problem it finds
// and fails if there is one. It reads every evidence file, so it is for
// operators and after a restore, not for readiness probes.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newCommandFlags("check", "usage: kaohe check [--data DIR] [--config FILE]", getenv, stdout, stderr)
	return fset.run(ctx, args, nil, false, func(m *Main) error { return report(ctx, m, stdout) })
}

// report is runCheck on the opened program m.
func report(ctx context.Context, m *Main, stdout io.Writer) error {
	problems, err := check(ctx, m.App.Store, app.EvidenceFiles{FileStore: m.App.Files})
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "%d problems\n", len(problems))
		return errProblems
	}
	fmt.Fprintln(stdout, "no problems")
	return nil
}

// check lists the problems of the database (store.Problems) and of the
// evidence files: every file an evidence row names exists with that hash
// and size, and every stored file is named by a row.
func check(ctx context.Context, db *store.DB, files backup.Files) ([]string, error) {
	problems, err := db.Problems(ctx)
	if err != nil {
		return nil, err
	}
	rows, conflicts, err := db.EvidenceHashes(ctx)
	if err != nil {
		return nil, err
	}
	problems = append(problems, conflicts...)
	stored := map[string]int64{}
	err = files.Walk(ctx, func(sha string, size int64) error {
		stored[sha] = size
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, sha := range sortedKeys(stored) {
		if _, ok := rows[sha]; !ok {
			problems = append(problems, fmt.Sprintf("evidence file %s has no evidence row (orphan)", sha))
		}
	}
	for _, sha := range sortedKeys(rows) {
		size, ok := stored[sha]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("evidence file %s is missing (named by an evidence row)", sha))
			continue
		case size != rows[sha]:
			problems = append(problems, fmt.Sprintf("evidence file %s has %d bytes, its rows say %d", sha, size, rows[sha]))
			continue
		}
		got, _, err := hashOf(ctx, files, sha)
		if err != nil {
			return nil, err
		}
		if got != sha {
			problems = append(problems, fmt.Sprintf("evidence file %s is damaged: its content hashes to %s", sha, got))
		}
	}
	return problems, nil
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
