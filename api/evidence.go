package api

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// maxNoteBytes bounds the note part of an upload.
const maxNoteBytes = 16 << 10

// partFileName is the file name a client sent, unaltered (mime/multipart's
// FileName strips directories, and the display name is decided by
// workflow.DisplayName).
func partFileName(h map[string][]string) string {
	cd := ""
	if v := h["Content-Disposition"]; len(v) > 0 {
		cd = v[0]
	}
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return ""
	}
	return params["filename"]
}

// handleReport streams a multipart upload ("files", one or more, and
// "note"): every check that needs no file runs first, each file is staged
// within the size limit as it arrives, and the report is written only when
// every part was read; any failure discards what was staged.
func (s *Server) handleReport(c *gin.Context) {
	id, ok := idParam(c, "节点")
	if !ok {
		return
	}
	ctx, a := c.Request.Context(), actorOf(c)
	if err := s.Service.CheckReport(ctx, a, id); err != nil {
		writeError(c, err)
		return
	}
	form, err := s.readUpload(c, fmt.Sprintf("每个节点最多%d个佐证材料文件", s.Service.Limits().MaxFiles), "note")
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.Service.ReportNode(ctx, a, id, form.fields["note"], form.files)
	respond(c, http.StatusCreated, out, err)
}

// namedFileError puts the name of the file at fault in front of a refusal
// of its size or type, so that the person who chose several files knows
// which one.
func namedFileError(name string, err error) error {
	var we *workflow.Error
	if !errors.As(err, &we) || (we.Code != workflow.EUNSUPPORTED && we.Code != workflow.ETOOLARGE) {
		return err
	}
	return &workflow.Error{Code: we.Code, Message: fmt.Sprintf("文件“%s”未上传：%s", workflow.DisplayName(name), we.Message), Details: we.Details}
}

// uploadForm is a multipart upload as read: the staged files of its
// "files" parts and its text fields.
type uploadForm struct {
	files  []service.Upload
	fields map[string]string
}

// readUpload streams a multipart/form-data body, the way every upload of
// evidence is read (node reports, objections): each "files" part is staged
// within the service's size limit as it arrives, at most the service's
// number of files (else ETOOLARGE with tooMany), each part named in fields
// is read as text of at most maxNoteBytes, and other parts are skipped. A
// body that is not multipart is EUNSUPPORTED. On any error nothing staged
// remains.
func (s *Server) readUpload(c *gin.Context, tooMany string, fields ...string) (*uploadForm, error) {
	if c.ContentType() != "multipart/form-data" {
		return nil, workflow.Errorf(workflow.EUNSUPPORTED, "上传材料的请求应为 multipart/form-data")
	}
	if s.UploadReadTimeout > 0 {
		// Authorised (the caller checked): the body may take longer than
		// the server's read timeout allows other requests (docs/SECURITY.md).
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(s.UploadReadTimeout))
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, bodyError(err)
	}
	form := &uploadForm{fields: map[string]string{}}
	fail := func(part io.Closer, err error) (*uploadForm, error) {
		if part != nil {
			part.Close()
		}
		s.Service.DiscardEvidence(form.files)
		return nil, bodyError(err)
	}
	limits := s.Service.Limits()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return fail(nil, err)
		}
		switch name := part.FormName(); {
		case name == "files":
			if len(form.files) >= limits.MaxFiles {
				return fail(part, workflow.Errorf(workflow.ETOOLARGE, "%s", tooMany))
			}
			f, err := s.Service.StageEvidence(part)
			if err != nil {
				return fail(part, namedFileError(partFileName(part.Header), err))
			}
			form.files = append(form.files, service.Upload{Name: partFileName(part.Header), File: f})
		case slices.Contains(fields, name):
			b, err := io.ReadAll(io.LimitReader(part, maxNoteBytes+1))
			if err != nil {
				return fail(part, err)
			}
			if len(b) > maxNoteBytes {
				return fail(part, workflow.Errorf(workflow.ETOOLARGE, "字段“%s”不能超过%d字节", name, maxNoteBytes))
			}
			form.fields[name] = string(b)
		}
		part.Close()
	}
}

