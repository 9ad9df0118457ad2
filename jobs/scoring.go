package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"kaohe/workflow"
)

// Scoring is the year-end scoring trigger: once the plan's scoring instant
// (Plan.Scoring, in the plan's zone) has come, it calls Score for that year
// once, and records the run in the database (job mark "scoring:YEAR") so
// that no later tick, restart or second server calls it again. Score is the
// scoring of the scoring issue, wired by cmd/kaohe; a nil Score disables
// the trigger. Score is called before the mark is written: a crash between
// the two runs the scoring again, which gives the same stored result.
type Scoring struct {
	Store workflow.Store
	Clock workflow.Clock
	Score func(ctx context.Context, year int) error
	Log   *slog.Logger
}

// Run scores every plan whose scoring instant has passed and that was not
// scored by this trigger yet.
func (s *Scoring) Run(ctx context.Context) error {
	if s.Score == nil {
		return nil
	}
	now := s.Clock.Now()
	var years []int
	err := s.Store.Tx(ctx, func(tx workflow.Tx) error {
		plans, err := tx.Plans()
		if err != nil {
			return err
		}
		for _, p := range plans {
			if now.Before(p.Scoring.Date.At(p.Scoring.Time, p.Location())) {
				continue
			}
			done, err := tx.JobDone(scoringMark(p.Year))
			if err != nil {
				return err
			}
			if !done {
				years = append(years, p.Year)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, y := range years {
		if err := s.Score(ctx, y); err != nil {
			return fmt.Errorf("scoring %d: %w", y, err)
		}
		err := s.Store.Tx(ctx, func(tx workflow.Tx) error { return tx.MarkJobDone(scoringMark(y), now) })
		if err != nil && workflow.ErrorCode(err) != workflow.ECONFLICT {
			return err
		}
		if s.Log != nil {
			s.Log.Info("year-end scoring triggered", "year", y)
		}
	}
	return nil
}

func scoringMark(year int) string { return fmt.Sprintf("scoring:%d", year) }
