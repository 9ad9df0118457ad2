package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/internal/backup"
	"kaohe/workflow/evidence"
	"kaohe/workflow/store"
)

// runRestore is `kaohe restore FILE`: it restores an archive into an empty
// data directory (and, with KAOHE_MYSQL_DSN, an empty MySQL database),
// after checking every hash, and migrates it to this binary's schema.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newCommandFlags("restore", "usage: kaohe restore FILE [--data DIR] [--config FILE]", getenv, stdout, stderr)
	fset.Lookup("data").Usage = "data directory to restore into (empty or new)"
	file, err := fset.parseArg(args, func(file string, extra int) bool { return file != "" && extra == 0 })
	if err != nil {
		return err
	}
	cfg, err := configs.Load(*fset.config, getenv)
	if err != nil {
		return err
	}
	if *fset.data != "" {
		cfg.Data = *fset.data
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return err
	}
	plans := cfg.PlansDir
	if plans == "" {
		plans = filepath.Join(cfg.Data, "plans")
	}
	files, err := evidence.Open(filepath.Join(cfg.Data, "evidence"))
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	m, err := backup.Restore(ctx, file, backup.Target{DataDir: cfg.Data, DSN: cfg.MySQLDSN, Files: app.EvidenceFiles{FileStore: files},
		Existing: app.EvidenceFiles{FileStore: files}, PlansDir: plans, Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s (written %s by kaohe %s, schema version %d) into %s; schema version now %d\n",
		file, m.CreatedAt.Format("2006-01-02 15:04:05 UTC"), m.Kaohe, m.SchemaVersion, cfg.Data, store.HeadVersion())
	for _, p := range m.Problems {
		fmt.Fprintf(stdout, "the archive records a problem: %s\n", p)
	}
	if cfg.PlansDir == "" {
		if entries, _ := filepath.Glob(filepath.Join(plans, "*.yaml")); len(entries) > 0 {
			fmt.Fprintf(stdout, "plan files restored to %s: start the server with KAOHE_PLANS_DIR=%s\n", plans, plans)
		}
	}
	return nil
}
