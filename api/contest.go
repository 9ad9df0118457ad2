package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// A published result can be contested: the office waives deductions and
// records when tables arrived before publication, the units object during
// the objection period, the office answers, and a correction run is
// published. These are the handlers that are not one line in the route
// table.

// handleFileObjection takes an objection as JSON ({"ref","text"}) or as a
// multipart form with the fields "ref" and "text" and any number of
// "files" within the evidence limits. Who may object, and when, is checked
// before the body is read.
func (s *Server) handleFileObjection(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	ctx, a, unit := c.Request.Context(), actorOf(c), c.Param("unit")
	if err := s.Service.CheckObjection(ctx, a, year, unit); err != nil {
		writeError(c, err)
		return
	}
	var in service.ObjectionInput
	var files []service.Upload
	if isJSON(c) {
		if !bind(c, &in, false) {
			return
		}
	} else {
		form, err := s.readUpload(c, "每项异议最多"+strconv.Itoa(s.Service.Limits().MaxFiles)+"个材料文件", "ref", "text")
		if err != nil {
			writeError(c, err)
			return
		}
		in, files = service.ObjectionInput{Ref: form.fields["ref"], Text: form.fields["text"]}, form.files
	}
	out, err := s.Service.FileObjection(ctx, a, year, unit, in, files)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) handleObjectionQueue(c *gin.Context) {
	if year, ok := yearParam(c); ok {
		out, err := s.Service.ObjectionQueue(c.Request.Context(), actorOf(c), year, c.Query("state"))
		respond(c, http.StatusOK, out, err)
	}
}

func (s *Server) handleAnswerObjection(c *gin.Context) {
	id, ok := idParam(c, "异议")
	if !ok {
		return
	}
	var in service.AnswerInput
	if bind(c, &in, false) {
		out, err := s.Service.AnswerObjection(c.Request.Context(), actorOf(c), id, in)
		respond(c, http.StatusOK, out, err)
	}
}

// handleObjectionFile serves a file of an objection to the office and the
// objecting unit.
func (s *Server) handleObjectionFile(c *gin.Context) {
	id, ok := idParam(c, "异议")
	if !ok {
		return
	}
	file, err := strconv.ParseInt(c.Param("file"), 10, 64)
	if err != nil || file <= 0 {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "异议材料“%s”不存在", c.Param("file")))
		return
	}
	ctx := c.Request.Context()
	f, err := s.Service.ObjectionFile(ctx, actorOf(c), id, file)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-SHA256", f.SHA256)
	r, err := s.Service.ObjectionFileContent(ctx, f)
	serveStored(c, r, err, f.Type, contentDisposition(f.Name, ""), f.UploadedAt)
}

// handleRunDiff compares run :id with ?from= (by default the publication
// before it, or for an unpublished run the latest published one).
func (s *Server) handleRunDiff(c *gin.Context) {
	year, id, ok := yearIDParams(c, "计分")
	if !ok {
		return
	}
	var from int64
	if v := c.Query("from"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeError(c, workflow.Errorf(workflow.ENOTFOUND, "%d年度没有第%s次计分", year, v))
			return
		}
		from = n
	}
	out, err := s.Service.DiffRuns(c.Request.Context(), actorOf(c), year, id, from)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) handleMonthlyComparison(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	flagged := false
	switch c.Query("flagged") {
	case "", "false", "0":
	case "true", "1":
		flagged = true
	default:
		writeError(c, &workflow.Error{Code: workflow.EINVALID, Message: "flagged 应为 true 或 false",
			Details: []workflow.Violation{{Path: "flagged", Rule: "query.bool", Message: "flagged 应为 true 或 false"}}})
		return
	}
	out, err := s.Service.MonthlyComparison(c.Request.Context(), actorOf(c), year, flagged)
	respond(c, http.StatusOK, out, err)
}
