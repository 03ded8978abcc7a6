package web

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/evidence"
)

// "Who looked at my data" (NEN 7513) for the client: the access log's
// events of one client, each said as a line a client can read at B1 level
// — who, in which role, when, what and why. The words are the client's
// ("bekeek uw gesprek"); staff see the same lines, to know what the client
// will see.

// seenLine is one access to a client's data, in words.
type seenLine struct {
	// Who is a person's name, "u zelf" for the reader's own acts, or
	// "het systeem".
	Who string
	// Role is the person's role ("medewerker"), or empty for the system.
	Role string
	// When is the time in the organisation's zone, with the zone;
	// Datetime is the same time for machines (RFC 3339).
	When, Datetime string
	// What was done to what: "bekeek uw gesprek".
	What string
	// Why is the purpose, if the log gives one.
	Why string
}

// seenLines are a client's access events as lines in language l, times
// in loc. self reports whether an event is the reader's own act, said as
// "u zelf" (nil: none is).
func seenLines(events []opname.AccessEvent, self func(opname.AccessEvent) bool, loc *time.Location, l string) []seenLine {
	out := make([]seenLine, 0, len(events))
	for _, e := range events {
		line := seenLine{When: formatTime(e.Time, loc, l), Datetime: e.Time.UTC().Format(time.RFC3339)}
		switch {
		case self != nil && self(e):
			line.Who = translate(l, "seen.who.self")
		case e.UserRole == opname.RoleSystem:
			line.Who = translate(l, "seen.who.system")
		case strings.TrimSpace(e.UserName) != "":
			line.Who = e.UserName
		default:
			line.Who = translate(l, "seen.who.unknown")
		}
		if e.UserRole != opname.RoleRecipient {
			// A recipient's name is as the share gave it ("mr. Visser").
			line.Who = upperFirst(line.Who)
		}
		switch e.UserRole {
		case opname.RoleSystem:
		case opname.RoleLinkHolder:
			// Someone of the conversation, through their personal link:
			// their role there.
			line.Role = seenRole(opname.Role(e.OnBehalfOf), l)
		default:
			line.Role = seenRole(e.UserRole, l)
		}
		line.What, line.Why = seenWhat(e, l)
		out = append(out, line)
	}
	return out
}

// seenRole is a role in words: the roles of the organisation's people and
// of the people of a conversation who act through a link.
func seenRole(r opname.Role, l string) string {
	if _, ok := messages["seen.role."+string(r)]; ok {
		return translate(l, "seen.role."+string(r))
	}
	return translate(l, "seen.role.other")
}

// listPurpose is the purpose the store gives a read of a list: how many
// it showed, then the purpose of the read, if any.
var listPurpose = regexp.MustCompile(`^list of \d+(?:; (.*))?$`)

// seenWhat is what an event did, and why, in words. A few acts have words
// of their own ("downloadde uw opname"); the others are the action's verb
// with the object's words.
func seenWhat(e opname.AccessEvent, l string) (what, why string) {
	purpose := strings.TrimSpace(e.Purpose)
	if m := listPurpose.FindStringSubmatch(purpose); m != nil {
		purpose = m[1] // the words for the object say it is a list
	}
	own := "seen.what." + string(e.Action) + "." + e.ObjectType + "." + purpose
	switch _, ok := messages[own]; {
	case purpose != "" && ok:
		what, purpose = translate(l, own), ""
	default:
		what = seenAction(e.Action, e.ObjectType, l)
	}
	if e.Outcome == "failure" {
		what += " " + translate(l, "seen.failed")
	}
	return what, seenWhy(purpose, l)
}

// seenAction is the action's verb with the object's words.
func seenAction(a opname.AccessAction, objectType, l string) string {
	verb := "seen.action." + string(a)
	if _, ok := messages[verb]; !ok {
		verb = "seen.action.other"
	}
	object := "seen.object." + objectType
	if _, ok := messages[object]; !ok {
		object = "seen.object.other"
	}
	return sentence(translate(l, verb), []any{translate(l, object)})
}

// copyPurpose is the purpose of a copy handed to someone, with their name.
var copyPurpose = regexp.MustCompile(`^copy handed to (.+)$`)

// seenWhy is a purpose in words: the store's own purposes translated, and
// what a person typed (the reason a recording was erased) as typed.
func seenWhy(purpose, l string) string {
	switch m := copyPurpose.FindStringSubmatch(purpose); {
	case purpose == "":
		return ""
	case m != nil:
		// The pages hand copies to the client; the API to whom its caller
		// names.
		to := m[1]
		if _, ok := messages["seen.to."+to]; ok {
			to = translate(l, "seen.to."+to)
		}
		return fmt.Sprintf(translate(l, "seen.why.copy_to"), to)
	case strings.HasSuffix(purpose, ".pdf") && !strings.ContainsAny(purpose, " /"):
		return translate(l, "seen.why.pdf")
	}
	key := "seen.why." + strings.ReplaceAll(purpose, " ", "_")
	if _, ok := messages[key]; ok {
		return translate(l, key)
	}
	return purpose
}

// seenPurposes are the purposes the store and the web give reads and acts
// of client data; each has words (seen.why.*).
var seenPurposes = []string{"playback", "download", "printable", "audit", "participants", "recording page", "erase", "receipt", evidence.Purpose}
