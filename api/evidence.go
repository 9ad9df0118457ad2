package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
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
	if c.ContentType() != "multipart/form-data" {
		writeError(c, workflow.Errorf(workflow.EUNSUPPORTED, "上传佐证材料的请求应为 multipart/form-data"))
		return
	}
	if s.UploadReadTimeout > 0 {
		// Authorised: the body may take longer than the server's read
		// timeout allows other requests (docs/SECURITY.md).
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(s.UploadReadTimeout))
	}
	limits := s.Service.Limits()
	mr, err := c.Request.MultipartReader()
	if err != nil {
		writeError(c, bodyError(err))
		return
	}
	var files []service.Upload
	fail := func(err error) {
		s.Service.DiscardEvidence(files)
		writeError(c, bodyError(err))
	}
	note := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail(err)
			return
		}
		switch part.FormName() {
		case "files":
			if len(files) >= limits.MaxFiles {
				part.Close()
				fail(workflow.Errorf(workflow.ETOOLARGE, "每个节点最多%d个佐证材料文件", limits.MaxFiles))
				return
			}
			f, err := s.Service.StageEvidence(part)
			if err != nil {
				part.Close()
				fail(err)
				return
			}
			files = append(files, service.Upload{Name: partFileName(part.Header), File: f})
		case "note":
			b, err := io.ReadAll(io.LimitReader(part, maxNoteBytes+1))
			if err != nil {
				part.Close()
				fail(err)
				return
			}
			if len(b) > maxNoteBytes {
				part.Close()
				fail(workflow.Errorf(workflow.ETOOLARGE, "说明不能超过%d字节", maxNoteBytes))
				return
			}
			note = string(b)
		}
		part.Close()
	}
	out, err := s.Service.ReportNode(ctx, a, id, note, files)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

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
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-SHA256", e.SHA256)
	if u, err := s.Service.LinkEvidence(ctx, e, contentDisposition(e.Name, "")); err != nil || u != "" {
		if err != nil {
			writeError(c, err)
		} else {
			c.Redirect(http.StatusTemporaryRedirect, u)
		}
		return
	}
	f, err := s.Service.EvidenceContent(ctx, e)
	if err != nil {
		writeError(c, err)
		return
	}
	defer f.Close()
	c.Header("Content-Type", e.Type)
	c.Header("Content-Disposition", contentDisposition(e.Name, ""))
	http.ServeContent(c.Writer, c.Request, "", e.UploadedAt, f)
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
