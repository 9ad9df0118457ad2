package jobs

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"kaohe/workflow"
)

// MonthlyRow is one line of a member information system export: a unit's
// member real-name count for a month.
type MonthlyRow struct {
	Unit  string
	Month workflow.Month
	Count int64
}

// MonthlyImporter records imported counts as the units' monthly reports,
// inside the import's transaction. The server implements it over the
// monthly-report records; nil disables the import folder.
type MonthlyImporter interface {
	ImportMonthly(tx workflow.Tx, rows []MonthlyRow, at time.Time) error
}

// Monthly is the monthly gathering job. Each tick it
//
//  1. imports every *.csv file the member information system dropped in
//     ImportDir ("unit,month,count" with that header; month as 2019-06),
//     each file in one transaction, then moves it to ImportDir/done (or
//     ImportDir/failed with a .err file beside it when it cannot be read);
//  2. for each month of each plan whose gathering day has come (the first
//     working day after the day the month's count is due by, moved off a
//     day off, at the reminders' time, the day its overdue notice and office
//     digest go out), stores the monthly
//     summary once: every unit's count, the total, the change from the
//     month before, and the units that did not report.
type Monthly struct {
	Store    workflow.Store
	Clock    workflow.Clock
	Rules    workflow.ReminderRules
	Data     workflow.ReminderData
	Importer MonthlyImporter
	// ImportDir is the folder watched for exports (none when empty).
	ImportDir string
	Log       *slog.Logger
}

// Run imports waiting files, then stores the summaries that are due.
func (m *Monthly) Run(ctx context.Context) error {
	return errors.Join(m.importFiles(ctx), m.summarise(ctx))
}

func (m *Monthly) importFiles(ctx context.Context) error {
	if m.ImportDir == "" || m.Importer == nil {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(m.ImportDir, "*.csv"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	var errs []error
	for _, f := range files {
		rows, err := readMonthlyCSV(f)
		if err == nil {
			now := m.Clock.Now().UTC()
			err = m.Store.Tx(ctx, func(tx workflow.Tx) error { return m.Importer.ImportMonthly(tx, rows, now) })
		}
		dest := "done"
		if err != nil {
			dest = "failed"
			errs = append(errs, fmt.Errorf("import %s: %w", filepath.Base(f), err))
		}
		if merr := moveInto(f, filepath.Join(m.ImportDir, dest), err); merr != nil {
			errs = append(errs, merr)
		}
		if err == nil && m.Log != nil {
			m.Log.Info("monthly counts imported", "file", filepath.Base(f), "rows", len(rows))
		}
	}
	return errors.Join(errs...)
}

// readMonthlyCSV parses an export; any bad line fails the whole file.
func readMonthlyCSV(path string) ([]MonthlyRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 3
	r.TrimLeadingSpace = true
	var rows []MonthlyRow
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if line == 1 {
			if strings.TrimPrefix(strings.ToLower(rec[0]), "\ufeff") != "unit" {
				return nil, fmt.Errorf("第1行应为表头 unit,month,count")
			}
			continue
		}
		mo, err := workflow.ParseMonth(strings.TrimSpace(rec[1]))
		if err != nil {
			return nil, fmt.Errorf("第%d行: %w", line, err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(rec[2]), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("第%d行: 数量“%s”应为非负整数", line, rec[2])
		}
		rows = append(rows, MonthlyRow{Unit: strings.TrimSpace(rec[0]), Month: mo, Count: n})
	}
	return rows, nil
}

func moveInto(file, dir string, cause error) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	dest := filepath.Join(dir, filepath.Base(file))
	if err := os.Rename(file, dest); err != nil {
		return err
	}
	if cause != nil {
		return os.WriteFile(dest+".err", []byte(cause.Error()+"\n"), 0o640)
	}
	return nil
}

func (m *Monthly) summarise(ctx context.Context) error {
	if m.Data == nil {
		return nil
	}
	now := m.Clock.Now().UTC()
	return m.Store.Tx(ctx, func(tx workflow.Tx) error {
		plans, err := tx.Plans()
		if err != nil {
			return err
		}
		for _, p := range plans {
			if err := m.summarisePlan(tx, p, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (m *Monthly) summarisePlan(tx workflow.Tx, p *workflow.Plan, now time.Time) error {
	var due []workflow.PlanDeadline
	for _, d := range p.Deadlines() {
		if d.Kind == workflow.DeadlineMonthly && !now.Before(p.Overdue(d, m.Rules).SendAt) {
			due = append(due, d)
		}
	}
	if len(due) == 0 {
		return nil
	}
	have, err := tx.MonthlySummaries(p.Year)
	if err != nil {
		return err
	}
	done := map[workflow.Month]bool{}
	for _, s := range have {
		done[s.Month] = true
	}
	var units []workflow.Unit
	var counts map[string]map[workflow.Month]int64
	for _, d := range due {
		if done[d.Month] {
			continue
		}
		if units == nil {
			if units, err = tx.Units(); err != nil {
				return err
			}
			rows, err := m.Data.ReminderMonths(tx, p.Year)
			if err != nil {
				return err
			}
			counts = map[string]map[workflow.Month]int64{}
			for _, r := range rows {
				if counts[r.Unit] == nil {
					counts[r.Unit] = map[workflow.Month]int64{}
				}
				counts[r.Unit][r.Month] = r.Count
			}
		}
		if err := tx.SaveMonthlySummary(Summary(p.Year, d.Month, units, counts, now)); err != nil && workflow.ErrorCode(err) != workflow.ECONFLICT {
			return err
		}
		if m.Log != nil {
			m.Log.Info("monthly summary stored", "year", p.Year, "month", d.Month.String())
		}
	}
	return nil
}

// Summary builds the summary of month from counts[unit][month]: one line
// per unit in the order of units, the total of the reported counts, and
// the change from the month before where both months were reported.
func Summary(year int, month workflow.Month, units []workflow.Unit, counts map[string]map[workflow.Month]int64, at time.Time) *workflow.MonthlySummary {
	s := &workflow.MonthlySummary{Year: year, Month: month, CreatedAt: at, Units: []workflow.SummaryLine{}}
	for _, u := range units {
		line := workflow.SummaryLine{Unit: u.Code}
		if n, ok := counts[u.Code][month]; ok {
			line.Reported, line.Count = true, n
			s.Total += n
			if prev, ok := counts[u.Code][month.Prev()]; ok {
				c := n - prev
				line.Change = &c
			}
		}
		s.Units = append(s.Units, line)
	}
	return s
}

// RecordCounts is the MonthlyImporter of the server: it records imported
// counts as the units' monthly reports (workflow.RecordImportedCounts), so
// that a file with any bad line imports nothing.
type RecordCounts struct{}

// ImportMonthly records rows inside tx.
func (RecordCounts) ImportMonthly(tx workflow.Tx, rows []MonthlyRow, at time.Time) error {
	counts := make([]workflow.ImportedCount, len(rows))
	for i, r := range rows {
		counts[i] = workflow.ImportedCount{Unit: r.Unit, Month: r.Month, Count: r.Count}
	}
	return workflow.RecordImportedCounts(tx, counts, at)
}
