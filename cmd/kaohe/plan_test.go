package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaohe/workflow"
)

// planCmd runs `kaohe plan ARGS…` with no environment of the machine.
func planCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"plan"}, args...), envOf(nil), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestPlanCheckLocatesEveryProblem: a bad plan file exits non-zero and
// names each problem by its path; a good one exits zero.
func TestPlanCheckLocatesEveryProblem(t *testing.T) {
	out, _, err := planCmd(t, "check", "../../testdata/plans/bad-2020.yaml")
	if err == nil {
		t.Fatalf("a bad plan passed:\n%s", out)
	}
	for _, want := range []string{
		"deadline.date: 指标表报送截止日期2020-06-13（星期六）是休息日，且方案规定遇休息日不顺延 [plan.deadline.day_off]",
		"checkpoints[1].date: 序时节点应按日期先后排列",
		"calendar.holidays[2]: 日历条目“2021-01-01”中的2021-01-01不在2020年内",
		"party: 5项指标每项21-25分，合计只能在105-125分之间，达不到100分 [plan.category.unreachable]",
		"party.items[4].code: 党建指标第5项的代码P4与党建指标第4项重复",
		"grades[1].min: 等次应从高到低排列",
		"warning: grades[1].min:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out, _, err := planCmd(t, "check", "../../configs/plans/2019.yaml"); err != nil || !strings.Contains(out, "2019年度方案没有问题（2条提示）") {
		t.Fatalf("the 2019 plan: %v\n%s", err, out)
	}
	if _, _, err := planCmd(t, "check"); err == nil {
		t.Error("check without a file succeeded")
	}
	misspelt := filepath.Join(t.TempDir(), "typo.yaml")
	os.WriteFile(misspelt, []byte("year: 2020\ndeadlne: {date: 2020-06-12}\n"), 0o600)
	if _, _, err := planCmd(t, "check", misspelt); err == nil || !strings.Contains(err.Error(), "deadlne") {
		t.Errorf("a misspelt field: %v", err)
	}
}

// TestPlanNewThenCheck: `plan new` writes a plan that `plan check` refuses
// only for its empty calendar, and accepts once the calendar is filled.
func TestPlanNewThenCheck(t *testing.T) {
	dir := t.TempDir()
	out, _, err := planCmd(t, "new", "--year", "2027", "--from", "2019", "--data", filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "2027.yaml")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	check, _, err := planCmd(t, "check", file)
	if err == nil || strings.Count(check, "\n") != 1 || !strings.Contains(check, "calendar.holidays:") {
		t.Fatalf("the new plan before its calendar: %v\n%s", err, check)
	}
	filled := strings.Replace(out, "  holidays: []", "  holidays:\n    - 2027-01-01\n    - 2027-10-01..2027-10-07", 1)
	if err := os.WriteFile(file, []byte(filled), 0o600); err != nil {
		t.Fatal(err)
	}
	if check, _, err := planCmd(t, "check", file); err != nil {
		t.Fatalf("the new plan with its calendar: %v\n%s", err, check)
	}
}

// TestPlanImportPublishExport: a file becomes a new version of its year; a
// correction that breaks a unit's stored table is published only with
// --confirm, after the unit is named; export writes the plan in force.
func TestPlanImportPublishExport(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir, []string{"gjz"}) // gjz's 2019 tables are submitted
	export := func(args ...string) *workflow.Plan {
		t.Helper()
		out, _, err := planCmd(t, append([]string{"export", "2019", "--data", dir}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		p, err := workflow.LoadPlan([]byte(out))
		if err != nil {
			t.Fatalf("export does not load: %v\n%s", err, out)
		}
		return p
	}
	p := export()
	if p.Business.Max != 1100 {
		t.Fatalf("exported plan %v", p.Business)
	}
	p.Business.Max = 1000 // gjz's B1 has 11 points
	b, err := workflow.EncodePlanYAML(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "2019-corrected.yaml")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := planCmd(t, "import", file, "--data", dir, "--publish")
	if err == nil || !strings.Contains(out, "as version 2 of the 2019 plan") || !strings.Contains(errOut, "units.gjz: 甘井子区总工会（已报送）") {
		t.Fatalf("an unconfirmed correction: %v\n%s\n%s", err, out, errOut)
	}
	if export().Business.Max != 1100 {
		t.Fatal("the unconfirmed correction is in force")
	}
	// Version 2 is the latest: importing again stores version 3.
	out, errOut, err = planCmd(t, "import", file, "--data", dir, "--publish", "--confirm")
	if err != nil || !strings.Contains(out, "published version 3") {
		t.Fatalf("a confirmed correction: %v\n%s\n%s", err, out, errOut)
	}
	if export().Business.Max != 1000 || export("--version", "1").Business.Max != 1100 {
		t.Fatal("export does not show the versions")
	}
}
