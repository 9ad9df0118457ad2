package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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
	if !queryParam(c, "state", &q.State, workflow.ParseNodeState) || !queryParam(c, "colour", &q.Colour, workflow.ParseColour) ||
		!queryParam(c, "checkpoint", &q.Checkpoint, parseCheckpoint) {
		return
	}
	out, err := s.Service.Nodes(c.Request.Context(), actorOf(c), year, c.Param("unit"), q)
	respond(c, http.StatusOK, out, err)
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
	respond(c, http.StatusOK, out, err)
}

func (s *Server) handleReviewQueue(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	q := service.ReviewQuery{Indicator: c.Query("indicator"), Unit: c.Query("unit")}
	if !queryParam(c, "state", &q.State, workflow.ParseNodeState) || !queryParam(c, "checkpoint", &q.Checkpoint, parseCheckpoint) {
		return
	}
	out, err := s.Service.ReviewQueue(c.Request.Context(), actorOf(c), year, q)
	respond(c, http.StatusOK, out, err)
}

// batchBody is a batch of reviews as sent, each item's points a raw
// number as in reviewBody.
type batchBody struct {
	Items []struct {
		Node    int64           `json:"node"`
		Verdict string          `json:"verdict"`
		Points  json.RawMessage `json:"points"`
		Comment string          `json:"comment"`
		Version *int            `json:"version"`
	} `json:"items"`
}

// handleReviewBatch records several reviews at once, all or nothing;
// points that are not an exact decimal are a violation at the item's
// points, like any other bad score.
func (s *Server) handleReviewBatch(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	// Only the office reviews: anyone else hears so before their items are
	// read.
	if actorOf(c).Role != workflow.RoleOffice {
		writeError(c, workflow.Errorf(workflow.EFORBIDDEN, "当前账号没有执行此操作的权限"))
		return
	}
	var body batchBody
	if !bind(c, &body, false) {
		return
	}
	items := make([]service.BatchReview, len(body.Items))
	var vs []workflow.Violation
	for i, it := range body.Items {
		items[i] = service.BatchReview{Node: it.Node, ReviewRequest: service.ReviewRequest{Verdict: it.Verdict, Comment: it.Comment, Version: it.Version}}
		if raw := strings.TrimSpace(string(it.Points)); raw != "" && raw != "null" {
			p, err := workflow.ParsePoints(raw)
			if err != nil {
				vs = append(vs, workflow.Violation{Path: fmt.Sprintf("items[%d].points", i), Rule: "review.points.format", Message: "得分应为数字，最多两位小数：" + err.Error()})
				continue
			}
			items[i].Points = &p
		}
	}
	if len(vs) > 0 {
		writeError(c, &workflow.Error{Code: workflow.EVALIDATION, Message: "审核意见有误，本批均未保存", Details: vs})
		return
	}
	out, err := s.Service.ReviewBatch(c.Request.Context(), actorOf(c), year, items)
	respond(c, http.StatusOK, out, err)
}

// handleTodo answers the signed-in person's to-do list for ?year= (the
// newest plan when left out).
func (s *Server) handleTodo(c *gin.Context) {
	year := 0
	if v := c.Query("year"); v != "" {
		var err error
		if year, err = strconv.Atoi(v); err != nil {
			writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有“%s”年度的考核方案", v))
			return
		}
	}
	out, err := s.Service.Todo(c.Request.Context(), actorOf(c), year)
	respond(c, http.StatusOK, out, err)
}
