package api

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

//go:embed web
var webFiles embed.FS

// registerPages serves the Chinese web pages: one HTML page whose ES modules
// (main.js and what it imports) and style sheet are static files, all
// talking to the JSON API with the same token. No inline script and no eval
// run under the page's CSP, which securityHeaders sets on every response.
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
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	}
	r.GET("/", page)
	tags := etags(sub)
	files := http.StripPrefix("/static", http.FileServer(http.FS(sub)))
	static := func(c *gin.Context) {
		// The modules import each other by fixed names, so a browser must
		// never mix files of two versions: it asks every time, and the
		// content's hash answers 304 when nothing changed.
		tag, ok := tags[strings.TrimPrefix(c.Param("path"), "/")]
		if !ok { // a folder or no file: no listings
			writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有这个地址"))
			return
		}
		c.Header("Cache-Control", "no-cache")
		c.Header("ETag", tag)
		files.ServeHTTP(c.Writer, c.Request)
	}
	r.GET("/static/*path", static)
	r.HEAD("/static/*path", static)
}

// etags returns the ETag of every file of fsys by its path: a hash of its
// content (embedded files have no modification time to go by).
func etags(fsys fs.FS) map[string]string {
	tags := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tags[path] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	})
	if err != nil {
		panic(err)
	}
	return tags
}
