package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"kaohe/workflow"
)

// runBackup is `kaohe backup --to FILE`: it writes one archive of the
// database, the evidence files and the plan files while servers keep
// serving, and records it for the office's status page.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newCommandFlags("backup", stderr)
	to := fset.String("to", "", "archive to write: FILE.tar, or FILE.tar.gz to compress")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("usage: kaohe backup --to FILE.tar.gz [--data DIR] [--config FILE]")
	}
	m, err := fset.open(ctx, getenv, stdout, stderr, false)
	if err != nil {
		return err
	}
	defer m.Close()
	rec, err := m.App.WriteBackup(ctx, *to, workflow.BackupManual)
	if rec != nil && rec.Size > 0 {
		fmt.Fprintf(stdout, "wrote %s: %d bytes, schema version %d, SHA-256 %s\n", *to, rec.Size, rec.SchemaVersion, rec.SHA256)
	}
	return err
}
