package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/opname/opname"
)

// Conversations, their requests with every decision, and incidents. A
// caller sees them when they may see the client; others get NotFound.

// jsonText is v as JSON text for a column; a nil pointer is "".
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if string(b) == "null" {
		return ""
	}
	return string(b)
}

// fromJSON reads a column written by jsonText into v; "" leaves v alone.
func fromJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

var locations = []string{"office", "home_visit", "public_activity", "phone", "video_call"}

// AddConversation stores a conversation with a client the caller may see.
func (db *DB) AddConversation(ctx context.Context, c *opname.Conversation) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, c.ClientID); err != nil {
		return err
	}
	if !slices.Contains(locations, c.Location) {
		return invalid("location", c.Location, "conversation.location", "use office, home_visit, public_activity, phone or video_call")
	}
	if err := db.checkParticipants(ctx, a.OrgID, c.Participants); err != nil {
		return err
	}
	c.ID, c.OrgID, c.CreatedAt, c.CreatedBy = db.newID(), a.OrgID, db.Now().UTC().Truncate(1000), a.UserID
	if c.At.IsZero() {
		c.At = c.CreatedAt
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO conversations (id, org_id, client_id, at, location, topic, participants, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		c.ID, c.OrgID, c.ClientID, micro(c.At), c.Location, c.Topic, jsonText(c.Participants), micro(c.CreatedAt), c.CreatedBy)
	if err != nil {
		return fmt.Errorf("sqldb: add conversation: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: c.ClientID, ObjectType: "conversation", ObjectID: c.ID})
}

// checkParticipants checks that every participant's user_id names a person
// of the organisation. Whether the id is someone elsewhere is not told.
func (db *DB) checkParticipants(ctx context.Context, orgID string, ps []opname.Participant) error {
	for i, p := range ps {
		if p.UserID == "" {
			continue
		}
		field := fmt.Sprintf("participants[%d].user_id", i)
		if err := opname.Line.Check(field, p.UserID); err != nil {
			return err
		}
		_, err := db.userRole(ctx, orgID, p.UserID)
		if opname.KindOf(err) == opname.NotFound {
			return invalid(field, p.UserID, "participant.person", "no such person in this organisation")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

const conversationColumns = `id, org_id, client_id, at, location, topic, participants, created_at, created_by`

func scanConversation(row interface{ Scan(...any) error }) (*opname.Conversation, error) {
	var c opname.Conversation
	var at, created int64
	var participants string
	if err := row.Scan(&c.ID, &c.OrgID, &c.ClientID, &at, &c.Location, &c.Topic, &participants, &created, &c.CreatedBy); err != nil {
		return nil, err
	}
	c.At, c.CreatedAt = fromMicro(at), fromMicro(created)
	c.Participants = []opname.Participant{}
	return &c, fromJSON(participants, &c.Participants)
}

// Conversation returns a conversation with a client the caller may see,
// and logs the read.
func (db *DB) Conversation(ctx context.Context, id string) (*opname.Conversation, error) {
	c, err := db.conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, db.logRead(ctx, c.ClientID, "conversation", c.ID)
}

// conversation reads a conversation the caller may see, without logging.
func (db *DB) conversation(ctx context.Context, id string) (*opname.Conversation, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := scanConversation(db.read.QueryRowContext(ctx, db.q(`SELECT `+conversationColumns+` FROM conversations WHERE org_id = ? AND id = ?`), a.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("conversation")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: conversation: %w", err)
	}
	if _, err := db.client(ctx, a, c.ClientID); err != nil || !takesPart(a, c) {
		return nil, notFound("conversation")
	}
	return c, nil
}

// takesPart reports whether the caller may see conversation c as a party
// to it: a link holder only when their party takes part; everyone else
// who may see its client.
func takesPart(a opname.Actor, c *opname.Conversation) bool {
	if a.Role != opname.RoleLinkHolder {
		return true
	}
	_, ok := opname.PartyIndex(c, a.Party, "")
	return ok
}

// UpdateParticipants replaces a conversation's participants.
func (db *DB) UpdateParticipants(ctx context.Context, id string, ps []opname.Participant) error {
	c, err := db.conversation(ctx, id)
	if err != nil {
		return err
	}
	if err := db.checkParticipants(ctx, c.OrgID, ps); err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE conversations SET participants = ? WHERE org_id = ? AND id = ?`), jsonText(ps), c.OrgID, id); err != nil {
		return fmt.Errorf("sqldb: update participants: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: c.ClientID, ObjectType: "conversation", ObjectID: c.ID, Purpose: "participants"})
}

// ClientConversations lists a client's conversations, newest first.
func (db *DB) ClientConversations(ctx context.Context, clientID string) ([]opname.Conversation, error) {
	cs, _, err := db.clientConversations(ctx, clientID, nil, "")
	return cs, err
}

// ClientConversationsPage lists a page of a client's conversations, newest
// first, as one read.
func (db *DB) ClientConversationsPage(ctx context.Context, clientID string, p opname.Page) ([]opname.Conversation, string, error) {
	l, err := page(p, "client_conversations", "at", "id", true, true)
	if err != nil {
		return nil, "", err
	}
	return db.clientConversations(ctx, clientID, l, listed("", p))
}

// clientConversations lists a client's conversations: a page of them, or
// (l nil) all.
func (db *DB) clientConversations(ctx context.Context, clientID string, l *listing, which string) ([]opname.Conversation, string, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return nil, "", err
	}
	query, args := `SELECT `+conversationColumns+` FROM conversations WHERE org_id = ? AND client_id = ?`, []any{a.OrgID, clientID}
	sees := func(c *opname.Conversation) bool { return takesPart(a, c) }
	var cs []opname.Conversation
	next := ""
	if l != nil {
		read := func(l *listing) ([]opname.Conversation, error) {
			q, qargs := l.query(query, args)
			return db.conversations(ctx, q, qargs...)
		}
		cs, next, err = visiblePage(l, read, sees, conversationAt)
	} else {
		cs, err = db.conversations(ctx, query+` ORDER BY at DESC, id DESC`, args...)
		cs = slices.DeleteFunc(cs, func(c opname.Conversation) bool { return !sees(&c) })
	}
	if err != nil {
		return nil, "", err
	}
	return cs, next, db.logList(ctx, clientID, "conversations", which, len(cs))
}

func conversationAt(c *opname.Conversation) (string, string) { return microKey(micro(c.At)), c.ID }

// MyConversations lists a page of the conversations with the caller's
// clients (all clients for managers and administrators), newest first.
func (db *DB) MyConversations(ctx context.Context, p opname.Page) ([]opname.Conversation, string, error) {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "conversations", "at", "id", true, true)
	if err != nil {
		return nil, "", err
	}
	query := `SELECT ` + conversationColumns + ` FROM conversations c WHERE org_id = ?`
	args := []any{a.OrgID}
	if !canSeeAllClients(a.Role) {
		query += ` AND EXISTS (SELECT 1 FROM assignments s WHERE s.client_id = c.client_id AND s.user_id = ?)`
		args = append(args, a.UserID)
	}
	query, args = l.query(query, args)
	cs, err := db.conversations(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	cs, next := cut(l, cs, conversationAt)
	return cs, next, db.logList(ctx, "", "conversations", listed("", p), len(cs))
}

func (db *DB) conversations(ctx context.Context, query string, args ...any) ([]opname.Conversation, error) {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: conversations: %w", err)
	}
	defer rows.Close()
	out := []opname.Conversation{}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: conversations: %w", err)
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// AddRequest stores a request about a conversation the caller may see,
// with its first decision.
func (db *DB) AddRequest(ctx context.Context, r *opname.Request, situation, decision json.RawMessage, digest string) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return err
	}
	c, err := db.conversation(ctx, r.ConversationID)
	if err != nil {
		return err
	}
	r.ID, r.OrgID, r.ClientID, r.CreatedAt, r.CreatedBy = db.newID(), a.OrgID, c.ClientID, db.Now().UTC().Truncate(1000), a.UserID
	r.Decision = decision
	if r.Answers == nil {
		r.Answers = []opname.Answer{}
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO requests (id, org_id, client_id, conversation_id, act, outcome, decision, answers, weighty, alternative, manager, agreement, waiting_manager, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.ID, r.OrgID, r.ClientID, r.ConversationID, jsonText(r.Act), r.Outcome, string(decision), jsonText(r.Answers), jsonText(r.Weighty), r.Alternative, jsonText(r.Manager), jsonText(r.Agreement), waiting(r), micro(r.CreatedAt), r.CreatedBy)
		if err != nil {
			return err
		}
		return db.addDecision(ctx, tx, a, r, 0, situation, decision, digest)
	})
	if err != nil {
		return fmt.Errorf("sqldb: add request: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: r.ClientID, ObjectType: "request", ObjectID: r.ID})
}

// waiting is 1 when a request waits for a manager: for a decision, or for
// the organisation's consent that a manager gives.
func waiting(r *opname.Request) int {
	if r.ForManager || r.Manager != nil && r.Manager.Approved == nil {
		return 1
	}
	return 0
}

func (db *DB) addDecision(ctx context.Context, tx *sql.Tx, a opname.Actor, r *opname.Request, seq int64, situation, decision json.RawMessage, digest string) error {
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO request_decisions (request_id, seq, org_id, at, made_by, situation, decision, policy_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, seq, a.OrgID, micro(db.Now()), a.UserID, string(situation), string(decision), digest)
	return err
}

const requestColumns = `id, org_id, client_id, conversation_id, act, outcome, decision, answers, weighty, alternative, manager, agreement, created_at, created_by, version`

func scanRequest(row interface{ Scan(...any) error }) (*opname.Request, error) {
	var r opname.Request
	var act, decision, answers, weighty, manager, agreement string
	var created int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.ClientID, &r.ConversationID, &act, &r.Outcome, &decision, &answers, &weighty, &r.Alternative, &manager, &agreement, &created, &r.CreatedBy, &r.Version); err != nil {
		return nil, err
	}
	r.CreatedAt, r.Decision, r.Answers = fromMicro(created), json.RawMessage(decision), []opname.Answer{}
	return &r, errors.Join(fromJSON(act, &r.Act), fromJSON(answers, &r.Answers), fromJSON(weighty, &r.Weighty), fromJSON(manager, &r.Manager), fromJSON(agreement, &r.Agreement))
}

// Request returns a request about a client the caller may see, and logs
// the read.
func (db *DB) Request(ctx context.Context, id string) (*opname.Request, error) {
	r, err := db.request(ctx, id)
	if err != nil {
		return nil, err
	}
	return r, db.logRead(ctx, r.ClientID, "request", r.ID)
}

// request reads a request the caller may see, without logging.
func (db *DB) request(ctx context.Context, id string) (*opname.Request, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	r, err := scanRequest(db.read.QueryRowContext(ctx, db.q(`SELECT `+requestColumns+` FROM requests WHERE org_id = ? AND id = ?`), a.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("request")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: request: %w", err)
	}
	if _, err := db.client(ctx, a, r.ClientID); err != nil {
		return nil, notFound("request")
	}
	if a.Role == opname.RoleLinkHolder {
		if _, err := db.conversation(ctx, r.ConversationID); err != nil {
			return nil, notFound("request")
		}
	}
	return r, nil
}

// ConversationRequests lists a conversation's requests, oldest first.
func (db *DB) ConversationRequests(ctx context.Context, conversationID string) ([]opname.Request, error) {
	c, err := db.conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	rs, err := db.requests(ctx, `SELECT `+requestColumns+` FROM requests WHERE org_id = ? AND conversation_id = ? ORDER BY created_at, id`, c.OrgID, c.ID)
	if err != nil {
		return nil, err
	}
	return rs, db.logList(ctx, c.ClientID, "requests", "", len(rs))
}

// RequestsOf lists the requests of a page of conversations (at most
// opname.MaxPageSize), each conversation's oldest first, as one read:
// of their client when they share one, else of several clients.
func (db *DB) RequestsOf(ctx context.Context, conversationIDs []string) (map[string][]opname.Request, error) {
	if len(conversationIDs) > opname.MaxPageSize {
		return nil, fmt.Errorf("sqldb: requests of %d conversations: at most %d at once", len(conversationIDs), opname.MaxPageSize)
	}
	out := map[string][]opname.Request{}
	if len(conversationIDs) == 0 {
		return out, nil
	}
	var orgID, clientID string
	args := []any{}
	for i, id := range conversationIDs {
		c, err := db.conversation(ctx, id)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			clientID = c.ClientID
		} else if c.ClientID != clientID {
			clientID = "" // of several clients
		}
		orgID = c.OrgID
		args = append(args, c.ID)
		out[c.ID] = []opname.Request{}
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	rs, err := db.requests(ctx, `SELECT `+requestColumns+` FROM requests WHERE org_id = ? AND conversation_id IN (`+marks+`) ORDER BY created_at, id`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		out[r.ConversationID] = append(out[r.ConversationID], r)
	}
	return out, db.logList(ctx, clientID, "requests", "", len(rs))
}

// Inbox lists a page of the requests waiting for a manager's decision,
// oldest first.
func (db *DB) Inbox(ctx context.Context, p opname.Page) ([]opname.Request, string, error) {
	a, err := orgActor(ctx, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "inbox", "created_at", "id", false, true)
	if err != nil {
		return nil, "", err
	}
	query, args := l.query(`SELECT `+requestColumns+` FROM requests WHERE org_id = ? AND waiting_manager = 1`, []any{a.OrgID})
	rs, err := db.requests(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	rs, next := cut(l, rs, func(r *opname.Request) (string, string) { return microKey(micro(r.CreatedAt)), r.ID })
	return rs, next, db.logList(ctx, "", "inbox", listed("", p), len(rs))
}
func (db *DB) requests(ctx context.Context, query string, args ...any) ([]opname.Request, error) {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: requests: %w", err)
	}
	defer rows.Close()
	out := []opname.Request{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: requests: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// UpdateRequest stores a request's new state and the decision it led to.
func (db *DB) UpdateRequest(ctx context.Context, r *opname.Request, situation, decision json.RawMessage, digest string) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RoleLinkHolder)
	if err != nil {
		return err
	}
	if _, err := db.request(ctx, r.ID); err != nil {
		return err
	}
	r.Decision = decision
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE requests SET act = ?, outcome = ?, decision = ?, answers = ?, weighty = ?, alternative = ?, manager = ?, agreement = ?, waiting_manager = ?, version = version + 1 WHERE org_id = ? AND id = ? AND version = ?`),
			jsonText(r.Act), r.Outcome, string(decision), jsonText(r.Answers), jsonText(r.Weighty), r.Alternative, jsonText(r.Manager), jsonText(r.Agreement), waiting(r), a.OrgID, r.ID, r.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opname.Coded(opname.Conflict, "request.changed", "the request was changed by someone else meanwhile; look again and retry")
		}
		r.Version++
		return db.addDecision(ctx, tx, a, r, r.Version, situation, decision, digest)
	})
	if opname.KindOf(err) == opname.Conflict {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqldb: update request: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: r.ClientID, ObjectType: "request", ObjectID: r.ID})
}

// RequestDecisions lists every decision a request led to, oldest first.
func (db *DB) RequestDecisions(ctx context.Context, requestID string) ([]opname.StoredDecision, error) {
	r, err := db.request(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if err := db.logRead(ctx, r.ClientID, "request_decisions", r.ID); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT seq, at, made_by, situation, decision, policy_digest FROM request_decisions WHERE org_id = ? AND request_id = ? ORDER BY seq`), r.OrgID, r.ID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: request decisions: %w", err)
	}
	defer rows.Close()
	out := []opname.StoredDecision{}
	for rows.Next() {
		var d opname.StoredDecision
		var at int64
		var sit, dec string
		if err := rows.Scan(&d.Seq, &at, &d.MadeBy, &sit, &dec, &d.PolicyDigest); err != nil {
			return nil, fmt.Errorf("sqldb: request decisions: %w", err)
		}
		d.At, d.Situation, d.Decision = fromMicro(at), json.RawMessage(sit), json.RawMessage(dec)
		out = append(out, d)
	}
	return out, rows.Err()
}

// AddIncident stores an incident about a client the caller may see.
func (db *DB) AddIncident(ctx context.Context, i *opname.Incident) error {
	a, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := db.client(ctx, a, i.ClientID); err != nil {
		return err
	}
	if !slices.Contains(opname.IncidentKinds, i.Kind) {
		return invalid("kind", i.Kind, "incident.kind", "use covert_recording or agreements_broken")
	}
	i.ID, i.OrgID, i.OpenedAt, i.OpenedBy = db.newID(), a.OrgID, db.Now().UTC().Truncate(1000), a.UserID
	if i.Steps == nil {
		i.Steps = []opname.IncidentStep{}
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO incidents (id, org_id, client_id, conversation_id, kind, description, who, ladder, steps, closed, opened_at, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`),
		i.ID, i.OrgID, i.ClientID, i.ConversationID, i.Kind, i.Description, jsonText(whoOf(i)), jsonText(i.Ladder), jsonText(i.Steps), micro(i.OpenedAt), i.OpenedBy)
	if err != nil {
		return fmt.Errorf("sqldb: add incident: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessCreate, ClientID: i.ClientID, ObjectType: "incident", ObjectID: i.ID})
}

const incidentColumns = `id, org_id, client_id, conversation_id, kind, description, who, ladder, steps, closed, opened_at, opened_by`

// incidentWho is what an incident says of a covert recording, as the
// column who holds it.
type incidentWho struct {
	Medium        string `json:"medium,omitempty"`
	Recorder      *int   `json:"recorder,omitempty"`
	RecorderOther string `json:"recorder_other,omitempty"`
	Present       []int  `json:"present,omitempty"`
}

func whoOf(i *opname.Incident) *incidentWho {
	if i.Medium == "" && i.Recorder == nil && i.RecorderOther == "" && len(i.Present) == 0 {
		return nil
	}
	return &incidentWho{Medium: i.Medium, Recorder: i.Recorder, RecorderOther: i.RecorderOther, Present: i.Present}
}

func scanIncident(row interface{ Scan(...any) error }) (*opname.Incident, error) {
	var i opname.Incident
	var who, ladder, steps string
	var closed, opened int64
	if err := row.Scan(&i.ID, &i.OrgID, &i.ClientID, &i.ConversationID, &i.Kind, &i.Description, &who, &ladder, &steps, &closed, &opened, &i.OpenedBy); err != nil {
		return nil, err
	}
	i.Closed, i.OpenedAt, i.Ladder, i.Steps = closed == 1, fromMicro(opened), []string{}, []opname.IncidentStep{}
	var w incidentWho
	err := errors.Join(fromJSON(who, &w), fromJSON(ladder, &i.Ladder), fromJSON(steps, &i.Steps))
	i.Medium, i.Recorder, i.RecorderOther, i.Present = w.Medium, w.Recorder, w.RecorderOther, w.Present
	return &i, err
}

// Incident returns an incident about a client the caller may see, and
// logs the read.
func (db *DB) Incident(ctx context.Context, id string) (*opname.Incident, error) {
	i, err := db.incident(ctx, id)
	if err != nil {
		return nil, err
	}
	return i, db.logRead(ctx, i.ClientID, "incident", i.ID)
}

// incident reads an incident the caller may see, without logging.
func (db *DB) incident(ctx context.Context, id string) (*opname.Incident, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, err
	}
	i, err := scanIncident(db.read.QueryRowContext(ctx, db.q(`SELECT `+incidentColumns+` FROM incidents WHERE org_id = ? AND id = ?`), a.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("incident")
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: incident: %w", err)
	}
	if _, err := db.client(ctx, a, i.ClientID); err != nil {
		return nil, notFound("incident")
	}
	return i, nil
}

// UpdateIncident stores an incident's steps and whether it is closed.
func (db *DB) UpdateIncident(ctx context.Context, i *opname.Incident) error {
	if _, err := orgActor(ctx, opname.RoleStaff, opname.RoleManager, opname.RoleAdmin); err != nil {
		return err
	}
	old, err := db.incident(ctx, i.ID)
	if err != nil {
		return err
	}
	closed := 0
	if i.Closed {
		closed = 1
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE incidents SET steps = ?, closed = ? WHERE org_id = ? AND id = ?`), jsonText(i.Steps), closed, old.OrgID, i.ID); err != nil {
		return fmt.Errorf("sqldb: update incident: %w", err)
	}
	return db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: old.ClientID, ObjectType: "incident", ObjectID: i.ID})
}

// ClientIncidents lists a page of a client's incidents, newest first.
func (db *DB) ClientIncidents(ctx context.Context, clientID string, p opname.Page) ([]opname.Incident, string, error) {
	a, err := orgActor(ctx)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "client_incidents", "opened_at", "id", true, true)
	if err != nil {
		return nil, "", err
	}
	if _, err := db.client(ctx, a, clientID); err != nil {
		return nil, "", err
	}
	query, args := l.query(`SELECT `+incidentColumns+` FROM incidents WHERE org_id = ? AND client_id = ?`, []any{a.OrgID, clientID})
	is, err := db.incidents(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	is, next := cut(l, is, incidentAt)
	return is, next, db.logList(ctx, clientID, "incidents", listed("", p), len(is))
}

// OpenIncidents lists a page of the organisation's open incidents, newest
// first, for managers.
func (db *DB) OpenIncidents(ctx context.Context, p opname.Page) ([]opname.Incident, string, error) {
	a, err := orgActor(ctx, opname.RoleManager, opname.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	l, err := page(p, "incidents", "opened_at", "id", true, true)
	if err != nil {
		return nil, "", err
	}
	query, args := l.query(`SELECT `+incidentColumns+` FROM incidents WHERE org_id = ? AND closed = 0`, []any{a.OrgID})
	is, err := db.incidents(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	is, next := cut(l, is, incidentAt)
	return is, next, db.logList(ctx, "", "incidents", listed("", p), len(is))
}

func incidentAt(i *opname.Incident) (string, string) { return microKey(micro(i.OpenedAt)), i.ID }

func (db *DB) incidents(ctx context.Context, query string, args ...any) ([]opname.Incident, error) {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: incidents: %w", err)
	}
	defer rows.Close()
	out := []opname.Incident{}
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: incidents: %w", err)
		}
		out = append(out, *i)
	}
	return out, rows.Err()
}
