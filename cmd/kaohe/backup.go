package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"kaohe/workflow"
)

// runBackup is `kaohe backup --to FILE`: it writes one archive of the
// database, the evidence files and the plan files while servers keep
// serving, and records it for the office's status page.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("backup", flag.ContinueOnError)
	fset.SetOutput(stderr)
	to := fset.String("to", "", "archive to write: FILE.tar, or FILE.tar.gz to compress")
	configPath := fset.String("config", "", "YAML configuration file")
	data := fset.String("data", "", "data directory")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("usage: kaohe backup --to FILE.tar.gz [--data DIR] [--config FILE]")
	}
	m, err := openCommand(ctx, getenv, stdout, stderr, *configPath, *data, false)
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
