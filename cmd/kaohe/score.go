package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// runScore is `kaohe score --year 2019`: it computes and stores a scoring
// run as the system, exactly as POST /api/v1/plans/2019/scoring-runs does,
// and prints the ranking. With --publish ID it publishes run ID instead.
func runScore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newCommandFlags("score", "usage: kaohe score --year YEAR [--publish ID] [--data DIR] [--config FILE]", getenv, stdout, stderr)
	year := fset.Int("year", 0, "plan year, e.g. 2019")
	publish := fset.Int64("publish", 0, "publish this run instead of computing a new one")
	return fset.run(ctx, args, func() bool { return *year != 0 }, true, func(m *Main) error {
		return score(ctx, m, *year, *publish, stdout, stderr)
	})
}

// score is runScore on the opened program m.
func score(ctx context.Context, m *Main, year int, publish int64, stdout, stderr io.Writer) error {
	var err error
	var run *workflow.ScoringRun
	if publish != 0 {
		run, err = m.App.Service.PublishScoring(ctx, service.SystemActor, year, publish)
	} else {
		run, err = m.App.Service.RunScoring(ctx, service.SystemActor, year)
	}
	if err != nil {
		return describe(stderr, err)
	}
	state := "preview"
	if run.Published {
		state = "published"
	}
	fmt.Fprintf(stdout, "scoring run %d of %d (%s), inputs %s\n", run.ID, run.Year, state, run.InputsDigest)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tunit\tparty\tbusiness\tinnovation\tdeductions\ttotal\tgrade\t")
	for _, r := range run.Results {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Rank, r.Unit, r.Party.Fixed(), r.Business.Fixed(),
			r.Innovation.Fixed(), r.DeductionTotal.Fixed(), r.Total.Fixed(), r.Grade, r.Reason)
	}
	return tw.Flush()
}