// inlineTypes are the evidence types a browser shows by itself, in a
// frame of the review page: PDF and images. Anything else is always a
// download.
var inlineTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// inlineCSP sandboxes a file shown in the page: no script, no form, no
// plugin other than the browser's PDF viewer, nothing loaded from
// elsewhere, and only the pages of this server may frame it.
const inlineCSP = "sandbox; default-src 'none'; img-src 'self' data: blob:; style-src 'unsafe-inline'; object-src 'self'; plugin-types application/pdf; frame-ancestors 'self'"

// handleDownload serves an evidence file to whoever may read its row: a
// redirect to the object store when the service gives a link, else the
// content streamed, with ranges.
func (s *Server) handleDownload(c *gin.Context) {
	id, ok := idParam(c, "佐证材料")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	e, err := s.Service.EvidenceFile(ctx, actorOf(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	// ?inline=1 shows a PDF or an image in the page, sandboxed; any other
	// type is offered as a download whatever was asked.
	cd := contentDisposition(e.Name, "")
	inline := c.Query("inline") == "1" && inlineTypes[e.Type]
	if inline {
		// securityHeaders' policy and DENY give way to the sandbox, which
		// lets this server's pages frame the file.
		cd = disposition("inline", e.Name, "")
		c.Header("Content-Security-Policy", inlineCSP)
		c.Header("X-Frame-Options", "SAMEORIGIN")
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-SHA256", e.SHA256)
	// A file shown inline is streamed from here, so that the sandbox above
	// is the one it is shown under.
	if u, err := s.linkUnless(ctx, inline, e, cd); err != nil || u != "" {
		if err != nil {
			writeError(c, err)
		} else {
			c.Redirect(http.StatusTemporaryRedirect, u)
		}
		return
	}
	f, err := s.Service.EvidenceContent(ctx, e)
	serveStored(c, f, err, e.Type, cd, e.UploadedAt)
}

// serveStored answers a stored file f (or err, the error of opening it)
// of type typ with the disposition cd, with ranges, and closes it.
func serveStored(c *gin.Context, f io.ReadSeekCloser, err error, typ, cd string, modified time.Time) {
	if err != nil {
		writeError(c, err)
		return
	}
	defer f.Close()
	c.Header("Content-Type", typ)
	c.Header("Content-Disposition", cd)
	http.ServeContent(c.Writer, c.Request, "", modified, f)
}

// handleEvidenceZip streams the evidence of a unit (?unit=), of a
// checkpoint (?checkpoint=2019-06-30) or of both as one zip archive, file
// by file from the store, without compressing (PDFs and images are
// compressed already). The service bounds what one archive may hold; a
// file that cannot be read midway aborts the response, so that a client
// never keeps a truncated archive as if it were whole.
func (s *Server) handleEvidenceZip(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	var checkpoint workflow.Date
	if !queryParam(c, "checkpoint", &checkpoint, parseCheckpoint) {
		return
	}
	ctx := c.Request.Context()
	b, err := s.Service.EvidenceBundle(ctx, actorOf(c), year, c.Query("unit"), checkpoint)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Type", "application/zip")
	c.Header("Content-Disposition", contentDisposition(b.Name, ""))
	c.Header("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	zw := zip.NewWriter(c.Writer)
	for _, f := range b.Files {
		if err := s.copyToZip(ctx, zw, f); err != nil {
			s.Log.Error("evidence zip", "file", f.Evidence.ID, "err", err)
			panic(http.ErrAbortHandler)
		}
	}
	if err := zw.Close(); err != nil {
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) copyToZip(ctx context.Context, zw *zip.Writer, f service.BundleFile) error {
	r, err := s.Service.EvidenceContent(ctx, &f.Evidence)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Path, Method: zip.Store, Modified: f.Evidence.UploadedAt})
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return err
}

// linkUnless is the object store's link for e, or "" when inline.
func (s *Server) linkUnless(ctx context.Context, inline bool, e *workflow.Evidence, cd string) (string, error) {
	if inline {
		return "", nil
	}
	return s.Service.LinkEvidence(ctx, e, cd)
}

func (s *Server) handleWithdraw(c *gin.Context) {
	id, ok := idParam(c, "佐证材料")
	if !ok {
		return
	}
	if err := s.Service.WithdrawEvidence(c.Request.Context(), actorOf(c), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
