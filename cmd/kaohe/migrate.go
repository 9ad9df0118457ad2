package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"kaohe/workflow/store"
)

// runMigrate is `kaohe migrate`: it prints the schema version, brings the
// database to this binary's version and prints the version again; with
// --status it lists the migrations instead and changes nothing.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newCommandFlags("migrate", "usage: kaohe migrate [--status] [--data DIR] [--config FILE]", getenv, stdout, stderr)
	status := fset.Bool("status", false, "list the migrations and which are applied; change nothing")
	return fset.run(ctx, args, nil, false, func(m *Main) error { return migrateSchema(ctx, m, *status, stdout) })
}

// migrateSchema is runMigrate on the opened program m.
func migrateSchema(ctx context.Context, m *Main, status bool, stdout io.Writer) error {
	before, err := m.App.Store.Version(ctx)
	if err != nil {
		return err
	}
	head := store.HeadVersion()
	if status {
		ms, err := m.App.Store.Migrations(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tSOURCE")
		for _, mi := range ms {
			state, at := "pending", ""
			if mi.Applied {
				state, at = "applied", "(first release)"
				if !mi.AppliedAt.IsZero() {
					at = mi.AppliedAt.Format("2006-01-02 15:04:05 UTC")
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", mi.Version, state, at, mi.Source)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database at schema version %d; this kaohe's is %d\n", before, head)
		return nil
	}
	fmt.Fprintf(stdout, "schema version before: %d\n", before)
	if err := m.App.Store.Migrate(ctx); err != nil {
		return err
	}
	after, err := m.App.Store.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version after:  %d (this kaohe's: %d)\n", after, head)
	return nil
}
