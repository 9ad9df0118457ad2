package storetest

import (
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testMonthly(t *testing.T, s service.Store) {
	june, july := workflow.Month{Year: 2019, Month: time.June}, workflow.Month{Year: 2019, Month: time.July}
	first := workflow.MonthlyReport{Year: 2019, Unit: "gjz", Month: june, Count: 12034, ReportedAt: at(3, 9, 0, 0, 1),
		FirstReportedAt: at(3, 9, 0, 0, 1), By: "gjz", Source: workflow.SourceAPI}
	// The member information system's figure for the same month stands
	// beside the unit's; a second figure of one source replaces the first.
	system := first
	system.Count, system.ReportedAt, system.By, system.Source = 12100, at(8, 10, 0, 0, 2), "admin", workflow.SourceImport
	fix := first
	fix.Count, fix.ReportedAt = 12050, at(9, 10, 0, 0, 3)
	other := workflow.MonthlyReport{Year: 2019, Unit: "zs", Month: june, Count: 0, ReportedAt: at(6, 9, 0, 0, 0),
		FirstReportedAt: at(6, 9, 0, 0, 0), Late: true, By: "zs", Source: workflow.SourceAPI}
	later := workflow.MonthlyReport{Year: 2019, Unit: "gjz", Month: july, Count: 13000, ReportedAt: at(28, 9, 0, 0, 0),
		FirstReportedAt: at(28, 9, 0, 0, 0), By: "gjz", Source: workflow.SourceAPI}
	nextYear := later
	nextYear.Year = 2020
	for _, m := range []workflow.MonthlyReport{first, other, later, system, fix, nextYear} {
		do(t, s, func(tx service.Tx) error { return tx.PutMonthlyReport(&m) })
	}
	norm := func(m workflow.MonthlyReport) workflow.MonthlyReport {
		m.ReportedAt, m.FirstReportedAt = m.ReportedAt.UTC(), m.FirstReportedAt.UTC()
		return m
	}
	do(t, s, func(tx service.Tx) error {
		cur, err := tx.MonthlyReports(2019)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "current values by month, unit and source", cur, []workflow.MonthlyReport{norm(fix), norm(system), norm(other), norm(later)})
		of, err := tx.MonthlyReportsOf(2019, []string{"zs", "gjz", "xg"})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "current values of a batch by unit, month and source", of, []workflow.MonthlyReport{norm(fix), norm(system), norm(later), norm(other)})
		onlyZS, err := tx.MonthlyReportsOf(2019, []string{"zs"})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "current values of one unit", onlyZS, []workflow.MonthlyReport{norm(other)})
		empty, err := tx.MonthlyReportsOf(2019, nil)
		if err != nil || empty == nil || len(empty) != 0 {
			t.Fatalf("no units: %#v %v", empty, err)
		}
		fact := func(m workflow.MonthlyReport) workflow.MonthlyFact {
			return workflow.MonthlyFact{Unit: m.Unit, Month: m.Month, ReportedAt: m.FirstReportedAt.UTC(), Late: m.Late}
		}
		facts, err := tx.MonthlyFactsOf(2019, []string{"zs", "gjz", "xg"})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "first figures of a batch by unit, month and source", facts, []workflow.MonthlyFact{fact(fix), fact(system), fact(later), fact(other)})
		factsZS, err := tx.MonthlyFactsOf(2019, []string{"zs"})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "first figures of one unit", factsZS, []workflow.MonthlyFact{fact(other)})
		noFacts, err := tx.MonthlyFactsOf(2019, nil)
		if err != nil || noFacts == nil || len(noFacts) != 0 {
			t.Fatalf("no units: %#v %v", noFacts, err)
		}
		hist, err := tx.MonthlyHistory(2019, "gjz", june)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "history keeps every value of both sources", hist, []workflow.MonthlyReport{norm(first), norm(system), norm(fix)})
		none, err := tx.MonthlyHistory(2019, "xg", june)
		if err != nil || len(none) != 0 {
			t.Fatalf("history of a unit without reports: %v %v", none, err)
		}
		return nil
	})
}
