package main

import (
	"context"
	"errors"
	"flag"
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
	if len(args) == 0 {
		fmt.Fprint(stderr, planUsage)
		return errors.New("plan: no subcommand")
	}
	switch args[0] {
	case "new":
		return runPlanNew(ctx, args[1:], getenv, stdout, stderr)
	case "check":
		return runPlanCheck(args[1:], stdout, stderr)
	case "import":
		return runPlanImport(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runPlanExport(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprint(stderr, planUsage)
	return fmt.Errorf("plan: unknown subcommand %q", args[0])
}

// planFlags parses a plan subcommand's flags, with --data and --config
// and those define adds, and its one argument (a file, a year), which may
// come before or after them.
func planFlags(name string, args []string, stderr io.Writer, define func(fs *flag.FlagSet)) (fs *commandFlags, arg string, err error) {
	fs = newCommandFlags("plan "+name, stderr)
	if define != nil {
		define(fs.FlagSet)
	}
	arg, _, err = fs.parseArg(args)
	return fs, arg, err
}

func runPlanNew(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var year, from *int
	fs, _, err := planFlags("new", args, stderr, func(fs *flag.FlagSet) {
		year = fs.Int("year", 0, "the new plan's year")
		from = fs.Int("from", 0, "the earlier year whose plan in force it starts from")
	})
	if err != nil {
		return err
	}
	if *year == 0 || *from == 0 {
		return errors.New("usage: kaohe plan new --year YEAR --from YEAR [--data DIR] [--config FILE]")
	}
	m, err := fs.open(ctx, getenv, stdout, stderr, true)
	if err != nil {
		return err
	}
	defer m.Close()
	src, err := m.App.Service.Plan(ctx, *from)
	if err != nil {
		return fmt.Errorf("plan %d: %w", *from, err)
	}
	p, err := workflow.NewPlanFrom(src, *year)
	if err != nil {
		return err
	}
	b, err := workflow.EncodePlanYAML(p)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}

// runPlanCheck checks a plan file without any database: exit status 0
// when it has no problem (warnings are printed too), 1 otherwise.
func runPlanCheck(args []string, stdout, stderr io.Writer) error {
	_, file, err := planFlags("check", args, stderr, nil)
	if err != nil {
		return err
	}
	if file == "" {
		return errors.New("usage: kaohe plan check FILE")
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
	var publish, confirm *bool
	fs, file, err := planFlags("import", args, stderr, func(fs *flag.FlagSet) {
		publish = fs.Bool("publish", false, "publish the version stored")
		confirm = fs.Bool("confirm", false, "publish even when it breaks units' stored tables")
	})
	if err != nil {
		return err
	}
	if file == "" {
		return errors.New("usage: kaohe plan import FILE [--publish [--confirm]] [--data DIR] [--config FILE]")
	}
	p, err := readPlanFile(file)
	if err != nil {
		return err
	}
	m, err := fs.open(ctx, getenv, stdout, stderr, true)
	if err != nil {
		return err
	}
	defer m.Close()
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
	if !*publish {
		return nil
	}
	if _, err := svc.PublishPlan(ctx, a, v.Year, v.Version, service.PublishRequest{Confirm: *confirm}); err != nil {
		if workflow.ErrorCode(err) == workflow.ECONFLICT {
			fmt.Fprintln(stderr, "not published: run again with --confirm to publish it anyway")
		}
		return describe(stderr, err)
	}
	fmt.Fprintf(stdout, "published version %d: it is the %d plan in force\n", v.Version, v.Year)
	return nil
}

func runPlanExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var version *int
	fs, yearArg, err := planFlags("export", args, stderr, func(fs *flag.FlagSet) {
		version = fs.Int("version", 0, "the version to export (default: the plan in force)")
	})
	if err != nil {
		return err
	}
	year, err := strconv.Atoi(yearArg)
	if err != nil {
		return errors.New("usage: kaohe plan export YEAR [--version N] [--data DIR] [--config FILE]")
	}
	m, err := fs.open(ctx, getenv, stdout, stderr, true)
	if err != nil {
		return err
	}
	defer m.Close()
	var p *workflow.Plan
	if *version != 0 {
		v, verr := m.App.Service.PlanVersion(ctx, service.SystemActor, year, *version)
		if verr != nil {
			return describe(stderr, verr)
		}
		p = v.Plan
	} else if p, err = m.App.Service.Plan(ctx, year); err != nil {
		return fmt.Errorf("plan %d: %w", year, err)
	}
	b, err := workflow.EncodePlanYAML(p)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
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
