package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"kaohe/internal/sheets"
	"kaohe/workflow"
)

func (s *Server) handleScoringRun(c *gin.Context) {
	if run, ok := s.scoringRun(c); ok {
		c.JSON(http.StatusOK, run)
	}
}

func (s *Server) handlePublishScoring(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	if id, ok := idParam(c, "计分"); ok {
		run, err := s.Service.PublishScoring(c.Request.Context(), actorOf(c), year, id)
		respond(c, http.StatusOK, run, err)
	}
}

func (s *Server) handleDeleteDeduction(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	if id, ok := idParam(c, "扣分"); ok {
		err := s.Service.DeleteDeduction(c.Request.Context(), actorOf(c), year, c.Param("unit"), id)
		respond(c, http.StatusNoContent, struct{}{}, err)
	}
}

// scoringRun reads :year and :id and loads the run, or answers the error.
func (s *Server) scoringRun(c *gin.Context) (*workflow.ScoringRun, bool) {
	year, ok := yearParam(c)
	if !ok {
		return nil, false
	}
	id, ok := idParam(c, "计分")
	if !ok {
		return nil, false
	}
	run, err := s.Service.ScoringRun(c.Request.Context(), actorOf(c), year, id)
	if err != nil {
		writeError(c, err)
		return nil, false
	}
	return run, true
}

func (s *Server) handleExportRanking(c *gin.Context) {
	run, ok := s.scoringRun(c)
	if !ok {
		return
	}
	p, err := s.Service.Plan(c.Request.Context(), run.Year)
	if err != nil {
		writeError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := sheets.Ranking(p, run, &buf); err != nil {
		writeError(c, err)
		return
	}
	attachment(c, sheets.XLSXType, fmt.Sprintf("%d年度实绩考核结果-第%d次计分.xlsx", run.Year, run.ID),
		fmt.Sprintf("kaohe-%d-run-%d.xlsx", run.Year, run.ID), buf.Bytes())
}

func (s *Server) handleExportRankingCSV(c *gin.Context) {
	run, ok := s.scoringRun(c)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := sheets.RankingCSV(run, &buf); err != nil {
		writeError(c, err)
		return
	}
	attachment(c, "text/csv; charset=utf-8", fmt.Sprintf("%d年度实绩考核结果-第%d次计分.csv", run.Year, run.ID),
		fmt.Sprintf("kaohe-%d-run-%d.csv", run.Year, run.ID), buf.Bytes())
}

func (s *Server) handleExportSubmission(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	ctx, a, unit := c.Request.Context(), actorOf(c), c.Param("unit")
	v, err := s.Service.GetSubmission(ctx, a, year, unit)
	if err != nil {
		writeError(c, err)
		return
	}
	u, err := s.Service.Unit(ctx, a, unit)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := s.Service.Plan(ctx, year)
	if err != nil {
		writeError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := sheets.Submission(p, u.Name, &v.Document, &buf); err != nil {
		writeError(c, err)
		return
	}
	attachment(c, sheets.XLSXType, fmt.Sprintf("%d年度实绩考核指标表-%s.xlsx", year, u.Name),
		fmt.Sprintf("kaohe-%d-%s.xlsx", year, unit), buf.Bytes())
}

// handleImportSubmission reads a unit's tables into its draft: kaohe's own
// export.xlsx, or annexes 1–3 filled in Excel (.xlsx) or Word (.docx),
// sent as the request body or as the multipart field "file"
// (sheets.ReadTables). ?version= is the version last read (0 to create),
// as for PUT.
func (s *Server) handleImportSubmission(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	version, err := strconv.Atoi(c.Query("version"))
	if err != nil {
		writeError(c, &workflow.Error{Code: workflow.EINVALID, Message: "缺少 version：新建时为0，修改时为最近一次读取的版本",
			Details: []workflow.Violation{{Path: "version", Rule: "version.missing", Message: "缺少 version"}}})
		return
	}
	ctx, a, unit := c.Request.Context(), actorOf(c), c.Param("unit")
	// Who may write, and whether the draft can take it, before the file is
	// read or parsed.
	if err := s.Service.CheckSave(ctx, a, year, unit); err != nil {
		writeError(c, err)
		return
	}
	body, ok := uploadBody(c)
	if !ok {
		return
	}
	p, err := s.Service.Plan(ctx, year)
	if err != nil {
		writeError(c, err)
		return
	}
	doc, err := sheets.ReadTables(p, body)
	if err != nil {
		writeError(c, err)
		return
	}
	v, created, err := s.Service.PutSubmission(ctx, a, year, unit, version, *doc)
	respond(c, createdOr(created, http.StatusOK), v, err)
}

// uploadBody returns the uploaded file: the multipart field "file", or the
// whole body otherwise, at most maxImportBytes.
func uploadBody(c *gin.Context) ([]byte, bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBytes)
	var r io.Reader = c.Request.Body
	if c.ContentType() == "multipart/form-data" {
		fh, err := c.FormFile("file")
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(c, workflow.Errorf(workflow.ETOOLARGE, "文件超过%d字节的上限", int64(maxImportBytes)))
			} else {
				writeError(c, workflow.Errorf(workflow.EINVALID, "请以 file 字段上传.docx或.xlsx文件"))
			}
			return nil, false
		}
		f, err := fh.Open()
		if err != nil {
			writeError(c, err)
			return nil, false
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(c, workflow.Errorf(workflow.ETOOLARGE, "文件超过%d字节的上限", int64(maxImportBytes)))
		} else {
			writeError(c, workflow.Errorf(workflow.EINVALID, "无法读取上传的文件"))
		}
		return nil, false
	}
	return b, true
}
