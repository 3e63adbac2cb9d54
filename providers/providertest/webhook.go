package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// WebhookRequest is one request as the Webhook receiver got it.
type WebhookRequest struct {
	Method, Path, RawQuery, Body string
	Header                       http.Header
	Host                         string
}

// WebhookRecordsPath is the route under which the Webhook receiver keeps
// records: PUT WebhookRecordsPath + FQDN + "/" + TYPE with the JSON body
// {"address": "...", "ttl": N} sets the one record of that name and type.
// A webhook account whose url and body templates write that request
// (see WebhookParams) is a provider the conformance suite can check.
const WebhookRecordsPath = "/records/"

// Webhook is a running webhook receiver. It records every request; by
// default it answers 200 with an empty body, and requests to
// WebhookRecordsPath change its records (with Token set, only when they
// carry "Authorization: Bearer TOKEN": otherwise 401). Reply replaces every
// answer with a fixed one.
type Webhook struct {
	// URL is the receiver's base URL: "http://127.0.0.1:PORT".
	URL string
	// Token, when not empty, is the bearer token the records route demands.
	Token string

	srv *httptest.Server

	mu      sync.Mutex
	seen    []WebhookRequest
	fixed   bool
	status  int
	answer  string
	records map[string]string // "fqdn type" -> "address ttl"
	base
}

// NewWebhook starts a receiver; token may be empty. The caller must Close it.
func NewWebhook(token string) *Webhook {
	s := &Webhook{Token: token, records: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// WebhookParams returns the url, method, headers and body settings of a
// webhook account that sets records on a Webhook receiver at base, with
// the account's token as the bearer token. Merge in "token".
func WebhookParams(base string) map[string]any {
	return map[string]any{
		"url":     base + WebhookRecordsPath + "{{.Name}}/{{.Type}}",
		"method":  "PUT",
		"headers": map[string]any{"Authorization": "Bearer {{.Token}}", "Content-Type": "application/json"},
		"body":    `{"address": {{json .Address}}, "ttl": {{.TTL}}}`,
	}
}

// Close stops the receiver.
func (s *Webhook) Close() { s.srv.Close() }

// Reply makes every request from now on get status and answer, and change
// nothing.
func (s *Webhook) Reply(status int, answer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixed, s.status, s.answer = true, status, answer
}

// Requests returns every request received, in order.
func (s *Webhook) Requests() []WebhookRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WebhookRequest(nil), s.seen...)
}

func (s *Webhook) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.seen = append(s.seen, WebhookRequest{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone(), r.Host})
	fixed, status, answer := s.fixed, s.status, s.answer
	s.mu.Unlock()
	if s.http.serve(w, r) {
		return
	}
	if fixed {
		w.WriteHeader(status)
		io.WriteString(w, answer)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, WebhookRecordsPath)
	if !ok {
		return // 200, empty
	}
	if s.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.Token {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	name, typ, ok := strings.Cut(rest, "/")
	var in struct {
		Address string `json:"address"`
		TTL     int    `json:"ttl"`
	}
	if !ok || r.Method != http.MethodPut || json.Unmarshal(b, &in) != nil || in.Address == "" {
		http.Error(w, "want PUT "+WebhookRecordsPath+"FQDN/TYPE with {\"address\": ..., \"ttl\": ...}", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.wrote()
	s.records[name+" "+typ] = fmt.Sprintf("%s %d", in.Address, in.TTL)
	s.mu.Unlock()
	io.WriteString(w, `{"ok": true}`)
}

// Endpoint is URL (for Fake).
func (s *Webhook) Endpoint() string { return s.URL }

// Seed sets the one record of fqdn and typ (for Fake): the receiver keeps
// one per name and type, so a second Seed replaces the first.
func (s *Webhook) Seed(fqdn, typ, value string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[fqdn+" "+typ] = fmt.Sprintf("%s %d", value, ttl)
}

// Values returns the record of fqdn and typ as "VALUE TTL", or nothing (for Fake).
func (s *Webhook) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.records[fqdn+" "+typ]; ok {
		return []string{v}
	}
	return []string{}
}
