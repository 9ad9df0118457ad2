package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"kaohe/internal/sheets"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Monthly is the monthly gathering job. Each tick it
//
//  1. imports every *.csv and *.xlsx file the member information system
//     dropped in ImportDir (columns unit, month, count, with a header row;
//     month as 2019-06; sheets.ReadCounts), each file through the service's
//     import (all of it or nothing), then moves it to ImportDir/done (or
//     ImportDir/failed with a .err file beside it);
//  2. stores the monthly summaries that are due (service.SummariseMonths).
type Monthly struct {
	Service *service.Service
	// ImportDir is the folder watched for exports (none when empty).
	ImportDir string
	Log       *slog.Logger
}

// Run imports waiting files, then stores the summaries that are due.
func (m *Monthly) Run(ctx context.Context) error {
	err := m.importFiles(ctx)
	months, serr := m.Service.SummariseMonths(ctx, service.SystemActor)
	if m.Log != nil {
		for _, mo := range months {
			m.Log.Info("monthly summary stored", "month", mo.String())
		}
	}
	return errors.Join(err, serr)
}

func (m *Monthly) importFiles(ctx context.Context) error {
	if m.ImportDir == "" {
		return nil
	}
	var files []string
	for _, pattern := range []string{"*.csv", "*.xlsx"} {
		fs, err := filepath.Glob(filepath.Join(m.ImportDir, pattern))
		if err != nil {
			return err
		}
		files = append(files, fs...)
	}
	sort.Strings(files)
	var errs []error
	for _, f := range files {
		n, err := m.importFile(ctx, f)
		dest := "done"
		if err != nil {
			dest = "failed"
			errs = append(errs, fmt.Errorf("import %s: %w", filepath.Base(f), err))
		}
		if merr := moveInto(f, filepath.Join(m.ImportDir, dest), err); merr != nil {
			errs = append(errs, merr)
		}
		if err == nil && m.Log != nil {
			m.Log.Info("monthly counts imported", "file", filepath.Base(f), "rows", n)
		}
	}
	return errors.Join(errs...)
}

// importFile imports one export and returns how many rows it stored.
func (m *Monthly) importFile(ctx context.Context, path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	rows, err := sheets.ReadCounts(b)
	if err != nil {
		return 0, err
	}
	res, err := m.Service.ImportMonthly(ctx, service.SystemActor, 0, "", rows)
	if err != nil {
		return 0, err
	}
	return res.Imported, nil
}

// moveInto moves a processed file into dir; with a cause, the reason is
// written beside it (every violation of a refused import, one a line).
func moveInto(file, dir string, cause error) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	dest := filepath.Join(dir, filepath.Base(file))
	if err := os.Rename(file, dest); err != nil {
		return err
	}
	if cause != nil {
		return os.WriteFile(dest+".err", []byte(describeError(cause)), 0o640)
	}
	return nil
}

// describeError writes an error for people: its message, then every
// violation of a *workflow.Error on a line of its own.
func describeError(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	b.WriteByte('\n')
	var e *workflow.Error
	if errors.As(err, &e) {
		for _, d := range e.Details {
			b.WriteString(d.Message)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
