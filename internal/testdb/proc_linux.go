package testdb

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

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

// ServerCPU is the CPU time (user and system, every thread) that the
// MariaDB servers this process started have used, read from /proc in
// clock ticks (10 ms): the database's side of a benchmark's work, which
// the benchmark's own rusage does not count. Zero where there is no such
// server.
func ServerCPU() time.Duration {
	procs, _ := os.ReadDir("/proc")
	var ticks int64
	for _, p := range procs {
		stat, err := os.ReadFile("/proc/" + p.Name() + "/stat")
		if err != nil || !bytes.Contains(stat, []byte("(mariadbd)")) {
			continue
		}
		// pid (comm) state ppid … utime stime: fields 4, 14 and 15.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		user, _ := strconv.ParseInt(f[11], 10, 64)
		system, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += user + system
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
