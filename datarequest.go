package opname

import (
	"context"
	"time"
)

// The client's rights under the AVG (GDPR articles 15–17). A client, or
// staff on their behalf, asks to correct or erase data (a DataRequest); the
// privacy officer decides with reasons — the Jeugdwet and the WGBO may
// oblige the organisation to keep a dossier — and says what was done. The
// client sees the decision on their link's pages. Access (article 15) is
// the download of everything opname holds about the client (package
// evidence, ClientData), logged as an export of ObjectClientData.

// ObjectClientData is the access log's object type of an AVG access
// download; ObjectDataRequest that of an erasure or correction request.
const (
	ObjectClientData  = "client_data"
	ObjectDataRequest = "data_request"
)

// Kinds of data request.
const (
	DataErasure    = "erasure"
	DataCorrection = "correction"
)

// DataRequestKinds are the kinds a request may be.
var DataRequestKinds = []string{DataErasure, DataCorrection}

// Decisions on a data request; DataOpen is a request not decided yet.
const (
	DataOpen    = "open"
	DataGranted = "granted"
	DataPartly  = "partly"
	DataRefused = "refused"
)

// DataDecisions are the decisions the privacy officer may take.
var DataDecisions = []string{DataGranted, DataPartly, DataRefused}

// DataRequest is a client's request to correct or erase data.
type DataRequest struct {
	ID       string `json:"id"`
	ClientID string `json:"client_id"`
	Kind     string `json:"kind"`
	// What is which data the request is about, in the asker's words;
	// RecordingID names one recording when the request is about it.
	What        string `json:"what"`
	RecordingID string `json:"recording_id,omitempty"`
	// Ask is what they ask, in their own words.
	Ask string `json:"ask"`
	// ByRole and ByName are who made it: a link holder (their party in
	// ByParty) or staff on the client's behalf.
	ByRole    Role      `json:"by_role"`
	ByParty   string    `json:"by_party,omitempty"`
	ByName    string    `json:"by_name,omitempty"`
	By        string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// Status is DataOpen until the privacy officer decides; Reasons say
	// why, Done what was done.
	Status    string     `json:"status"`
	Reasons   string     `json:"reasons,omitempty"`
	Done      string     `json:"done,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

// DataRequests keeps the client's requests. Every read is logged as a read
// of ObjectDataRequest; making one is logged as a create, deciding as an
// update.
type DataRequests interface {
	// AddDataRequest records a request for r.ClientID: made by a link
	// holder of that client or by staff who may see the client.
	AddDataRequest(ctx context.Context, r *DataRequest) error
	// ClientDataRequests lists a client's requests, newest first: to
	// staff who may see the client, all; to a link holder, those they may
	// see (the client's own link: those made through a client's link or
	// by staff; anyone else's: their own).
	ClientDataRequests(ctx context.Context, clientID string) ([]DataRequest, error)
	// DataRequest reads one request the caller may see.
	DataRequest(ctx context.Context, id string) (*DataRequest, error)
	// OpenDataRequests lists the organisation's undecided requests,
	// oldest first, for the privacy officer.
	OpenDataRequests(ctx context.Context) ([]DataRequest, error)
	// DecideDataRequest records the privacy officer's decision on an open
	// request: status one of DataDecisions, with reasons and what was
	// done. A decided request is a Conflict.
	DecideDataRequest(ctx context.Context, id, status, reasons, done string) (*DataRequest, error)
	// UntoldDataDecisions counts the decisions on the requests a link
	// holder may see that their side has not shown them yet (listing them
	// to the holder shows them).
	UntoldDataDecisions(ctx context.Context) (int, error)
	// LogClientExport records that everything of the client was exported
	// (an AVG access download) by the caller, who must be able to see the
	// client. It MUST NOT return before the record is durable.
	LogClientExport(ctx context.Context, clientID string) error
}
