package workflow

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLoginNameBytes bounds a username or an address as a failed login
// records it: no account has a longer name, so nothing is lost, and a
// megabyte sent as a username costs 64 bytes of storage.
const MaxLoginNameBytes = 64

// LoginFailures are the failed logins that count for one attempt: of its
// username from any address, from its address for any username, and of
// its username from its address, within the throttle's window, with the
// time of the latest of the first two.
type LoginFailures struct {
	User, Address, UserFromAddress int
	UserLast, AddressLast          time.Time
}

// LoginThrottle says how long failed logins make the next attempt wait.
// An address that keeps failing waits longer and longer, whatever names
// it tries; a username that keeps failing makes attempts wait only from
// the addresses that failed it, so that a stranger guessing an account's
// password never locks its owner out: from an address that has not failed
// for it, the account can always sign in.
type LoginThrottle struct {
	// FreePerUser and FreePerAddress are the failures allowed before any
	// wait.
	FreePerUser, FreePerAddress int
	// Window is how long a failure counts.
	Window time.Duration
	// MaxDelay caps the wait.
	MaxDelay time.Duration
}

// delay is the wait after n failures when free are allowed: none up to
// free, then one second doubling with each further failure, at most max.
func delay(n, free int, max time.Duration) time.Duration {
	if n < free {
		return 0
	}
	d := time.Second
	for i := free; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// RetryAt returns when an attempt with failures f may be made: a time not
// after now (the zero time when nothing makes it wait) means at once.
// Failures within the allowance never make an attempt wait, even when
// another server's clock recorded them a little ahead of this one's.
func (t LoginThrottle) RetryAt(f LoginFailures) time.Time {
	var at time.Time
	if d := delay(f.Address, t.FreePerAddress, t.MaxDelay); d > 0 {
		at = f.AddressLast.Add(d)
	}
	if f.UserFromAddress > 0 {
		if d := delay(f.User, t.FreePerUser, t.MaxDelay); d > 0 && f.UserLast.Add(d).After(at) {
			at = f.UserLast.Add(d)
		}
	}
	return at
}

// LoginName is s as a failed login records it: invalid UTF-8 replaced,
// then at most MaxLoginNameBytes, cut at a character boundary.
func LoginName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > MaxLoginNameBytes {
		s = s[:MaxLoginNameBytes]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
