package main

import (
	"bytes"
	"context"
	"kaohe/workflow/service"
	"strings"
	"testing"
)

// TestScoreCommand: `kaohe score --year 2019` stores a run and prints the
// ranking; `--publish ID` publishes it once.
func TestScoreCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := func(string) string { return "" }
	ctx := context.Background()

	// A unit, so that the ranking has a line: created through the service
	// on the same data directory.
	m := NewMain(env, &bytes.Buffer{}, &bytes.Buffer{})
	if err := m.ParseFlags([]string{"--data", dir}); err != nil {
		t.Fatal(err)
	}
	if err := m.open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.App.Service.CreateUnit(ctx, service.SystemActor, service.NewUnit{Code: "gjz", Name: "甘井子区总工会"}); err != nil {
		t.Fatal(err)
	}
	m.Close()

	score := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"score", "--data", dir}, args...), env, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := score("--year", "2019")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "scoring run 1 of 2019 (preview)") || !strings.Contains(out, "gjz") || !strings.Contains(out, "未填报指标表") {
		t.Fatalf("output:\n%s", out)
	}
	if out, _, err = score("--year", "2019", "--publish", "1"); err != nil || !strings.Contains(out, "(published)") {
		t.Fatalf("publish: %v\n%s", err, out)
	}
	if _, _, err = score("--year", "2019", "--publish", "1"); err == nil || !strings.Contains(err.Error(), "已") {
		t.Fatalf("publish twice: %v", err)
	}
	if _, _, err = score(); err == nil {
		t.Fatal("score without --year succeeded")
	}
}
