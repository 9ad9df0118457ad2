package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

// staticFile is one embedded file of the pages, ready to serve: its type,
// its content, the content gzipped (nil when that saves nothing), and the
// ETag of each.
type staticFile struct {
	typ          string
	raw, gz      []byte
	tag, gzTag   string
	cacheControl string
}

// staticFiles are the pages' files by path under /static.
type staticFiles map[string]*staticFile

// compressible are the types worth gzipping; images and fonts are
// compressed already.
var compressible = map[string]bool{".js": true, ".css": true, ".html": true, ".json": true, ".svg": true, ".md": true, ".txt": true}

// loadStatic reads every file of fsys once, at start: the files are
// embedded, so their content, hash and gzipped form never change while
// the server runs. The page modules import each other by fixed names, so a
// browser must never mix files of two versions: they are served
// "no-cache" (the browser asks every time and the ETag answers 304 when
// nothing changed). Vendored libraries (vendor/) change only with a
// release and may be kept a week.
func loadStatic(fsys fs.FS) staticFiles {
	out := staticFiles{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tag := hex.EncodeToString(sum[:8])
		f := &staticFile{typ: mime.TypeByExtension(path.Ext(p)), raw: b, tag: `"` + tag + `"`, cacheControl: "no-cache"}
		if f.typ == "" {
			f.typ = http.DetectContentType(b)
		}
		if strings.HasPrefix(p, "vendor/") {
			f.cacheControl = "public, max-age=604800"
		}
		if compressible[path.Ext(p)] {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			if buf.Len() < len(b) {
				f.gz, f.gzTag = buf.Bytes(), `"`+tag+`-gz"`
			}
		}
		out[p] = f
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// acceptsGzip reports whether the request accepts a gzipped answer.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// serve answers GET and HEAD for /static/*path: gzipped when the browser
// takes it, 304 when its copy is current, 404 for a folder or no file (no
// listings).
func (fs staticFiles) serve(c *gin.Context) {
	f, ok := fs[strings.TrimPrefix(c.Param("path"), "/")]
	if !ok {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有这个地址"))
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", f.cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", f.typ)
	body, tag := f.raw, f.tag
	if f.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(c.Request) {
			body, tag = f.gz, f.gzTag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", tag)
	if inm := c.GetHeader("If-None-Match"); inm != "" && (inm == tag || strings.Contains(inm, tag)) {
		h.Del("Content-Type")
		h.Del("Content-Encoding")
		c.Status(http.StatusNotModified)
		return
	}
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		return
	}
	c.Writer.Write(body)
}
