package api

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// pagePolicy is the Content-Security-Policy of the pages and of every
// static file: scripts, styles and everything else from this server only
// (no inline script, no eval), evidence previewed from blobs the page
// fetched with its token (images and frames may show blob: URLs, nothing
// else may), no plugins, no <base>, forms sent only here, and no framing by
// any site (clickjacking).
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; frame-src blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// apiPolicy is the Content-Security-Policy of the API's answers, data and
// downloads: a browser that opens one directly runs nothing in it.
const apiPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox"

// securityHeaders sets on every response the headers a browser honours:
// the policy of its kind, no type sniffing, no framing (the CSP's
// frame-ancestors, and X-Frame-Options for browsers without it), and
// referrers only to this site.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		policy := pagePolicy
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			policy = apiPolicy
		}
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		c.Next()
	}
}
