//go:build !linux

package testdb

import (
	"syscall"
	"time"
)

// sysProcAttr has nothing to add outside Linux: Main's cleanup stops the
// server.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// processAlive cannot tell outside Linux, so stale directories are kept.
func processAlive(int) bool { return true }

// ServerCPU is zero outside Linux: there is no /proc to read it from.
func ServerCPU() time.Duration { return 0 }
