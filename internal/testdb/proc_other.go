//go:build !linux

package testdb

import "syscall"

// sysProcAttr has nothing to add outside Linux: Main's cleanup stops the
// server.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// processAlive cannot tell outside Linux, so stale directories are kept.
func processAlive(int) bool { return true }
