//go:build !linux

package tests3

import "syscall"

// sysProcAttr has nothing to add outside Linux: a gateway left by a killed
// test binary is not stopped there.
func sysProcAttr() *syscall.SysProcAttr { return nil }
