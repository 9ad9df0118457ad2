package workflow

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in package api; anything that is
// not an *Error is internal, logged, and shown to clients only as "内部错误".
const (
	EINVALID      = "invalid"           // malformed request (400)
	EUNAUTHORIZED = "unauthorized"      // not signed in (401)
	EFORBIDDEN    = "forbidden"         // signed in, role may not do this (403)
	ENOTFOUND     = "not_found"         // absent, or another unit's data (404)
	ESTATE        = "wrong_state"       // transition not allowed from the current state (409)
	ESTALE        = "stale_version"     // optimistic lock failed (409)
	ECONFLICT     = "conflict"          // unique key taken and similar (409)
	ETOOLARGE     = "too_large"         // upload over the limit (413)
	EUNSUPPORTED  = "unsupported_type"  // upload of a type not allowed (415)
	EVALIDATION   = "validation_failed" // business rules violated (422)
	ETHROTTLED    = "too_many_attempts" // login throttled (429)
	EUNAVAILABLE  = "unavailable"       // a storage service cannot be reached; try again later (503)
	EINTERNAL     = "internal"          // anything else (500)
)

// Violation is one broken rule, located by the JSON path of the field.
type Violation struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Error is the domain's one error type: a stable code, a Chinese message for
// people, and, for validation, every violation found.
type Error struct {
	Code     string      `json:"code"`
	Message  string      `json:"message"`
	Details  []Violation `json:"details,omitempty"`
	Warnings []Violation `json:"warnings,omitempty"`
	// RetryAfter, when set, is how long the client should wait before
	// trying again (ETHROTTLED, EUNAVAILABLE).
	RetryAfter time.Duration `json:"-"`
}

func (e *Error) Error() string {
	if len(e.Details) > 0 {
		return fmt.Sprintf("%s: %s (%d violations)", e.Code, e.Message, len(e.Details))
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted Chinese message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else
// EINTERNAL. A nil error has no code.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of err, or a generic one for
// internal errors, whose text must not reach clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "内部错误"
}
