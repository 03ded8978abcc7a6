package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Situation is one act on a recording of one conversation, as the staff
// member or client describes it (contract: "Situation (input)").
type Situation struct {
	Action              string            `json:"action"`
	Medium              string            `json:"medium"`
	By                  string            `json:"by"`
	Announced           string            `json:"announced"`
	Covert              bool              `json:"covert"`
	Purpose             string            `json:"purpose"`
	Location            string            `json:"location"`
	ByTakesPart         bool              `json:"by_takes_part"`
	MinorInterestAtRisk bool              `json:"minor_interest_at_risk"`
	WeightyReasons      []string          `json:"weighty_reasons"`
	OrganisationConsent string            `json:"organisation_consent"`
	Recipient           string            `json:"recipient"`
	EditDeclared        bool              `json:"edit_declared"`
	Participants        []Participant     `json:"participants"`
	Decisions           map[string]string `json:"decisions"`
	Declaration         string            `json:"declaration"`
	// Recorder is the index in Participants of the one person who records,
	// edits, shares, publishes or asks for a copy; nil when nobody in the
	// conversation does (see [Situation.RecorderIndex]).
	Recorder *int `json:"recorder,omitempty"`
}

// RecorderIndex is the participant who acts: Recorder when given, else the
// first participant whose role matches By (client: a client; organisation:
// a staff member; other: anyone else but a client or staff member), or -1
// when nobody in the conversation acts.
func (s *Situation) RecorderIndex() int {
	if s.Recorder != nil {
		return *s.Recorder
	}
	if !s.ByTakesPart {
		return -1
	}
	return slices.IndexFunc(s.Participants, func(p Participant) bool { return actsAs(p.Role, s.By) })
}

// actsAs reports whether a participant of role can act as by.
func actsAs(role, by string) bool {
	switch by {
	case "client":
		return role == "client"
	case "organisation":
		return role == "staff"
	default:
		return role != "client" && role != "staff"
	}
}

// Participant is one person in the conversation.
type Participant struct {
	Role     string `json:"role"`
	Age      *int   `json:"age,omitempty"`
	Capacity string `json:"capacity"`
	Consent  string `json:"consent"`
	Willing  bool   `json:"willing"`
}

// Minor reports whether the participant is under 18: by age when it is
// known, else by the role child.
func (p Participant) Minor() bool {
	if p.Age != nil {
		return *p.Age < 18
	}
	return p.Role == "child"
}

// The values a situation's fields may take. The first value of an optional
// field is its default.
var (
	actionValues    = []string{"record", "copy", "edit", "share", "publish"}
	mediumValues    = []string{"audio", "video"}
	byValues        = []string{"client", "organisation", "other"}
	announcedValues = []string{"in_advance", "at_start", "not_announced"}
	purposeValues   = []string{"private_use", "complaint_procedure", "legal_proceedings", "publication", "other"}
	locationValues  = []string{"office", "home_visit", "public_activity", "phone", "video_call"}
	consentValues   = []string{"unknown", "given", "refused"}
	roleValues      = []string{"client", "staff", "parent", "child", "guardian", "representative", "other"}
	capacityValues  = []string{"capable", "incapable"}
	verdictValues   = []string{"approved", "rejected"}
	declValues      = []string{"unknown", "signed", "refused"}
	// recipientValues are kinds of recipient; "" is none.
	recipientValues = append([]string{""}, Recipients.Codes()...)
)

// maxAge bounds participants[].age; anything above is a typing mistake.
const maxAge = 130

// maxSituationBytes bounds the size of one situation document.
const maxSituationBytes = 1 << 20

