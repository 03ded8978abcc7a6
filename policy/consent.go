package policy

import "slices"

// Who is asked (contract: "Who is asked"). A rule's consent_from names
// parties and selectors; asking resolves them to people: every participant
// but the one who acts, the organisation, and — where the policy adopts the
// WGBO — whoever answers for a person who cannot decide alone.

// asked is one answer a consent rule waits for.
type asked struct {
	// role is the party: a participant's role, or "organisation".
	role string
	// person is the participant's index; -1 for the organisation and for a
	// representative who is not in the conversation.
	person int
	// answer is given, refused or unknown.
	answer string
}

// Why someone else answers for a person (WGBO).
const (
	underTwelve  = "under_12"    // the parents or guardian decide
	twelveToSixt = "12_to_15"    // the minor and the parents or guardian decide
	ageUnknown   = "age_unknown" // a child of unknown age: both decide
	noCapacity   = "incapable"   // an adult lacking capacity: the representative
)

// representation notes that someone else answers for a person.
type representation struct {
	role string // the represented person's role
	why  string
	// by is the party who answers for them: parent or representative.
	by string
}

// ask resolves a rule's consent_from to the answers it waits for, in the
// order of the participants, the organisation last.
func (p *Policy) ask(s *Situation, recorder int, from []string) ([]asked, []representation) {
	var few [8]int
	persons := few[:0]
	org, absentClient := false, false
	add := func(i int) {
		if i != recorder && !slices.Contains(persons, i) {
			persons = append(persons, i)
		}
	}
	addRole := func(role string) {
		for i, x := range s.Participants {
			if x.Role == role {
				add(i)
			}
		}
	}
	for _, who := range from {
		switch who {
		case "organisation":
			org = true
		case OtherParty:
			if s.By == "client" {
				org = true
				continue
			}
			// The client is the other party even when they are not in the
			// conversation.
			addRole("client")
			absentClient = absentClient || !slices.ContainsFunc(s.Participants, func(x Participant) bool { return x.Role == "client" })
			org = org || s.By == "other"
		case OtherParticipants, OtherParticipantsExceptStaff:
			for i, x := range s.Participants {
				if who == OtherParticipants || x.Role != "staff" {
					add(i)
				}
			}
		default:
			addRole(who)
		}
	}
	slices.Sort(persons)

	// Everyone but the one who acts, the organisation, and one absent
	// representative or client: one allocation.
	out := make([]asked, 0, len(s.Participants)+2)
	var notes []representation
	put := func(i int) {
		if i != recorder && !slices.ContainsFunc(out, func(a asked) bool { return a.person == i }) {
			out = append(out, asked{role: s.Participants[i].Role, person: i, answer: s.Participants[i].Consent})
		}
	}
	for _, i := range persons {
		if p.Representation != RepresentationWGBO {
			put(i)
			continue
		}
		x := s.Participants[i]
		by, why, self := wgbo(x)
		if self {
			put(i)
		}
		if by == "" {
			continue
		}
		notes = append(notes, representation{role: x.Role, why: why, by: by})
		// When the one who acts speaks for this person, the others who
		// speak for them are still asked.
		speakers := representatives(s, i, by)
		for _, j := range speakers {
			put(j)
		}
		absent := func(a asked) bool { return a.person < 0 && a.role == by }
		if len(speakers) == 0 && !slices.ContainsFunc(out, absent) {
			out = append(out, asked{role: by, person: -1, answer: "unknown"})
		}
	}
	if absentClient {
		out = append(out, asked{role: "client", person: -1, answer: "unknown"})
	}
	// The organisation is not asked when it acts itself.
	if org && s.By != "organisation" {
		out = append(out, asked{role: "organisation", person: -1, answer: s.OrganisationConsent})
	}
	return out, notes
}

// wgbo says who decides for a person under the WGBO: by is parent or
// representative when someone else answers for them ("" when nobody
// does), and self whether they answer too. Staff answer for themselves.
func wgbo(x Participant) (by, why string, self bool) {
	switch {
	case x.Role == "staff":
		return "", "", true
	case x.Minor() && x.Age == nil:
		return "parent", ageUnknown, true
	case x.Minor() && *x.Age < 12:
		return "parent", underTwelve, false
	case x.Minor() && *x.Age < 16:
		return "parent", twelveToSixt, true
	case x.Minor():
		return "", "", true
	case x.Capacity == "incapable":
		return "representative", noCapacity, false
	}
	return "", "", true
}

// representatives are the participants who speak for person i: for a minor
// the parents and guardians present, for an adult lacking capacity the
// representatives present.
func representatives(s *Situation, i int, by string) []int {
	var out []int
	for j, x := range s.Participants {
		if j == i {
			continue
		}
		if by == "parent" && (x.Role == "parent" || x.Role == "guardian") || by == "representative" && x.Role == "representative" {
			out = append(out, j)
		}
	}
	return out
}
