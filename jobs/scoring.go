package jobs

import (
	"context"
	"log/slog"

	"kaohe/workflow/service"
)

// Scoring is the year-end scoring trigger: once a plan's scoring instant
// (Plan.Scoring, in the plan's zone) has come, the service scores that year
// once, recording it in the same transaction (service.YearEndScoring), so
// that no later tick, restart or second server scores it again.
type Scoring struct {
	Service *service.Service
	Log     *slog.Logger
}

// Run scores every plan whose scoring instant has passed and that was not
// scored by this trigger yet.
func (s *Scoring) Run(ctx context.Context) error {
	runs, err := s.Service.YearEndScoring(ctx, service.SystemActor)
	if s.Log != nil {
		for _, r := range runs {
			s.Log.Info("year-end scoring triggered", "year", r.Year, "run", r.ID)
		}
	}
	return err
}
