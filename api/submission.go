package api

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func (s *Server) handleSubmissions(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	out, err := s.Service.Submissions(c.Request.Context(), actorOf(c), year)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) handleGetSubmission(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	v, err := s.Service.GetSubmission(c.Request.Context(), actorOf(c), year, c.Param("unit"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) handlePutSubmission(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	b, ok := readBody(c)
	if !ok {
		return
	}
	in, err := decodeDocument(b)
	if err != nil {
		writeError(c, err)
		return
	}
	if in.Version == nil {
		writeError(c, &workflow.Error{Code: workflow.EINVALID, Message: "缺少 version：新建时为0，修改时为最近一次读取的版本",
			Details: []workflow.Violation{{Path: "version", Rule: "version.missing", Message: "缺少 version"}}})
		return
	}
	v, created, err := s.Service.PutSubmission(c.Request.Context(), actorOf(c), year, c.Param("unit"), *in.Version, in.Document)
	if err != nil {
		writeError(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, v)
}

func (s *Server) handleValidate(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	b, ok := readBody(c)
	if !ok {
		return
	}
	var doc *workflow.Document
	if len(bytes.TrimSpace(b)) > 0 {
		in, err := decodeDocument(b)
		if err != nil {
			writeError(c, err)
			return
		}
		doc = &in.Document
	}
	warns, err := s.Service.ValidateSubmission(c.Request.Context(), actorOf(c), year, c.Param("unit"), doc)
	if err != nil {
		writeError(c, err)
		return
	}
	if warns == nil {
		warns = []workflow.Violation{}
	}
	c.JSON(http.StatusOK, gin.H{"valid": true, "warnings": warns})
}

type versionRequest struct {
	Version *int `json:"version"`
}

func (s *Server) handleSubmit(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	var req versionRequest
	if !bind(c, &req, true) {
		return
	}
	v, err := s.Service.Submit(c.Request.Context(), actorOf(c), year, c.Param("unit"), req.Version)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) handleReturn(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	var req service.ReturnRequest
	if !bind(c, &req, false) {
		return
	}
	v, err := s.Service.Return(c.Request.Context(), actorOf(c), year, c.Param("unit"), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) handleCertify(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	var req service.CertifyRequest
	if !bind(c, &req, true) {
		return
	}
	v, err := s.Service.Certify(c.Request.Context(), actorOf(c), year, c.Param("unit"), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) handleRelease(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	res, err := s.Service.Release(c.Request.Context(), actorOf(c), year)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) handleHistory(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	h, err := s.Service.History(c.Request.Context(), actorOf(c), year, c.Param("unit"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, h)
}
