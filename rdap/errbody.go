package rdap

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ipatlas/ipatlas"
)

// ErrorBody is an RFC 9083 §6 error response.
type ErrorBody struct {
	ErrorCode   int
	Title       string
	Description []string
	Notices     []ipatlas.Remark
}

// ParseErrorBody reads an error response; false when body is not one.
func ParseErrorBody(body []byte) (ErrorBody, bool) {
	var w struct {
		ErrorCode   json.RawMessage `json:"errorCode"`
		Title       string          `json:"title"`
		Description []string        `json:"description"`
		Notices     []wireRemark    `json:"notices"`
	}
	if json.Unmarshal(body, &w) != nil || len(w.ErrorCode) == 0 {
		return ErrorBody{}, false
	}
	// APNIC writes the code as a string ("400"); RFC 9083 §6 says a number.
	code, err := strconv.Atoi(strings.Trim(string(w.ErrorCode), `"`))
	if err != nil {
		return ErrorBody{}, false
	}
	return ErrorBody{ErrorCode: code, Title: w.Title, Description: w.Description, Notices: remarks(w.Notices)}, true
}

// IsRateLimitNotice reports whether a body carries LACNIC's "Rate Limit
// Notice", which LACNIC sends instead of (or with) a 429.
func IsRateLimitNotice(body []byte) bool {
	if !strings.Contains(strings.ToLower(string(body)), "rate limit notice") {
		return false
	}
	var w struct {
		Notices []wireRemark `json:"notices"`
	}
	if json.Unmarshal(body, &w) != nil {
		return false
	}
	return hasRateLimitNotice(remarks(w.Notices))
}

func hasRateLimitNotice(notices []ipatlas.Remark) bool {
	for _, n := range notices {
		if strings.EqualFold(strings.TrimSpace(n.Title), "Rate Limit Notice") {
			return true
		}
	}
	return false
}