// The wire form keeps optional fields as pointers so that an explicit empty
// or null value is an error instead of silently becoming the default.
type wireSituation struct {
	Action              *string            `json:"action"`
	Medium              *string            `json:"medium"`
	By                  *string            `json:"by"`
	Announced           *string            `json:"announced"`
	Covert              *bool              `json:"covert"`
	Purpose             *string            `json:"purpose"`
	Location            *string            `json:"location"`
	ByTakesPart         *bool              `json:"by_takes_part"`
	MinorInterestAtRisk *bool              `json:"minor_interest_at_risk"`
	WeightyReasons      []string           `json:"weighty_reasons"`
	OrganisationConsent *string            `json:"organisation_consent"`
	Recipient           *string            `json:"recipient"`
	EditDeclared        *bool              `json:"edit_declared"`
	Participants        []wireParticipant  `json:"participants"`
	Decisions           map[string]*string `json:"decisions"`
	Declaration         *string            `json:"declaration"`
	Recorder            *int64             `json:"recorder"`
}

type wireParticipant struct {
	Role     *string `json:"role"`
	Age      *int64  `json:"age"`
	Capacity *string `json:"capacity"`
	Consent  *string `json:"consent"`
	Willing  *bool   `json:"willing"`
}

// ParseSituation reads one situation as JSON. Unknown fields, values outside
// the contract's code words and trailing data are errors; the error names the
// field and the value.
func ParseSituation(r io.Reader) (Situation, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSituationBytes+1))
	if err != nil {
		return Situation{}, fmt.Errorf("situation: read: %w", err)
	}
	if len(data) > maxSituationBytes {
		return Situation{}, invalid("situation", "", "larger than %d bytes", maxSituationBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Situation{}, invalid("situation", "", "empty input: expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w wireSituation
	if err := dec.Decode(&w); err != nil {
		return Situation{}, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Situation{}, invalid("situation", "", "unexpected data after the JSON object at offset %d", dec.InputOffset())
	}
	return w.situation()
}

func (w *wireSituation) situation() (Situation, error) {
	s := Situation{WeightyReasons: []string{}, Decisions: map[string]string{}}
	for _, f := range []struct {
		name     string
		dst, src *string
		values   []string
		required bool
	}{
		{"action", &s.Action, w.Action, actionValues, true},
		{"medium", &s.Medium, w.Medium, mediumValues, true},
		{"by", &s.By, w.By, byValues, true},
		{"announced", &s.Announced, w.Announced, announcedValues, false},
		{"purpose", &s.Purpose, w.Purpose, purposeValues, false},
		{"location", &s.Location, w.Location, locationValues, false},
		{"organisation_consent", &s.OrganisationConsent, w.OrganisationConsent, consentValues, false},
		{"declaration", &s.Declaration, w.Declaration, declValues, false},
		{"recipient", &s.Recipient, w.Recipient, recipientValues, false},
	} {
		var err error
		if f.required {
			*f.dst, err = required(f.name, f.src, f.values)
		} else {
			*f.dst, err = optional(f.name, f.src, f.values)
		}
		if err != nil {
			return s, err
		}
	}
	s.Covert = boolOr(w.Covert, false)
	s.ByTakesPart = boolOr(w.ByTakesPart, true)
	s.MinorInterestAtRisk = boolOr(w.MinorInterestAtRisk, false)
	s.EditDeclared = boolOr(w.EditDeclared, false)
	for i, r := range w.WeightyReasons {
		r = strings.TrimSpace(r)
		field := fmt.Sprintf("weighty_reasons[%d]", i)
		if r == "" {
			return s, invalid(field, "", "a weighty reason cannot be empty")
		}
		if len(r) > 500 {
			return s, invalid(field, r[:40]+"…", "longer than 500 characters")
		}
		s.WeightyReasons = append(s.WeightyReasons, r)
	}
	for role, v := range w.Decisions {
		field := "decisions." + role
		if !slices.Contains(Deciders.Codes(), role) {
			return s, invalid("decisions", role, "not one of %s", strings.Join(Deciders.Codes(), ", "))
		}
		verdict, err := required(field, v, verdictValues)
		if err != nil {
			return s, err
		}
		s.Decisions[role] = verdict
	}
	if len(w.Participants) == 0 {
		return s, invalid("participants", "", "at least one participant is required")
	}
	for i, wp := range w.Participants {
		p, err := wp.participant(fmt.Sprintf("participants[%d]", i))
		if err != nil {
			return s, err
		}
		s.Participants = append(s.Participants, p)
	}
	if w.Recorder != nil {
		if err := s.setRecorder(*w.Recorder); err != nil {
			return s, err
		}
	}
	return s, nil
}

// setRecorder checks that the recorder is a participant who can act as by.
func (s *Situation) setRecorder(i int64) error {
	v := strconv.FormatInt(i, 10)
	switch {
	case i < 0 || i >= int64(len(s.Participants)):
		return invalid("recorder", v, "not a participant: there are %d, counted from 0", len(s.Participants))
	case !s.ByTakesPart:
		return invalid("recorder", v, "names a participant, but by_takes_part is false")
	}
	if role := s.Participants[i].Role; !actsAs(role, s.By) {
		return invalid("recorder", v, "participant %d has role %s, which cannot act as by %q", i, role, s.By)
	}
	n := int(i)
	s.Recorder = &n
	return nil
}

func (w *wireParticipant) participant(field string) (Participant, error) {
	var p Participant
	var err error
	if p.Role, err = required(field+".role", w.Role, roleValues); err != nil {
		return p, err
	}
	if p.Capacity, err = optional(field+".capacity", w.Capacity, capacityValues); err != nil {
		return p, err
	}
	if p.Consent, err = optional(field+".consent", w.Consent, consentValues); err != nil {
		return p, err
	}
	if w.Age != nil {
		if *w.Age < 0 || *w.Age > maxAge {
			return p, invalid(field+".age", strconv.FormatInt(*w.Age, 10), "an age must be between 0 and %d", maxAge)
		}
		age := int(*w.Age)
		p.Age = &age
	}
	p.Willing = boolOr(w.Willing, true)
	if !p.Willing && p.Role != "staff" {
		return p, invalid(field+".willing", "false", "only staff can be unwilling to take part; role is %q", p.Role)
	}
	return p, nil
}

func required(field string, v *string, values []string) (string, error) {
	if v == nil {
		e := invalid(field, "", "missing; one of %s is required", strings.Join(values, ", "))
		e.Code = "situation.missing"
		return "", e
	}
	return oneOf(field, *v, values)
}

func optional(field string, v *string, values []string) (string, error) {
	if v == nil {
		return values[0], nil
	}
	return oneOf(field, *v, values)
}

func oneOf(field, v string, values []string) (string, error) {
	if !slices.Contains(values, v) {
		e := invalid(field, v, "not one of %s", strings.Join(values, ", "))
		e.Code = "situation.choice"
		return "", e
	}
	return v, nil
}

func boolOr(v *bool, def bool) bool {
	if v == nil {
		return def
	}
	return *v
}

// jsonError turns a decoding error into one that names the field and value.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return invalid("situation", "", "malformed JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "situation"
		}
		return invalid(field, typ.Value, "wrong type: expected %s", jsonTypeName(typ.Type.String()))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return invalid("situation", "", "malformed JSON: the input ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if name = strings.Trim(name, `"`); name != "" {
			return invalid(name, "", "unknown field")
		}
		return invalid("situation", "", `unknown field ""`)
	}
	return invalid("situation", "", "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonTypeName(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int64", "int":
		return "a whole number"
	case "policy.wireSituation":
		return "a JSON object"
	case "[]string":
		return "a list of strings"
	case "[]policy.wireParticipant":
		return "a list of participants"
	case "policy.wireParticipant":
		return "a participant object"
	case "map[string]*string":
		return "an object"
	}
	return goType
}

func position(data []byte, offset int64) (line, col int) {
	offset = min(offset, int64(len(data)))
	line = 1 + bytes.Count(data[:offset], []byte{'\n'})
	col = int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	return line, col
}
