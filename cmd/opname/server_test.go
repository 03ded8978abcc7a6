package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb/sqldbtest"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/web"
)

// testServer starts opname on a free port with a fresh SQLite database.
func testServer(t testing.TB) *server {
	t.Helper()
	return startTestServer(t, "")
}

// dialects runs fn against a server on SQLite and one on PostgreSQL, side
// by side: each has its own server and database.
func dialects(t *testing.T, fn func(t *testing.T, s *server)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, startTestServer(t, "")) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, startTestServer(t, sqldbtest.PostgresURL(t))) })
}

func startTestServer(t testing.TB, databaseURL string) *server {
	t.Helper()
	// The authorization matrix leaves many uploads open for one person.
	limits := web.UploadLimits{OpenPerPerson: 1000}
	return startConfigured(t, &config{Addr: "127.0.0.1:0", Data: t.TempDir(), DatabaseURL: databaseURL, UploadLimits: limits})
}

// testPasswordCost is the password cost of test servers: far below the
// default, which would make every account and sign-in take a second or more
// under the race detector (TestDefaultPasswordCost checks that opname as
// started from its settings hashes at the default).
var testPasswordCost = opname.PasswordCost{Time: 1, Memory: 64, Threads: 1}

// startConfigured starts opname with cfg, at the tests' password cost, and
// stops it after the test.
func startConfigured(t testing.TB, cfg *config) *server {
	t.Helper()
	cfg.passwordCost = testPasswordCost
	s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// callers are who the authorization matrix tries every route as.
// "pending" is a browser session of a manager of org A who
// has an authenticator app and has given only their password.
//
// "changed" is a browser session of a manager of org A whose password was
// then changed in another session: it must be signed out everywhere.
var callers = []string{"anonymous", "staff", "staff_other", "manager", "admin", "privacy", "b_staff", "b_manager", "b_admin", "b_privacy", "revoked", "pending", "changed"}

// matrix is the expected status of every route for every caller, in the
// order of callers. A route without a row fails the test.
var matrix = map[string][13]int{
	//                                      anon staff other  mgr admin  priv  bstaf bmgr badm bpriv revoked pending changed
	"GET /healthz":                                 {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /readyz":                                  {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /api/v1/openapi.json":                     {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"POST /api/v1/session":                         {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401},
	"POST /api/v1/session/one-time":                {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401},
	"DELETE /api/v1/session":                       {401, 204, 204, 204, 204, 204, 204, 204, 204, 204, 401, 401, 401},
	"POST /api/v1/session/totp":                    {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 400, 401},
	"POST /api/v1/me/totp":                         {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401},
	"PUT /api/v1/me/totp":                          {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401},
	"GET /api/v1/me":                               {401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401},
	"PUT /api/v1/me/password":                      {401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401},
	"GET /api/v1/organisation":                     {401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401},
	"GET /api/v1/organisation/policies":            {401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401},
	"PUT /api/v1/organisation/policy":              {401, 403, 403, 403, 201, 403, 403, 403, 201, 403, 401, 401, 401},
	"POST /api/v1/organisation/policy/preview":     {401, 403, 403, 403, 200, 403, 403, 403, 200, 403, 401, 401, 401},
	"PUT /api/v1/organisation/oidc":                {401, 403, 403, 403, 201, 403, 403, 403, 201, 403, 401, 401, 401},
	"PUT /api/v1/organisation/time-zone":           {401, 403, 403, 403, 200, 403, 403, 403, 200, 403, 401, 401, 401},
	"POST /api/v1/decisions":                       {401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401},
	"GET /api/v1/users":                            {401, 403, 403, 200, 200, 200, 403, 200, 200, 200, 401, 401, 401},
	"POST /api/v1/users":                           {401, 403, 403, 403, 201, 403, 403, 403, 201, 403, 401, 401, 401},
	"GET /api/v1/users/{id}":                       {401, 200, 404, 200, 200, 200, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/users/{id}/one-time":             {401, 403, 403, 403, 200, 403, 403, 403, 404, 403, 401, 401, 401},
	"POST /api/v1/users/{id}/unlock":               {401, 403, 403, 403, 204, 403, 403, 403, 404, 403, 401, 401, 401},
	"GET /api/v1/clients":                          {401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401},
	"POST /api/v1/clients":                         {401, 403, 403, 201, 201, 403, 403, 201, 201, 403, 401, 401, 401},
	"GET /api/v1/clients/{id}":                     {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/clients/{id}/staff":              {401, 403, 403, 201, 201, 403, 403, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/clients/{id}/access-log":          {401, 200, 404, 200, 200, 200, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/clients/{id}/recordings":          {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/clients/{id}/recordings":         {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/recordings/{id}":                  {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/recordings/{id}/content":          {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/recordings/{id}/receipt":          {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/recordings/{id}/copies":          {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/recordings/{id}/erasure":         {401, 403, 403, 200, 200, 403, 403, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/recordings/{id}/transcripts":      {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/recordings/{id}/transcripts":     {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/transcripts/{id}/content":         {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/transcripts/{id}/receipt":         {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/fixity":                           {401, 403, 403, 403, 200, 200, 403, 403, 200, 200, 401, 401, 401},
	"GET /api/v1/uploads":                          {401, 200, 200, 200, 200, 403, 200, 200, 200, 403, 401, 401, 401},
	"POST /api/v1/uploads":                         {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"HEAD /api/v1/uploads/{id}":                    {401, 200, 404, 404, 404, 403, 404, 404, 404, 403, 401, 401, 401},
	"PATCH /api/v1/uploads/{id}":                   {401, 204, 404, 404, 404, 403, 404, 404, 404, 403, 401, 401, 401},
	"DELETE /api/v1/uploads/{id}":                  {401, 204, 404, 404, 404, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/uploads/{id}/finish":             {401, 201, 404, 404, 404, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/conversations":                    {401, 200, 200, 200, 200, 403, 200, 200, 200, 403, 401, 401, 401},
	"GET /api/v1/clients/{id}/conversations":       {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/clients/{id}/conversations":      {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/conversations/{id}":               {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/conversations/{id}/requests":     {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/conversations/{id}/declines":     {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/conversations/{id}/participants": {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/requests/{id}":                    {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/requests/{id}/decisions":          {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/requests/{id}/answers":           {401, 200, 404, 200, 200, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/requests/{id}/weighty-reasons":   {401, 200, 404, 200, 200, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/requests/{id}/alternative":       {401, 200, 404, 200, 200, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/requests/{id}/manager":           {401, 409, 404, 409, 409, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/requests/{id}/manager-decision":  {401, 403, 403, 409, 409, 403, 403, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/requests/{id}/agreement":         {401, 200, 404, 200, 200, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/requests/{id}/agreement/text":     {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/requests/{id}/agreement/receipt":  {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/requests/{id}/declaration.pdf":    {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/requests/{id}/decision.pdf":       {401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 401, 401, 401},
	"GET /api/v1/requests/{id}/evidence":           {401, 409, 404, 409, 409, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/inbox":                            {401, 403, 403, 200, 200, 403, 403, 200, 200, 403, 401, 401, 401},
	"POST /api/v1/clients/{id}/incidents":          {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/incidents/{id}":                   {401, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 401, 401},
	"POST /api/v1/incidents/{id}/steps":            {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/clients/{id}/export":              {401, 200, 404, 200, 200, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/clients/{id}/data-requests":       {401, 200, 404, 200, 200, 403, 404, 404, 404, 403, 401, 401, 401},
	"POST /api/v1/clients/{id}/data-requests":      {401, 201, 404, 201, 201, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/data-requests":                    {401, 403, 403, 403, 403, 200, 403, 403, 403, 200, 401, 401, 401},
	"POST /api/v1/data-requests/{id}/decision":     {401, 403, 403, 403, 403, 200, 403, 403, 403, 404, 401, 401, 401},
	"GET /api/v1/access-log":                       {401, 403, 403, 403, 403, 200, 403, 403, 403, 200, 401, 401, 401},
	"GET /api/v1/reports/privacy":                  {401, 403, 403, 403, 403, 200, 403, 403, 403, 200, 401, 401, 401},
	"GET /api/v1/tokens":                           {401, 403, 403, 403, 200, 403, 403, 403, 200, 403, 401, 401, 401},
	"POST /api/v1/tokens":                          {401, 403, 403, 403, 201, 403, 403, 403, 404, 403, 401, 401, 401},
	"DELETE /api/v1/tokens/{id}":                   {401, 403, 403, 403, 204, 403, 403, 403, 404, 403, 401, 401, 401},
	"GET /api/v1/logs/{slug}/checkpoint":           {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /api/v1/logs/{slug}/key":                  {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /api/v1/logs/{slug}/inclusion":            {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /api/v1/logs/{slug}/consistency":          {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /assets/{file...}":                        {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /favicon.ico":                             {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /taal":                                    {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /aanmelden":                               {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"POST /aanmelden":                              {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401},
	"GET /aanmelden/oidc":                          {404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 401, 404, 404},
	"GET /aanmelden/oidc/terug":                    {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401},
	"GET /welkom":                                  {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"POST /welkom":                                 {400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 401, 400, 400},
	"POST /afmelden":                               {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /tweede-stap":                             {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 200, 303},
	"POST /tweede-stap":                            {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 400, 303},
	"GET /{$}":                                     {303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 303, 303},
	"GET /clienten":                                {303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 303, 303},
	"POST /clienten":                               {303, 404, 404, 303, 303, 404, 404, 303, 303, 404, 401, 303, 303},
	"GET /clienten/{id}":                           {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /clienten/{id}/medewerkers":              {303, 404, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /mensen":                                  {303, 404, 404, 200, 200, 200, 404, 200, 200, 200, 401, 303, 303},
	"POST /mensen":                                 {303, 404, 404, 404, 200, 404, 404, 404, 200, 404, 401, 303, 303},
	"POST /mensen/{id}/link":                       {303, 404, 404, 404, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /mensen/{id}/ontgrendelen":               {303, 404, 404, 404, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /sleutels":                                {303, 404, 404, 404, 200, 404, 404, 404, 200, 404, 401, 303, 303},
	"POST /sleutels":                               {303, 404, 404, 404, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /sleutels/{id}/intrekken":                {303, 404, 404, 404, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /beleid":                                  {303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 303, 303},
	"GET /beleid/voorbeeld":                        {303, 404, 404, 404, 200, 404, 404, 404, 200, 404, 401, 303, 303},
	"POST /beleid/voorbeeld":                       {303, 404, 404, 404, 200, 404, 404, 404, 200, 404, 401, 303, 303},
	"POST /beleid":                                 {303, 404, 404, 404, 303, 404, 404, 404, 303, 404, 401, 303, 303},
	"POST /beleid/tijdzone":                        {303, 404, 404, 404, 303, 404, 404, 404, 303, 404, 401, 303, 303},
	"GET /clientlinks":                             {303, 404, 404, 404, 200, 404, 404, 404, 200, 404, 401, 303, 303},
	"POST /clientlinks":                            {303, 404, 404, 404, 303, 404, 404, 404, 303, 404, 401, 303, 303},
	"GET /clienten/{id}/avg":                       {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /clienten/{id}/avg":                      {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /clienten/{id}/gegevens.zip":              {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /avg-verzoeken":                           {303, 404, 404, 404, 404, 200, 404, 404, 404, 200, 401, 303, 303},
	"POST /avg-verzoeken/{id}":                     {303, 404, 404, 404, 404, 303, 404, 404, 404, 404, 401, 303, 303},
	"GET /toegangslog":                             {303, 404, 404, 404, 404, 200, 404, 404, 404, 200, 401, 303, 303},
	"GET /rapportage":                              {303, 404, 404, 404, 404, 200, 404, 404, 404, 200, 401, 303, 303},
	"GET /clienten/{id}/opnames":                   {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /clienten/{id}/opnemen":                   {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /opnames/{id}":                            {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /opnames/{id}/bewijs":                     {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /opnames/{id}/kopie":                     {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /opnames/{id}/wissen":                    {303, 404, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /opnames/{id}/transcripten":              {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /werk":                                    {303, 200, 200, 200, 200, 404, 200, 200, 200, 404, 401, 303, 303},
	"GET /postvak":                                 {303, 404, 404, 200, 200, 404, 404, 200, 200, 404, 401, 303, 303},
	"GET /clienten/{id}/gesprekken":                {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /clienten/{id}/gesprekken":               {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /gesprekken/{id}":                         {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /gesprekken/{id}/verzoeken":              {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /gesprekken/{id}/afzien":                 {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /gesprekken/{id}/deelnemers":             {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /gesprekken/{id}/incidenten":             {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /verzoeken/{id}":                          {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /verzoeken/{id}":                         {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /verzoeken/{id}/afspraken":                {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /verzoeken/{id}/besluit":                  {303, 404, 404, 404, 404, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /verzoeken/{id}/bewijsmap.zip":            {303, 409, 404, 409, 409, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /incidenten/{id}":                         {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /incidenten/{id}/stappen":                {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"GET /integriteit":                             {303, 404, 404, 404, 200, 200, 404, 404, 200, 200, 401, 303, 303},
	"POST /clienten/{id}/links":                    {303, 200, 404, 200, 200, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /clienten/{id}/links/{link}/stoppen":     {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /clienten/{id}/links/{link}/pin":         {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	// Retention (retention.go): the administrator sets the rules, the
	// privacy officer sees what is due and confirms it, a manager or the
	// privacy officer holds a client's records.
	"GET /api/v1/retention/rules":           {401, 403, 403, 200, 200, 200, 403, 200, 200, 200, 401, 401, 401},
	"PUT /api/v1/retention/rules/{kind}":    {401, 403, 403, 403, 200, 403, 403, 403, 200, 403, 401, 401, 401},
	"GET /api/v1/retention/changes":         {401, 403, 403, 403, 200, 200, 403, 403, 200, 200, 401, 401, 401},
	"PUT /api/v1/retention/automatic":       {401, 403, 403, 403, 200, 403, 403, 403, 200, 403, 401, 401, 401},
	"GET /api/v1/retention/due":             {401, 403, 403, 403, 403, 200, 403, 403, 403, 200, 401, 401, 401},
	"POST /api/v1/retention/destructions":   {401, 403, 403, 403, 403, 200, 403, 403, 403, 200, 401, 401, 401},
	"GET /api/v1/retention/destructions":    {401, 403, 403, 403, 403, 200, 403, 403, 403, 200, 401, 401, 401},
	"GET /api/v1/holds":                     {401, 403, 403, 200, 200, 200, 403, 200, 200, 200, 401, 401, 401},
	"POST /api/v1/holds":                    {401, 403, 403, 201, 403, 201, 403, 404, 403, 404, 401, 401, 401},
	"POST /api/v1/holds/{id}/release":       {401, 403, 403, 204, 403, 204, 403, 404, 403, 404, 401, 401, 401},
	"PUT /api/v1/clients/{id}/care-end":     {401, 403, 403, 200, 200, 403, 403, 404, 404, 403, 401, 401, 401},
	"GET /bewaren":                          {303, 404, 404, 200, 200, 200, 404, 200, 200, 200, 401, 303, 303},
	"POST /bewaren/regels":                  {303, 404, 404, 404, 303, 404, 404, 404, 303, 404, 401, 303, 303},
	"POST /bewaren/automatisch":             {303, 404, 404, 404, 303, 404, 404, 404, 303, 404, 401, 303, 303},
	"POST /bewaren/vernietigen":             {303, 404, 404, 404, 404, 303, 404, 404, 404, 303, 401, 303, 303},
	"POST /bewaren/blokkades":               {303, 404, 404, 303, 404, 303, 404, 404, 404, 404, 401, 303, 303},
	"POST /bewaren/blokkades/{id}/opheffen": {303, 404, 404, 303, 404, 303, 404, 404, 404, 404, 401, 303, 303},
	"POST /clienten/{id}/einde-zorg":        {303, 404, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	// The client's side: no caller here has a link session (see
	// TestLinkAuthorizationMatrix for those who do).
	"GET /l":                              {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"POST /l":                             {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/{code}":                       {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/weg":                         {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/pin":                          {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/pin":                         {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/gesprekken":                   {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/gesprekken/{id}":              {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/gesprekken/{id}/aankondigen": {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/verzoeken/{id}/antwoord":     {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/verzoeken/{id}/afspraken":    {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/stoppen":                     {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/opnames":                      {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/opnames/{id}/inhoud":          {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/opnames/{id}/bewijs":          {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/opnames/{id}":                 {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/wie-keek":                     {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/mijn-gegevens":                {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/mijn-gegevens":               {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/mijn-gegevens/gegevens.zip":   {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/klacht":                       {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/verzoeken/{id}/afspraken.pdf": {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/opnames/{id}/delen":          {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/opnames/{id}/transcripten":   {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/transcripten/{id}/inhoud":     {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"GET /l/transcripten/{id}/bewijs":     {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/kopie":                       {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"HEAD /l/kopie/{id}":                  {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"PATCH /l/kopie/{id}":                 {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"DELETE /l/kopie/{id}":                {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/kopie/{id}/finish":           {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	"POST /l/ontvangers/{id}/stoppen":     {303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 303, 303},
	// A recipient's link works for whoever holds it, and nothing else:
	// a sign-in changes nothing (TestShareWithLawyer follows one).
	"GET /d/{token}":         {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"POST /d/{token}":        {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"POST /d/{token}/opname": {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"POST /d/{token}/bewijs": {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	// Giving a link needs a share that is ready: the fixture's request
	// is not a share.
	"POST /verzoeken/{id}/ontvanger":                      {303, 409, 404, 409, 409, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /verzoeken/{id}/ontvanger/{link}/stoppen":       {303, 303, 404, 303, 303, 404, 404, 404, 404, 404, 401, 303, 303},
	"POST /api/v1/requests/{id}/recipient-links":          {401, 409, 404, 409, 409, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/requests/{id}/recipient-links":           {401, 200, 404, 200, 200, 403, 404, 404, 404, 403, 401, 401, 401},
	"DELETE /api/v1/requests/{id}/recipient-links/{link}": {401, 204, 404, 204, 204, 403, 404, 404, 404, 403, 401, 401, 401},
	"GET /api/v1/logs/{slug}/shares":                      {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	// What an organisation publishes is for anyone, signed in or not, of
	// any organisation (TestPublicRoutesReadNoClientData); its
	// administrator writes its own texts.
	"GET /o/{slug}":             {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/inbedden":    {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/policy.yaml": {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/policy.json": {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /openbare-pagina":      {303, 404, 404, 404, 200, 404, 404, 404, 200, 404, 401, 303, 303},
	"POST /openbare-pagina":     {303, 404, 404, 404, 303, 404, 404, 404, 303, 404, 401, 303, 303},
	// An organisation's printed matter is anyone's: it holds no client
	// data (TestPrintedMatter checks that the access log gains nothing).
	"GET /o/{slug}/folder":       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/folder.pdf":   {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/poster":       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/poster.pdf":   {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/zakkaart":     {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
	"GET /o/{slug}/zakkaart.pdf": {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 200},
}

// newTranscript attaches a transcript to recA, made by the organisation,
// for a route that needs one: the fixture itself holds none, so the tests
// that count recordings and log entries count only its recording.
func (f *fixture) newTranscript(t *testing.T) string {
	t.Helper()
	tr, err := f.s.web.Vault.IngestTranscript(f.staffCtx, vault.Upload{DerivedFrom: f.recA, Source: "organisation", Body: strings.NewReader("Medewerker: Goedemorgen.\n")})
	if err != nil {
		t.Fatal(err)
	}
	return tr.ID
}

// newRecipientLink gives a recipient link for the fixture's share
// request: its id and its secret.
func (f *fixture) newRecipientLink(t *testing.T) (string, string) {
	t.Helper()
	l := &opname.RecipientLink{RequestID: f.shareA}
	secret, _, err := f.s.db.CreateRecipientLink(f.staffCtx, l, opname.RecipientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l.ID, secret
}

// fixture is a running server with two organisations and a token per
// caller.
type fixture struct {
	s       *server
	tokens  map[string]string
	staffA  string // user id of org A's assigned staff member
	thirdA  string // user id of a staff member of org A the matrix assigns
	adminA  opname.Actor
	clientA string
	recA    string // a recording of clientA
	// pending and changed are the session secrets of those callers.
	pending, changed string
	// staffCtx is clientA's staff member's context.
	staffCtx context.Context
	// convA is a conversation with clientA; reqA a request about it, with
	// weighty reasons and spoken agreements; incA an incident.
	convA, reqA, incA string
	// shareA is a request to give recA to a lawyer; each recipient link
	// the matrix needs is made for it.
	shareA  string
	counter atomic.Int64
}

func newFixture(t *testing.T, s *server) *fixture {
	t.Helper()
	f := &fixture{s: s, tokens: map[string]string{}}
	db := f.s.db
	ctx := opname.WithActor(context.Background(), opname.System("test"))
	for _, org := range []string{"a", "b"} {
		o := &opname.Organisation{Slug: "org-" + org, Name: "Org " + org, Policy: opname.PolicyVersion{Name: "veilig-thuis-utrecht", Shipped: "veilig-thuis-utrecht", Digest: "sha256:1", Text: "x"}}
		if err := db.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		sys := opname.System("test")
		sys.OrgID = o.ID
		octx := opname.WithActor(context.Background(), sys)
		prefix := ""
		if org == "b" {
			prefix = "b_"
		}
		people := map[string]opname.Role{"staff": opname.RoleStaff, "manager": opname.RoleManager, "admin": opname.RoleAdmin, "privacy": opname.RolePrivacyOfficer}
		if org == "a" {
			people["staff_other"] = opname.RoleStaff
			people["staff_third"] = opname.RoleStaff
		}
		ids := map[string]string{}
		for name, role := range people {
			u := &opname.User{Email: name + "@org-" + org + ".nl", Name: name, Role: role}
			if err := db.CreateUser(octx, u); err != nil {
				t.Fatal(err)
			}
			ids[name] = u.ID
			secret, _, err := db.CreateToken(octx, u.ID, "matrix")
			if err != nil {
				t.Fatal(err)
			}
			f.tokens[prefix+name] = secret
		}
		if org == "a" {
			f.staffA, f.thirdA = ids["staff"], ids["staff_third"]
			f.adminA = opname.Actor{OrgID: o.ID, UserID: ids["admin"], Role: opname.RoleAdmin, Name: "admin"}
			c := &opname.Client{Name: "Anna de Vries"}
			if err := db.CreateClient(octx, c); err != nil {
				t.Fatal(err)
			}
			if err := db.Assign(octx, c.ID, ids["staff"]); err != nil {
				t.Fatal(err)
			}
			f.clientA = c.ID
			staffCtx := opname.WithActor(context.Background(), opname.Actor{OrgID: o.ID, UserID: ids["staff"], Role: opname.RoleStaff, Name: "staff"})
			f.staffCtx = staffCtx
			rec, err := s.web.Vault.Ingest(staffCtx, vault.Upload{ClientID: c.ID, Source: "client_copy", Body: bytes.NewReader(wav(1, 40))})
			if err != nil {
				t.Fatal(err)
			}
			f.recA = rec.ID
			wf := s.web.Workflow
			conv := &opname.Conversation{ClientID: c.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
			if err := wf.Open(staffCtx, conv); err != nil {
				t.Fatal(err)
			}
			req, err := wf.Ask(staffCtx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wf.Weighty(staffCtx, req.ID, "danger to a third party", "written_report"); err != nil {
				t.Fatal(err)
			}
			if _, err := wf.Agree(staffCtx, req.ID, "spoken", false, false); err != nil {
				t.Fatal(err)
			}
			f.convA, f.reqA = conv.ID, req.ID
			share, err := wf.Ask(staffCtx, conv.ID, opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "lawyer",
				Share: &opname.Share{What: "recording", ID: rec.ID, To: "mr. Visser", Why: "Voor de klacht"}})
			if err != nil {
				t.Fatal(err)
			}
			f.shareA = share.ID
			f.incA = f.newIncident(t)
			for i := range 2 {
				if _, err := db.Append(context.Background(), o.ID, translog.Entry{Kind: translog.KindRecording, RecordingID: fmt.Sprint(i), SHA256: "00", Size: 1}); err != nil {
					t.Fatal(err)
				}
			}
			secret, tok, err := db.CreateToken(octx, ids["manager"], "revoked")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.RevokeToken(octx, tok.ID); err != nil {
				t.Fatal(err)
			}
			f.tokens["revoked"] = secret
			f.pending = pendingSession(t, s, octx, c.ID)
			f.changed = changedSession(t, s, octx)
		}
	}
	return f
}

// pendingSession makes a manager assigned to client with a password
// and an authenticator app, signs them in with the password only, and
// returns that session's secret: its second factor is pending.
func pendingSession(t *testing.T, s *server, octx context.Context, client string) string {
	t.Helper()
	db := s.db
	u := &opname.User{Email: "pending@org-a.nl", Name: "pending", Role: opname.RoleManager}
	if err := db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.Assign(octx, client, u.ID); err != nil {
		t.Fatal(err)
	}
	link, _, err := db.CreateOneTime(octx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const password = "a pending person's password"
	full, sess, err := db.Redeem(context.Background(), link, password)
	if err != nil {
		t.Fatal(err)
	}
	uctx := opname.WithActor(context.Background(), opname.Actor{OrgID: sess.OrgID, UserID: u.ID, Role: u.Role, Name: u.Name})
	secret, err := db.BeginTOTP(uctx)
	if err != nil {
		t.Fatal(err)
	}
	code, err := opname.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ConfirmTOTP(uctx, full, code); err != nil {
		t.Fatal(err)
	}
	pending, sess, err := db.SignIn(context.Background(), "org-a", u.Email, password)
	if err != nil {
		t.Fatal(err)
	}
	if sess.SecondFactor {
		t.Fatal("a person with an authenticator app signed in with a password alone")
	}
	return pending
}

// changedSession signs a manager in twice, changes their password in the
// second session and returns the first session's secret.
func changedSession(t *testing.T, s *server, octx context.Context) string {
	t.Helper()
	db := s.db
	u := &opname.User{Email: "changed@org-a.nl", Name: "changed", Role: opname.RoleManager}
	if err := db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	link, _, err := db.CreateOneTime(octx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const password = "the first password of a manager"
	first, sess, err := db.Redeem(context.Background(), link, password)
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := db.SignIn(context.Background(), "org-a", u.Email, password)
	if err != nil {
		t.Fatal(err)
	}
	uctx := opname.WithActor(context.Background(), opname.Actor{OrgID: sess.OrgID, UserID: u.ID, Role: u.Role, Name: u.Name})
	if _, err := db.SetPassword(uctx, second, "the second password of a manager"); err != nil {
		t.Fatal(err)
	}
	return first
}

// request builds the request for a route with real path values and a valid
// body, unique per call.
func (f *fixture) request(t *testing.T, method, pattern string) *http.Request {
	t.Helper()
	n := f.counter.Add(1)
	path := pattern
	path = strings.Replace(path, "/{$}", "/", 1)
	path = strings.Replace(path, "{file...}", "opname.css", 1)
	var body, fileForm string
	form := url.Values{}
	switch {
	case pattern == "/api/v1/users/{id}/one-time", pattern == "/api/v1/users/{id}/unlock",
		pattern == "/mensen/{id}/link", pattern == "/mensen/{id}/ontgrendelen":
		// A new sign-in link ends the person's tokens: not a caller's.
		path = strings.Replace(path, "{id}", f.thirdA, 1)
	case strings.HasPrefix(pattern, "/api/v1/users/{id}"):
		path = strings.Replace(path, "{id}", f.staffA, 1)
	case strings.HasPrefix(pattern, "/clienten/{id}/links/{link}"):
		path = strings.Replace(strings.Replace(path, "{id}", f.clientA, 1), "{link}", f.newLink(t, f.clientA, "client", false).ID, 1)
	case strings.HasPrefix(pattern, "/api/v1/clients/{id}"), strings.HasPrefix(pattern, "/clienten/{id}"):
		path = strings.Replace(path, "{id}", f.clientA, 1)
	case pattern == "/l/{code}":
		path = "/l/" + f.newLinkCode(t, f.clientA, "client")
	case strings.HasPrefix(pattern, "/l/gesprekken/{id}"):
		path = strings.Replace(path, "{id}", f.convA, 1)
	case strings.HasPrefix(pattern, "/l/transcripten/{id}"), strings.HasPrefix(pattern, "/api/v1/transcripts/{id}"):
		path = strings.Replace(path, "{id}", f.newTranscript(t), 1)
	case strings.HasPrefix(pattern, "/l/opnames/{id}"):
		path = strings.Replace(path, "{id}", f.recA, 1)
	case strings.HasPrefix(pattern, "/l/verzoeken/{id}"):
		path = strings.Replace(path, "{id}", f.reqA, 1)
	case strings.HasPrefix(pattern, "/d/{token}"):
		_, secret := f.newRecipientLink(t)
		path = strings.Replace(path, "{token}", secret, 1)
	case pattern == "/l/ontvangers/{id}/stoppen":
		id, _ := f.newRecipientLink(t)
		path = strings.Replace(path, "{id}", id, 1)
	case pattern == "/verzoeken/{id}/ontvanger/{link}/stoppen", pattern == "/api/v1/requests/{id}/recipient-links/{link}":
		id, _ := f.newRecipientLink(t)
		path = strings.Replace(strings.Replace(path, "{id}", f.shareA, 1), "{link}", id, 1)
	case strings.HasPrefix(pattern, "/l/kopie/{id}"):
		path = strings.Replace(path, "{id}", f.newLinkUpload(t), 1)
	case strings.HasPrefix(pattern, "/api/v1/data-requests/{id}"), strings.HasPrefix(pattern, "/avg-verzoeken/{id}"):
		path = strings.Replace(path, "{id}", f.newDataRequest(t), 1)
	case strings.HasPrefix(pattern, "/o/{slug}"):
		path = strings.Replace(path, "{slug}", "org-a", 1)
	case strings.HasPrefix(pattern, "/api/v1/logs/{slug}"):
		path = strings.Replace(path, "{slug}", "org-a", 1)
		switch {
		case strings.HasSuffix(pattern, "/inclusion"):
			path += "?index=0&size=2"
		case strings.HasSuffix(pattern, "/consistency"):
			path += "?from=1&to=2"
		case strings.HasSuffix(pattern, "/shares"):
			path += "?sha256=" + strings.Repeat("0", 64)
		}
	case pattern == "/api/v1/retention/rules/{kind}":
		path = strings.Replace(path, "{kind}", "recording", 1)
	case pattern == "/api/v1/holds/{id}/release", pattern == "/bewaren/blokkades/{id}/opheffen":
		path = strings.Replace(path, "{id}", f.newHold(t), 1)
	case pattern == "/api/v1/recordings/{id}/erasure":
		path = strings.Replace(path, "{id}", f.newRecording(t), 1)
	case strings.HasPrefix(pattern, "/api/v1/recordings/{id}"):
		path = strings.Replace(path, "{id}", f.recA, 1)
	case pattern == "/opnames/{id}/wissen":
		path = strings.Replace(path, "{id}", f.newRecording(t), 1)
	case strings.HasPrefix(pattern, "/opnames/{id}"):
		path = strings.Replace(path, "{id}", f.recA, 1)
	case strings.HasPrefix(pattern, "/gesprekken/{id}"):
		path = strings.Replace(path, "{id}", f.convA, 1)
	case strings.HasPrefix(pattern, "/verzoeken/{id}"):
		path = strings.Replace(path, "{id}", f.reqA, 1)
	case pattern == "/incidenten/{id}/stappen":
		path = strings.Replace(path, "{id}", f.newIncident(t), 1)
	case strings.HasPrefix(pattern, "/incidenten/{id}"):
		path = strings.Replace(path, "{id}", f.incA, 1)
	case strings.HasPrefix(pattern, "/api/v1/conversations/{id}"):
		path = strings.Replace(path, "{id}", f.convA, 1)
	case strings.HasPrefix(pattern, "/api/v1/requests/{id}"):
		path = strings.Replace(path, "{id}", f.reqA, 1)
	case pattern == "/api/v1/incidents/{id}/steps":
		path = strings.Replace(path, "{id}", f.newIncident(t), 1)
	case strings.HasPrefix(pattern, "/api/v1/incidents/{id}"):
		path = strings.Replace(path, "{id}", f.incA, 1)
	case strings.HasPrefix(pattern, "/api/v1/uploads/{id}"):
		path = strings.Replace(path, "{id}", f.newUpload(t, strings.HasSuffix(pattern, "/finish")), 1)
	case pattern == "/api/v1/tokens/{id}", pattern == "/sleutels/{id}/intrekken":
		_, tok, err := f.s.db.CreateToken(opname.WithActor(context.Background(), f.adminA), f.staffA, "to revoke")
		if err != nil {
			t.Fatal(err)
		}
		path = strings.Replace(path, "{id}", tok.ID, 1)
	}
	switch method + " " + pattern {
	case "POST /api/v1/session":
		// A new account each time, so that no throttle answers.
		body = fmt.Sprintf(`{"organisation": "org-a", "email": "nobody%d@org-a.nl", "password": "not the password"}`, n)
	case "POST /api/v1/session/one-time":
		body = `{"secret": "otp_unknown", "password": "a long enough password"}`
	case "POST /api/v1/session/totp", "PUT /api/v1/me/totp":
		body = `{"code": "123456"}`
	case "PUT /api/v1/me/password":
		body = `{"password": "a long enough password"}`
	case "PUT /api/v1/organisation/oidc":
		body = `{"issuer": "https://login.example.nl", "client_id": "opname", "client_secret": "s", "role_claim": "groups", "role_map": {"zorg": "staff"}}`
	case "PUT /api/v1/organisation/time-zone":
		body = `{"time_zone": "Europe/Amsterdam"}`
	case "GET /aanmelden/oidc":
		path += "?organisatie=no-such-org"
	case "GET /aanmelden/oidc/terug":
		path += "?state=unknown&code=x"
	case "PUT /api/v1/organisation/policy":
		body = `{"shipped": "blijf-groep", "reason": "the matrix tries every route"}`
	case "POST /api/v1/organisation/policy/preview":
		body = `{"shipped": "blijf-groep"}`
	case "GET /beleid/voorbeeld":
		path += "?beleid=blijf-groep"
	case "POST /api/v1/decisions":
		body = `{"action": "record", "medium": "audio", "by": "client", "participants": [{"role": "client"}, {"role": "staff"}]}`
	case "POST /api/v1/users":
		body = fmt.Sprintf(`{"email": "new%d@example.nl", "role": "staff"}`, n)
	case "POST /api/v1/clients":
		body = fmt.Sprintf(`{"name": "Client %d"}`, n)
	case "POST /api/v1/clients/{id}/staff":
		body = fmt.Sprintf(`{"user_id": %q}`, f.thirdA)
	case "POST /api/v1/clients/{id}/recordings":
		body = string(wav(1, byte(n)))
	case "POST /api/v1/recordings/{id}/copies":
		body = `{"to": "client"}`
	case "POST /api/v1/recordings/{id}/transcripts":
		body = fmt.Sprintf("Transcript %d\n", n)
	case "POST /opnames/{id}/transcripten", "POST /l/opnames/{id}/transcripten":
		body, fileForm = transcriptForm(t, fmt.Sprintf("Transcript %d\n", n))
	case "POST /api/v1/recordings/{id}/erasure":
		body = `{"reason": "the retention period ended"}`
	case "PUT /api/v1/retention/rules/{kind}":
		body = `{"years": 20, "clock": "recorded", "basis_nl": "WGBO", "basis_en": "WGBO", "reason": "the matrix tries every route"}`
	case "PUT /api/v1/retention/automatic":
		body = `{"on": false, "reason": "the matrix tries every route"}`
	case "POST /api/v1/retention/destructions":
		body = `{"items": [{"kind": "recording", "object_id": "not-due"}]}`
	case "POST /api/v1/holds":
		body = fmt.Sprintf(`{"recording_id": %q, "reason": "a complaint"}`, f.newRecording(t))
	case "POST /api/v1/holds/{id}/release":
		body = `{"reason": "the complaint was settled"}`
	case "PUT /api/v1/clients/{id}/care-end":
		body = `{"care_ended": "", "reason": "care goes on"}`
	case "POST /bewaren/regels":
		form = url.Values{"soort": {"recording"}, "jaren": {"20"}, "klok": {"recorded"}, "grondslag_nl": {"WGBO"}, "grondslag_en": {"WGBO"}, "reden": {"de matrix"}}
	case "POST /bewaren/automatisch":
		form = url.Values{"automatisch": {"uit"}, "reden": {"de matrix"}}
	case "POST /bewaren/vernietigen":
		form = url.Values{"item": {"recording:not-due"}, "bevestigd": {"ja"}}
	case "POST /bewaren/blokkades":
		form = url.Values{"opname": {f.newRecording(t)}, "reden": {"een klacht"}}
	case "POST /bewaren/blokkades/{id}/opheffen":
		form = url.Values{"reden": {"de klacht is afgehandeld"}}
	case "POST /clienten/{id}/einde-zorg":
		form = url.Values{"einde": {""}, "reden": {"de zorg loopt nog"}}
	case "PATCH /api/v1/uploads/{id}":
		body = string(wav(1, byte(n)))
	case "POST /api/v1/clients/{id}/conversations":
		body = `{"location": "office", "participants": [{"role": "client"}, {"role": "staff"}]}`
	case "POST /api/v1/conversations/{id}/requests":
		body = `{"action": "record", "medium": "audio", "by": "client"}`
	case "POST /api/v1/conversations/{id}/participants":
		body = `{"role": "staff", "name": "collega"}`
	case "POST /api/v1/conversations/{id}/declines":
		body = `{"participant": 1, "alternative": "another staff member"}`
	case "POST /api/v1/requests/{id}/answers":
		body = `{"participant": 0, "given": true, "how": "in_person"}`
	case "POST /api/v1/requests/{id}/weighty-reasons":
		body = `{"reason": "danger to a third party", "alternative": "written_report"}`
	case "POST /api/v1/requests/{id}/alternative":
		body = `{"alternative": "written_report"}`
	case "POST /api/v1/requests/{id}/manager":
		body = `{"assessment": "a", "colleagues_consulted": "b"}`
	case "POST /api/v1/requests/{id}/manager-decision":
		body = `{"approved": true, "reasons": "r"}`
	case "POST /api/v1/requests/{id}/agreement":
		body = `{"form": "spoken"}`
	case "POST /api/v1/requests/{id}/recipient-links":
		body = `{"days": 14, "max_downloads": 3}`
	case "POST /api/v1/clients/{id}/incidents":
		body = `{"kind": "covert_recording", "description": "a phone recorded in secret"}`
	case "POST /api/v1/incidents/{id}/steps":
		body = `{"step": "ask_to_stop"}`
	case "POST /api/v1/tokens":
		body = fmt.Sprintf(`{"user_id": %q, "name": "dossier"}`, f.staffA)
	case "POST /aanmelden":
		form = url.Values{"organisatie": {"org-a"}, "email": {fmt.Sprintf("nobody%d@org-a.nl", n)}, "wachtwoord": {"not the password"}}
	case "POST /welkom":
		form = url.Values{"code": {"otp_x"}, "wachtwoord": {"one long password"}, "herhaal": {"another long password"}}
	case "POST /clienten":
		form = url.Values{"naam": {fmt.Sprintf("Client %d", n)}}
	case "POST /clienten/{id}/gesprekken":
		form = url.Values{"waar": {"office"}}
	case "POST /gesprekken/{id}/verzoeken":
		form = url.Values{"wie": {"0"}, "wat": {"audio"}}
	case "POST /gesprekken/{id}/deelnemers":
		form = url.Values{"rol": {"staff"}, "naam": {"collega"}}
	case "POST /gesprekken/{id}/afzien":
		form = url.Values{"deelnemer": {"1"}, "alternatief": {"een collega"}}
	case "POST /gesprekken/{id}/incidenten":
		form = url.Values{"soort": {"covert_recording"}, "beschrijving": {"stiekem opgenomen"}}
	case "POST /verzoeken/{id}":
		form = url.Values{"stap": {"antwoord"}, "deelnemer": {"0"}, "antwoord": {"ja"}, "hoe": {"in_person"}}
	case "POST /incidenten/{id}/stappen":
		form = url.Values{"stap": {"ask_to_stop"}}
	case "POST /clienten/{id}/medewerkers":
		form = url.Values{"medewerker": {f.thirdA}}
	case "POST /sleutels":
		form = url.Values{"naam": {"dossier"}, "medewerker": {f.staffA}}
	case "POST /beleid/voorbeeld":
		form = url.Values{"beleid": {"blijf-groep"}}
	case "POST /beleid":
		// Confirmed against the policy the fixture's organisations start
		// with; a second time, the change was made already.
		blijf, err := f.s.web.Policies.Policy("blijf-groep")
		if err != nil {
			t.Fatal(err)
		}
		form = url.Values{"beleid": {"blijf-groep"}, "van": {"sha256:1"}, "naar": {blijf.Digest}, "reden": {"the matrix tries every route"}}
	case "POST /beleid/tijdzone":
		form = url.Values{"tijdzone": {"Europe/Amsterdam"}}
	case "POST /clientlinks":
		// Sent again, the same settings change nothing and lead on.
		form = url.Values{"dagen": {"30"}, "versie": {"0"}, "klachten_adres": {"https://www.example.nl/klachten"}}
	case "POST /openbare-pagina":
		// Sent again, the same texts change nothing and lead on.
		form = url.Values{"versie": {"0"}, "inleiding_nl": {"Welkom bij ons."}}
	case "POST /opnames/{id}/wissen":
		form = url.Values{"reden": {"de bewaartermijn is voorbij"}, "bevestigd": {"ja"}}
	case "POST /clienten/{id}/links":
		form = url.Values{"partij": {"client"}, "naam": {"Anna"}}
	case "POST /l":
		form = url.Values{"code": {f.newLinkCode(t, f.clientA, "client")}}
	case "POST /l/pin":
		form = url.Values{"pin": {"12345"}, "pin2": {"54321"}}
	case "POST /l/gesprekken/{id}/aankondigen":
		form = url.Values{"medium": {"audio"}}
	case "POST /l/verzoeken/{id}/antwoord":
		form = url.Values{"antwoord": {"ja"}}
	case "POST /l/verzoeken/{id}/afspraken":
		form = url.Values{"afspraken": {"akkoord"}}
	case "POST /api/v1/clients/{id}/data-requests":
		body = `{"kind": "correction", "what": "het adres", "ask": "Het adres is Dorpsstraat 1."}`
	case "POST /api/v1/data-requests/{id}/decision":
		body = `{"decision": "refused", "reasons": "De WGBO verplicht ons het dossier te bewaren."}`
	case "POST /clienten/{id}/avg", "POST /l/mijn-gegevens":
		form = url.Values{"soort": {"correction"}, "welke": {"het adres"}, "vraag": {"Het adres is Dorpsstraat 1."}}
	case "POST /avg-verzoeken/{id}":
		form = url.Values{"besluit": {"refused"}, "redenen": {"De WGBO verplicht ons het dossier te bewaren."}}
	case "POST /mensen":
		form = url.Values{"email": {fmt.Sprintf("page%d@example.nl", n)}, "rol": {"staff"}}
	}
	var r *http.Request
	var err error
	if len(form) > 0 {
		r, err = http.NewRequest(method, f.s.URL+path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r, err = http.NewRequest(method, f.s.URL+path, strings.NewReader(body))
		switch {
		case fileForm != "":
			r.Header.Set("Content-Type", fileForm)
		case body != "":
			r.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if (strings.HasPrefix(pattern, "/api/v1/uploads") || strings.HasPrefix(pattern, "/l/kopie")) && !strings.HasSuffix(pattern, "/finish") && method != "GET" {
		r.Header.Set("Tus-Resumable", "1.0.0")
		switch {
		case method == "POST" && pattern == "/l/kopie":
			// The client's copy, for a request of the organisation's.
			r.Header.Set("Upload-Length", "100000")
			r.Header.Set("Upload-Metadata", "request_id "+base64.StdEncoding.EncodeToString([]byte(f.newCopyRequest(t))))
		case method == "POST":
			r.Header.Set("Upload-Length", "100000")
			r.Header.Set("Upload-Metadata", "client_id "+base64.StdEncoding.EncodeToString([]byte(f.clientA)))
		case method == "PATCH":
			r.Header.Set("Upload-Offset", "0")
			r.Header.Set("Content-Type", "application/offset+octet-stream")
		}
	}
	return r
}

// newCopyRequest asks, as clientA's staff member, for a copy of the
// client's own recording of conversation convA.
func (f *fixture) newCopyRequest(t *testing.T) string {
	t.Helper()
	req, err := f.s.web.Workflow.Ask(f.staffCtx, f.convA, opname.Act{Action: "copy", Medium: "audio", By: "organisation"})
	if err != nil {
		t.Fatal(err)
	}
	return req.ID
}

// newLinkUpload starts the upload of a client's copy through a link of
// clientA's, for a copy request: another holder's upload than any caller's.
func (f *fixture) newLinkUpload(t *testing.T) string {
	t.Helper()
	r, _ := http.NewRequest("POST", f.s.URL+"/l/kopie", nil)
	r.AddCookie(&http.Cookie{Name: f.s.web.LinkCookie(), Value: f.openLink(t, f.newLinkCode(t, f.clientA, "client"))})
	r.Header.Set("Tus-Resumable", "1.0.0")
	r.Header.Set("Upload-Length", "100000")
	r.Header.Set("Upload-Metadata", "request_id "+base64.StdEncoding.EncodeToString([]byte(f.newCopyRequest(t))))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("new upload through a link = %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

// newIncident opens an incident about clientA as its staff member.
func (f *fixture) newIncident(t *testing.T) string {
	t.Helper()
	i := &opname.Incident{ClientID: f.clientA, Kind: "covert_recording", Description: "a phone recorded in secret"}
	if err := f.s.web.Workflow.OpenIncident(f.staffCtx, i); err != nil {
		t.Fatal(err)
	}
	return i.ID
}

// newHold puts a new recording of clientA on hold, as org A's system.
func (f *fixture) newHold(t *testing.T) string {
	t.Helper()
	sys := opname.System("test")
	sys.OrgID = f.adminA.OrgID
	h := &opname.LegalHold{RecordingID: f.newRecording(t), Reason: "a complaint"}
	if err := f.s.db.PlaceHold(opname.WithActor(context.Background(), sys), h); err != nil {
		t.Fatal(err)
	}
	return h.ID
}

// newRecording stores a recording of clientA as its staff member.
func (f *fixture) newRecording(t *testing.T) string {
	t.Helper()
	rec, err := f.s.web.Vault.Ingest(f.staffCtx, vault.Upload{ClientID: f.clientA, Source: "organisation", Body: bytes.NewReader(wav(1, byte(f.counter.Add(1))))})
	if err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

// newUpload starts a resumable upload of clientA's staff member, of unknown
// length; with some, the first second of a recording has arrived.
func (f *fixture) newUpload(t *testing.T, some bool) string {
	t.Helper()
	r, _ := http.NewRequest("POST", f.s.URL+"/api/v1/uploads", nil)
	r.Header.Set("Authorization", "Bearer "+f.tokens["staff"])
	r.Header.Set("Tus-Resumable", "1.0.0")
	r.Header.Set("Upload-Defer-Length", "1")
	r.Header.Set("Upload-Metadata", "client_id "+base64.StdEncoding.EncodeToString([]byte(f.clientA)))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("new upload = %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	if some {
		r, _ := http.NewRequest("PATCH", f.s.URL+"/api/v1/uploads/"+id, bytes.NewReader(wav(1, 7)))
		r.Header.Set("Authorization", "Bearer "+f.tokens["staff"])
		r.Header.Set("Tus-Resumable", "1.0.0")
		r.Header.Set("Upload-Offset", "0")
		r.Header.Set("Content-Type", "application/offset+octet-stream")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 {
			t.Fatalf("first chunk = %d", resp.StatusCode)
		}
	}
	return id
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestAuthorizationMatrix calls every registered route as every caller and
// checks the status against the matrix.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	dialects(t, testAuthorizationMatrix)
}

func testAuthorizationMatrix(t *testing.T, s *server) {
	f := newFixture(t, s)
	routes := f.s.web.Routes()
	seen := map[string]bool{}
	for _, route := range routes {
		key := route.Key()
		seen[key] = true
		want, ok := matrix[key]
		if !ok {
			t.Errorf("route %s has no row in the authorization matrix: add one", key)
			continue
		}
		for i, caller := range callers {
			r := f.request(t, route.Method, route.Pattern)
			switch caller {
			case "anonymous":
			case "pending":
				r.AddCookie(&http.Cookie{Name: f.s.web.SessionCookie(), Value: f.pending})
			case "changed":
				r.AddCookie(&http.Cookie{Name: f.s.web.SessionCookie(), Value: f.changed})
			default:
				r.Header.Set("Authorization", "Bearer "+f.tokens[caller])
			}
			resp, err := noRedirect.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want[i] {
				t.Errorf("%s as %s: status %d, want %d\n%s", key, caller, resp.StatusCode, want[i], firstLine(body))
			}
		}
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("the matrix has a row for %s, which is not a route", key)
		}
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// TestOpenAPIMatchesRoutes checks that the OpenAPI document describes every
// API route, and the policy files organisations publish, and nothing else.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	resp, err := http.Get(s.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, r := range s.web.Routes() {
		published := strings.HasPrefix(r.Pattern, "/o/") && (strings.HasSuffix(r.Pattern, ".json") || strings.HasSuffix(r.Pattern, ".yaml"))
		if !strings.HasPrefix(r.Pattern, "/api/") && !published {
			continue
		}
		if !documented[r.Key()] {
			t.Errorf("route %s is not in openapi.json", r.Key())
		}
		delete(documented, r.Key())
	}
	for key := range documented {
		t.Errorf("openapi.json documents %s, which is not a route", key)
	}
}

// TestAPIErrors checks that bad input gets a clear error naming the field,
// and that an internal detail never reaches the caller.
func TestAPIErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testServer(t))
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
		as                 string // the caller; "" is the administrator
	}{
		{"POST", "/api/v1/clients", `{"name": "x", "colour": "blue"}`, 400, "colour: unknown field", ""},
		{"POST", "/api/v1/clients", `{"name": 3}`, 400, "name: wrong type", ""},
		{"POST", "/api/v1/clients", `{"name": "x"} {"name": "y"}`, 400, "only one JSON object", ""},
		{"POST", "/api/v1/clients", `{"name": "x"`, 400, "cut short", ""},
		{"POST", "/api/v1/clients", `{"name": "` + strings.Repeat("x", 2<<20) + `"}`, 400, "larger than", ""},
		{"POST", "/api/v1/users", `{"email": "not an address", "role": "staff"}`, 400, `email: not an e-mail address (got \"not an address\")`, ""},
		{"POST", "/api/v1/users", `{"email": "x@y.nl", "role": "boss"}`, 400, `role: use staff, manager, admin or privacy_officer (got \"boss\")`, ""},
		{"POST", "/api/v1/decisions", `{"action": "record", "medium": "vidoe", "by": "client", "participants": [{"role": "client"}]}`, 400, `medium: not one of audio, video (got \"vidoe\")`, ""},
		{"PUT", "/api/v1/organisation/policy", `{"text": "name: x\nversion: 1\ntitle: {nl: x, en: x}\nrules: [{id: r}]"}`, 400, "policy.yaml:", ""},
		{"GET", "/api/v1/access-log?since=yesterday", ``, 400, `since: use a time like 2026-11-24T09:00:00Z (got \"yesterday\")`, "privacy"},
		{"GET", "/api/v1/access-log", ``, 403, "your role may not do this", ""},
		{"GET", "/api/v1/clients/nope", ``, 404, "client not found", ""},
	} {
		caller := "admin"
		if c.as != "" {
			caller = c.as
		}
		r, _ := http.NewRequest(c.method, f.s.URL+c.path, bytes.NewBufferString(c.body))
		r.Header.Set("Authorization", "Bearer "+f.tokens[caller])
		r.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s %s: %d %s; want %d with %q", c.method, c.path, resp.StatusCode, firstLine(body), c.status, c.want)
		}
		if !strings.Contains(string(body), `"request_id"`) {
			t.Errorf("%s %s: no request id in %s", c.method, c.path, body)
		}
	}
}

// syncBuffer is a buffer that a server's logger and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsAndMetrics checks that every request has one JSON log line with
// its request id and route, that no secret, path or personal data reaches
// the log, and that /metrics counts requests by route.
func TestLogsAndMetrics(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir(), MetricsAddr: "127.0.0.1:0"}
	s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, s)
	r, _ := http.NewRequest("GET", s.URL+"/api/v1/clients/"+f.clientA+"?secret=opn_leaked", nil)
	r.Header.Set("Authorization", "Bearer "+f.tokens["staff"])
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Request-Id")
	resp, err = http.Get(s.MetricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, id) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("log line is not JSON: %s", l)
			}
		}
	}
	if line["route"] != "GET /api/v1/clients/{id}" || line["status"] != float64(200) || line["user_id"] != f.staffA || line["org_id"] != f.adminA.OrgID {
		t.Errorf("log line = %v", line)
	}
	for _, secret := range []string{f.clientA, "opn_leaked", f.tokens["staff"], "Anna"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
	if !strings.Contains(string(metrics), `opname_http_requests_total{code="200",route="GET /api/v1/clients/{id}"} 1`) {
		t.Errorf("metrics lack the request:\n%s", firstLine(metrics))
	}
}
