package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

// createdOr is 201 when a request created its record, else status.
func createdOr(created bool, status int) int {
	if created {
		return http.StatusCreated
	}
	return status
}

// handleGetSubmission answers the view's JSON as the service writes it
// (Service.GetSubmissionJSON: the stored document is not decoded and
// encoded again).
func (s *Server) handleGetSubmission(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	b, err := s.Service.GetSubmissionJSON(c.Request.Context(), actorOf(c), year, c.Param("unit"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

func (s *Server) handlePutSubmission(c *gin.Context) {
	var in documentInput
	year, ok := yearBody(c, &in, false)
	if !ok {
		return
	}
	in.Document.Normalize()
	if in.Version == nil {
		writeError(c, &workflow.Error{Code: workflow.EINVALID, Message: "缺少 version：新建时为0，修改时为最近一次读取的版本",
			Details: []workflow.Violation{{Path: "version", Rule: "version.missing", Message: "缺少 version"}}})
		return
	}
	v, created, err := s.Service.PutSubmission(c.Request.Context(), actorOf(c), year, c.Param("unit"), *in.Version, in.Document)
	respond(c, createdOr(created, http.StatusOK), v, err)
}

func (s *Server) handleValidate(c *gin.Context) {
	var in *documentInput
	year, ok := yearBody(c, &in, true)
	if !ok {
		return
	}
	var doc *workflow.Document
	if in != nil {
		in.Document.Normalize()
		doc = &in.Document
	}
	warns, err := s.Service.ValidateSubmission(c.Request.Context(), actorOf(c), year, c.Param("unit"), doc)
	respondValid(c, warns, err)
}

// documentInput is the body of a PUT or validate request: the document, the
// version the client last read, and the read-only fields of a GET, which are
// accepted and ignored so that a client can send back what it read.
type documentInput struct {
	Version *int `json:"version"`
	workflow.Document
	Year                int             `json:"year"`
	Unit                string          `json:"unit"`
	State               json.RawMessage `json:"state"`
	SubmittedAt         json.RawMessage `json:"submitted_at"`
	FirstSubmittedAt    json.RawMessage `json:"first_submitted_at"`
	Late                json.RawMessage `json:"late"`
	Comment             json.RawMessage `json:"comment"`
	Comments            json.RawMessage `json:"comments"`
	InnovationCertified json.RawMessage `json:"innovation_certified"`
	Warnings            json.RawMessage `json:"warnings"`
	UpdatedAt           json.RawMessage `json:"updated_at"`
}
