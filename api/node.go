package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func (s *Server) handleNodes(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	var q service.NodeQuery
	var err error
	if v := c.Query("state"); v != "" {
		if q.State, err = workflow.ParseNodeState(v); err != nil {
			writeError(c, err)
			return
		}
	}
	if v := c.Query("colour"); v != "" {
		if q.Colour, err = workflow.ParseColour(v); err != nil {
			writeError(c, err)
			return
		}
	}
	if v := c.Query("checkpoint"); v != "" {
		if q.Checkpoint, err = workflow.ParseDate(v); err != nil {
			writeError(c, workflow.Errorf(workflow.EINVALID, "checkpoint 应为日期 YYYY-MM-DD"))
			return
		}
	}
	out, err := s.Service.Nodes(c.Request.Context(), actorOf(c), year, c.Param("unit"), q)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// reviewBody is a review as sent: points as a raw number, so that a value
// that is not an exact decimal is a 422 at "points" like any other bad
// score, not a malformed request.
type reviewBody struct {
	Verdict string          `json:"verdict"`
	Points  json.RawMessage `json:"points"`
	Comment string          `json:"comment"`
	Version *int            `json:"version"`
}

func (s *Server) handleReview(c *gin.Context) {
	id, ok := idParam(c, "节点")
	if !ok {
		return
	}
	var body reviewBody
	if !bind(c, &body, false) {
		return
	}
	req := service.ReviewRequest{Verdict: body.Verdict, Comment: body.Comment, Version: body.Version}
	if raw := strings.TrimSpace(string(body.Points)); raw != "" && raw != "null" {
		p, err := workflow.ParsePoints(raw)
		if err != nil {
			writeError(c, &workflow.Error{Code: workflow.EVALIDATION, Message: "审核意见有误",
				Details: []workflow.Violation{{Path: "points", Rule: "review.points.format", Message: "得分应为数字，最多两位小数：" + err.Error()}}})
			return
		}
		req.Points = &p
	}
	out, err := s.Service.ReviewNode(c.Request.Context(), actorOf(c), id, req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) handleReviewQueue(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	var state workflow.NodeState
	if v := c.Query("state"); v != "" {
		var err error
		if state, err = workflow.ParseNodeState(v); err != nil {
			writeError(c, err)
			return
		}
	}
	out, err := s.Service.ReviewQueue(c.Request.Context(), actorOf(c), year, state)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
