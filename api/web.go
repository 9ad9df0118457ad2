package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed web
var webFiles embed.FS

// registerPages serves the Chinese web pages: one page, its script and its
// style, all talking to the JSON API with the same token. Every response
// carries the page's Content-Security-Policy (securityHeaders).
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
		c.Header("Cache-Control", "no-cache") // securityHeaders sets the policy
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	}
	r.GET("/", page)
	r.StaticFS("/static", http.FS(sub))
}
