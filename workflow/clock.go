package workflow

import (
	"sync"
	"time"
)

// Clock tells the time. Every deadline, reminder and scoring decision reads
// the time from a Clock, never from the system directly, so that tests can
// walk a whole year in milliseconds.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// OffsetClock runs forward in real time from a chosen start instant
// (KAOHE_CLOCK_START), for demos and acceptance runs.
type OffsetClock struct {
	start time.Time
	base  time.Time
	real  Clock
}

// NewOffsetClock returns a clock that reads start now and advances with real.
func NewOffsetClock(start time.Time, real Clock) *OffsetClock {
	return &OffsetClock{start: start, base: real.Now(), real: real}
}

// NewAnchoredClock returns a clock that read start at the instant anchor
// of real and advances with real: several servers given the same start
// and anchor agree, whenever each was started.
func NewAnchoredClock(start, anchor time.Time, real Clock) *OffsetClock {
	return &OffsetClock{start: start, base: anchor, real: real}
}

// Now returns the start instant plus the real time elapsed since the base
// (creation, or the anchor).
func (c *OffsetClock) Now() time.Time { return c.start.Add(c.real.Now().Sub(c.base)) }

// ManualClock is a clock that moves only when told to. It is safe for
// concurrent use. The zero value reads the zero time.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's current instant.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
