package testdb

import "syscall"

// sysProcAttr makes the kernel send SIGTERM to mariadbd when the test
// binary dies without running Main's cleanup (a timeout panic, a kill).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// processAlive reports whether a process with pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
