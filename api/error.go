package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	workflow.EINVALID:      http.StatusBadRequest,
	workflow.EUNAUTHORIZED: http.StatusUnauthorized,
	workflow.EFORBIDDEN:    http.StatusForbidden,
	workflow.ENOTFOUND:     http.StatusNotFound,
	workflow.ESTATE:        http.StatusConflict,
	workflow.ESTALE:        http.StatusConflict,
	workflow.ECONFLICT:     http.StatusConflict,
	workflow.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	workflow.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	workflow.EVALIDATION:   http.StatusUnprocessableEntity,
	workflow.ETHROTTLED:    http.StatusTooManyRequests,
	workflow.EUNAVAILABLE:  http.StatusServiceUnavailable,
	workflow.EINTERNAL:     http.StatusInternalServerError,
}

type errorObject struct {
	Code     string               `json:"code"`
	Message  string               `json:"message"`
	Details  []workflow.Violation `json:"details,omitempty"`
	Warnings []workflow.Violation `json:"warnings,omitempty"`
}

type errorBody struct {
	Error errorObject `json:"error"`
}

// writeError answers with the error's status and the SPEC error shape.
// Anything that is not a *workflow.Error is internal: logged, and shown only
// as "内部错误".
func writeError(c *gin.Context, err error) {
	var e *workflow.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &mbe):
		e = bodyError(err).(*workflow.Error)
	default:
		if l := loggerOf(c); l != nil {
			l.Error("internal error", "path", c.Request.URL.Path, "err", err)
		}
		e = workflow.Errorf(workflow.EINTERNAL, "内部错误")
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if e.Code == workflow.EUNAUTHORIZED {
		c.Header("WWW-Authenticate", `Bearer realm="kaohe"`)
	}
	switch {
	case e.RetryAfter > 0:
		c.Header("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	case e.Code == workflow.EUNAVAILABLE:
		c.Header("Retry-After", "10")
	}
	c.AbortWithStatusJSON(status, errorBody{errorObject{Code: e.Code, Message: e.Message, Details: e.Details, Warnings: e.Warnings}})
}

// The API's own codes for refusals of the HTTP exchange itself, before any
// workflow is involved.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeHeadersTooLarge  = "headers_too_large"
	codeURITooLong       = "uri_too_long"
)

// writeRefusal answers a refusal of the HTTP exchange with status and the
// error shape.
func writeRefusal(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, errorBody{errorObject{Code: code, Message: message}})
}
