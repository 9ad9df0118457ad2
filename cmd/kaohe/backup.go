package main

import (
	"context"
	"fmt"
	"io"

	"kaohe/workflow"
)

// runBackup is `kaohe backup --to FILE`: it writes one archive of the
// database, the evidence files and the plan files while servers keep
// serving, and records it for the office's status page.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newCommandFlags("backup", "usage: kaohe backup --to FILE.tar.gz [--data DIR] [--config FILE]", getenv, stdout, stderr)
	to := fset.String("to", "", "archive to write: FILE.tar, or FILE.tar.gz to compress")
	return fset.run(ctx, args, func() bool { return *to != "" }, false, func(m *Main) error {
		rec, err := m.App.WriteBackup(ctx, *to, workflow.BackupManual)
		if rec != nil && rec.Size > 0 {
			fmt.Fprintf(stdout, "wrote %s: %d bytes, schema version %d, SHA-256 %s\n", *to, rec.Size, rec.SchemaVersion, rec.SHA256)
		}
		return err
	})
}
