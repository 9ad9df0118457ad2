package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"kaohe/workflow"
	"strings"
)

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

// decodeDocument reads a request body strictly: unknown fields (a misspelt
// "standrad" would lose data) and inexact points are refused with EINVALID.
func decodeDocument(b []byte) (*documentInput, error) {
	var in documentInput
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "指标表格式错误：%s", jsonErrorText(err))
	}
	if dec.More() {
		return nil, workflow.Errorf(workflow.EINVALID, "指标表格式错误：请求体只能包含一个JSON对象")
	}
	in.Document.Normalize()
	return &in, nil
}

func jsonErrorText(err error) string {
	var te *json.UnmarshalTypeError
	var pe *workflow.PointsError
	switch {
	case errors.As(err, &pe):
		return pe.Error()
	case errors.As(err, &te):
		return fmt.Sprintf("字段 %s 应为 %s", te.Field, te.Type)
	}
	return err.Error()
}
