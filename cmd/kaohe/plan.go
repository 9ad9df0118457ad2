package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

const planUsage = `usage:
  kaohe plan new --year YEAR --from YEAR [--data DIR] [--config FILE]
        write YEAR's plan, drafted from the plan in force of an earlier year, as YAML to standard output
        (dates moved, calendar empty: fill it in, then check)
  kaohe plan check FILE
        check a plan file: every problem and warning with its path; exit status 1 when there is a problem
  kaohe plan import FILE [--publish [--confirm]] [--data DIR] [--config FILE]
        store FILE as the next version of its year's plan (a draft); --publish publishes it,
        and --confirm is needed when the version breaks units' stored tables (they are listed)
  kaohe plan export YEAR [--version N] [--data DIR] [--config FILE]
        write the plan in force of YEAR (or its version N) as YAML to standard output
`

// runPlan is `kaohe plan …`: the office's plan documents from the command
// line, through the same service calls as the API (as the system).
func runPlan(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, planCommands, "plan: ", planUsage, args, getenv, stdout, stderr)
}

// planCommands are the subcommands of `kaohe plan`, by name.
var planCommands = map[string]command{
	"new":    runPlanNew,
	"check":  runPlanCheck,
	"import": runPlanImport,
	"export": runPlanExport,
}

func runPlanNew(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newCommandFlags("plan new", "usage: kaohe plan new --year YEAR --from YEAR [--data DIR] [--config FILE]", getenv, stdout, stderr)
	year := fs.Int("year", 0, "the new plan's year")
	from := fs.Int("from", 0, "the earlier year whose plan in force it starts from")
	if _, err := fs.parseArg(args, func(string, int) bool { return *year != 0 && *from != 0 }); err != nil {
		return err
	}
	return fs.session(ctx, true, func(m *Main) error {
		src, err := m.App.Service.Plan(ctx, *from)
		if err != nil {
			return fmt.Errorf("plan %d: %w", *from, err)
		}
		p, err := workflow.NewPlanFrom(src, *year)
		if err != nil {
			return err
		}
		return writePlan(stdout, p)
	})
}

// writePlan writes p as YAML to w.
func writePlan(w io.Writer, p *workflow.Plan) error {
	b, err := workflow.EncodePlanYAML(p)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// runPlanCheck checks a plan file without any database: exit status 0
// when it has no problem (warnings are printed too), 1 otherwise.
func runPlanCheck(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	file, err := newCommandFlags("plan check", "usage: kaohe plan check FILE", getenv, stdout, stderr).parseArg(args, named)
	if err != nil {
		return err
	}
	p, err := readPlanFile(file)
	if err != nil {
		return err
	}
	problems, warnings := workflow.CheckPlan(p)
	printFindings(stdout, file, problems, warnings)
	if len(problems) > 0 {
		return fmt.Errorf("%s: %d个问题", file, len(problems))
	}
	fmt.Fprintf(stdout, "%s: %d年度方案没有问题（%d条提示）\n", file, p.Year, len(warnings))
	return nil
}

// readPlanFile reads a plan file as a document (workflow.ReadPlanYAML):
// a malformed file or a misspelt field is an error, anything the checks
// report is not.
func readPlanFile(file string) (*workflow.Plan, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p, err := workflow.ReadPlanYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}

// printFindings prints one line per problem and warning:
// "FILE: PATH: message [rule]".
func printFindings(w io.Writer, file string, problems, warnings []workflow.Violation) {
	for _, v := range problems {
		fmt.Fprintf(w, "%s: %s: %s [%s]\n", file, v.Path, v.Message, v.Rule)
	}
	for _, v := range warnings {
		fmt.Fprintf(w, "%s: warning: %s: %s [%s]\n", file, v.Path, v.Message, v.Rule)
	}
}

func runPlanImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newCommandFlags("plan import", "usage: kaohe plan import FILE [--publish [--confirm]] [--data DIR] [--config FILE]", getenv, stdout, stderr)
	publish := fs.Bool("publish", false, "publish the version stored")
	confirm := fs.Bool("confirm", false, "publish even when it breaks units' stored tables")
	file, err := fs.parseArg(args, named)
	if err != nil {
		return err
	}
	p, err := readPlanFile(file)
	if err != nil {
		return err
	}
	return fs.session(ctx, true, func(m *Main) error { return importPlan(ctx, m, p, file, *publish, *confirm, stdout, stderr) })
}

// importPlan is runPlanImport on the opened program m: it stores p, read
// from file, as the next draft of its year and publishes it if asked.
func importPlan(ctx context.Context, m *Main, p *workflow.Plan, file string, publish, confirm bool, stdout, stderr io.Writer) error {
	svc, a, note := m.App.Service, service.SystemActor, "导入 "+filepath.Base(file)
	var v *service.PlanVersionView
	versions, err := svc.PlanVersions(ctx, a, p.Year)
	switch {
	case workflow.ErrorCode(err) == workflow.ENOTFOUND:
		v, err = svc.CreatePlan(ctx, a, service.NewPlan{Year: p.Year, Plan: p, Note: note})
	case err == nil:
		v, err = svc.SavePlanDraft(ctx, a, p.Year, service.SavePlanRequest{Version: versions[0].Version, Plan: p, Note: note})
	}
	if err != nil {
		return describe(stderr, err)
	}
	fmt.Fprintf(stdout, "stored %s as version %d of the %d plan (draft)\n", file, v.Version, v.Year)
	printFindings(stdout, file, v.Problems, v.Warnings)
	if !publish {
		return nil
	}
	if _, err := svc.PublishPlan(ctx, a, v.Year, v.Version, service.PublishRequest{Confirm: confirm}); err != nil {
		if workflow.ErrorCode(err) == workflow.ECONFLICT {
			fmt.Fprintln(stderr, "not published: run again with --confirm to publish it anyway")
		}
		return describe(stderr, err)
	}
	fmt.Fprintf(stdout, "published version %d: it is the %d plan in force\n", v.Version, v.Year)
	return nil
}

func runPlanExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newCommandFlags("plan export", "usage: kaohe plan export YEAR [--version N] [--data DIR] [--config FILE]", getenv, stdout, stderr)
	version := fs.Int("version", 0, "the version to export (default: the plan in force)")
	var year int
	if _, err := fs.parseArg(args, func(arg string, _ int) bool {
		y, err := strconv.Atoi(arg)
		year = y
		return err == nil
	}); err != nil {
		return err
	}
	return fs.session(ctx, true, func(m *Main) error {
		if *version == 0 {
			p, err := m.App.Service.Plan(ctx, year)
			if err != nil {
				return fmt.Errorf("plan %d: %w", year, err)
			}
			return writePlan(stdout, p)
		}
		v, err := m.App.Service.PlanVersion(ctx, service.SystemActor, year, *version)
		if err != nil {
			return describe(stderr, err)
		}
		return writePlan(stdout, v.Plan)
	})
}

// describe prints the details of a *workflow.Error, one a line, and
// returns its message as the command's error.
func describe(w io.Writer, err error) error {
	var e *workflow.Error
	if !errors.As(err, &e) {
		return err
	}
	for _, d := range e.Details {
		fmt.Fprintf(w, "  %s: %s\n", d.Path, d.Message)
	}
	return errors.New(e.Message)
}
