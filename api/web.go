package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed web
var webFiles embed.FS

// registerPages serves the Chinese web pages: one HTML page whose ES modules
// (main.js and what it imports) and style sheet are static files, all
// talking to the JSON API with the same token. No inline script and no eval
// run under the page's CSP.
func registerPages(r *gin.Engine) {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err)
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	page := func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		// The page's Content-Security-Policy is securityHeaders' pagePolicy.
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	}
	r.GET("/", page)
	files := loadStatic(sub)
	r.GET("/static/*path", files.serve)
	r.HEAD("/static/*path", files.serve)
}
