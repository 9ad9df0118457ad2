package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// LeaseName is the database lease that elects the server running the jobs.
const LeaseName = "jobs"

// Job is one scheduled job. Run reads the clock and the database and does
// whatever is due now; it must be safe to run late, twice or after a
// restart.
type Job struct {
	Name string
	Run  func(ctx context.Context) error
}

// Scheduler triggers the jobs with robfig/cron in the plan's zone: once at
// Start and every Tick. A tick is only a trigger (cron never catches up
// missed runs); at each tick the scheduler takes or renews the database
// lease, and only the holder runs the jobs, in order. Overlapping ticks are
// skipped and a panicking job is recovered (cron.SkipIfStillRunning, then
// cron.Recover: in the other order a job that panicked once would be
// skipped forever).
type Scheduler struct {
	Store service.Store
	Clock workflow.Clock
	// Location is the plan's zone, for cron.
	Location *time.Location
	// Tick is how often due work is looked for (30 s when zero; at most a
	// minute).
	Tick time.Duration
	// Lease is how long the lease holds without renewal; it is raised to
	// at least twice Tick so that a healthy holder never loses it.
	Lease time.Duration
	// Holder names this server in the lease (InstanceName when empty).
	Holder  string
	Jobs    []Job
	Log     *slog.Logger
	Metrics *Metrics
	// AfterRun runs after the jobs of a tick that held the lease (it wakes
	// the dispatcher).
	AfterRun func()

	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	leader bool
}

func (s *Scheduler) init() {
	if s.Tick <= 0 {
		s.Tick = 30 * time.Second
	}
	if s.Lease < 2*s.Tick {
		s.Lease = 2 * s.Tick
	}
	if s.Holder == "" {
		s.Holder = InstanceName()
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Location == nil {
		s.Location = time.UTC
	}
}

// Start creates the lease row if needed, runs a first tick at once and
// schedules the others.
func (s *Scheduler) Start(ctx context.Context) error {
	if err := s.Prepare(ctx); err != nil {
		return err
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	l := cronLogger{s.Log}
	s.cron = cron.New(cron.WithLocation(s.Location), cron.WithLogger(l),
		cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)))
	id, err := s.cron.AddFunc(fmt.Sprintf("@every %s", s.Tick), func() { s.RunTick(s.ctx) })
	if err != nil {
		return err
	}
	s.cron.Start()
	// The first tick goes through the same chain (no overlap, recovery).
	go s.cron.Entry(id).WrappedJob.Run()
	return nil
}

// Prepare creates the lease row if it is missing. Start does it; a caller
// that ticks by hand (RunTick) calls it first.
func (s *Scheduler) Prepare(ctx context.Context) error {
	s.init()
	return s.Store.Update(ctx, func(tx service.Tx) error { return tx.EnsureLease(LeaseName) })
}

// Resign gives the lease up if this scheduler holds it, so that another
// one takes over at its next tick. Stop does it; a caller that ticked by
// hand calls it when done.
func (s *Scheduler) Resign(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	leader := s.leader
	s.leader = false
	s.mu.Unlock()
	if !leader {
		return nil
	}
	return s.Store.Update(ctx, func(tx service.Tx) error { return tx.ReleaseLease(LeaseName, s.Holder) })
}

// Stop stops triggering, waits for a running tick to finish (bounded by
// ctx), and gives the lease up so that another server takes over at once.
func (s *Scheduler) Stop(ctx context.Context) error {
	if s.cron == nil {
		return nil
	}
	done := s.cron.Stop()
	select {
	case <-done.Done():
	case <-ctx.Done():
		s.cancel()
		<-done.Done()
	}
	s.cancel()
	return s.Resign(ctx)
}

// RunTick takes or renews the lease and, if held, runs every job once. It
// reports whether this server held the lease. Tests call it directly.
func (s *Scheduler) RunTick(ctx context.Context) bool {
	s.init()
	now := s.Clock.Now()
	var held bool
	err := s.Store.Update(ctx, func(tx service.Tx) (err error) {
		held, err = tx.AcquireLease(LeaseName, s.Holder, now, s.Lease)
		return err
	})
	if err != nil {
		s.Log.Error("lease", "err", err)
		held = false
	}
	s.mu.Lock()
	if held != s.leader {
		s.Log.Info("jobs lease", "held", held, "holder", s.Holder)
	}
	s.leader = held
	s.mu.Unlock()
	s.Metrics.leader(held)
	if !held {
		return false
	}
	for _, j := range s.Jobs {
		if ctx.Err() != nil {
			return true
		}
		start := time.Now() // wall-clock duration for the metrics, not a deadline
		err := j.Run(ctx)
		s.Metrics.job(j.Name, time.Since(start), err)
		if err != nil {
			s.Log.Error("job failed", "job", j.Name, "err", err)
		}
	}
	if s.AfterRun != nil {
		s.AfterRun()
	}
	return true
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

// Info logs cron's routine messages at debug level.
func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

// Error logs cron's errors, such as a recovered panic.
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
