package policy

import (
	"math/bits"
	"slices"
)

// Text is a piece of user-facing text in Dutch and English.
type Text struct {
	NL string `json:"nl" yaml:"nl"`
	EN string `json:"en" yaml:"en"`
}

// In returns the text in lang ("nl" or "en"), falling back to the other
// language when a translation is missing.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" || t.NL == "" {
		return t.EN
	}
	return t.NL
}

// Term is one code word of the contract with its plain-language label.
type Term struct {
	Code  string
	Label Text
}

// Vocabulary is a closed list of code words in their canonical order.
// Decisions list code words in this order, whatever order rules gave them in.
type Vocabulary []Term

// Has reports whether code is one of the vocabulary's code words.
func (v Vocabulary) Has(code string) bool { return v.index(code) >= 0 }

// Label returns the plain-language label of code in lang.
func (v Vocabulary) Label(code, lang string) string {
	if i := v.index(code); i >= 0 {
		return v[i].Label.In(lang)
	}
	return code
}

// Labels returns the plain-language labels of codes in lang, in the order
// given.
func (v Vocabulary) Labels(codes []string, lang string) []string {
	out := make([]string, len(codes))
	for i, code := range codes {
		out[i] = v.Label(code, lang)
	}
	return out
}

// Codes returns the code words in canonical order.
func (v Vocabulary) Codes() []string {
	codes := make([]string, len(v))
	for i, t := range v {
		codes[i] = t.Code
	}
	return codes
}

func (v Vocabulary) index(code string) int {
	return slices.IndexFunc(v, func(t Term) bool { return t.Code == code })
}

// codeSet is a set of a vocabulary's codes: bit i stands for its code i.
// A vocabulary has at most 64 codes (TestVocabulariesFitCodeSets).
type codeSet uint64

// set returns the set of codes, leaving out codes the vocabulary lacks.
func (v Vocabulary) set(codes []string) codeSet {
	var s codeSet
	for _, code := range codes {
		if i := v.index(code); i >= 0 {
			s |= 1 << i
		}
	}
	return s
}

// set1 returns the set of code alone, or the empty set when the
// vocabulary lacks it.
func (v Vocabulary) set1(code string) codeSet {
	if i := v.index(code); i >= 0 {
		return 1 << i
	}
	return 0
}

// len is the number of codes in s.
func (s codeSet) len() int { return bits.OnesCount64(uint64(s)) }

// appendCodes appends the codes of s to out in canonical order.
func (v Vocabulary) appendCodes(out []string, s codeSet) []string {
	for s != 0 {
		i := bits.TrailingZeros64(uint64(s))
		out = append(out, v[i].Code)
		s &^= 1 << i
	}
	return out
}

// codes returns the codes of s in canonical order, never nil.
func (v Vocabulary) codes(s codeSet) []string {
	return v.appendCodes(make([]string, 0, s.len()), s)
}

// The code words of the contract (spec/contract.md). More may be added; each
// is documented by its label. Existing codes are never renamed or removed.
var (
	Obligations = Vocabulary{
		{"org_records_too", Text{
			"De organisatie neemt het gesprek ook op en voegt die opname toe aan het dossier.",
			"The organisation records the conversation too and adds that recording to the file."}},
		{"record_agreements", Text{
			"Spreek de afspraken in aan het begin van de opname, of zet ze in een contract.",
			"Speak the agreements at the start of the recording, or put them in a contract."}},
		{"signed_declaration", Text{
			"De afspraken staan in een verklaring die beide partijen ondertekenen.",
			"The agreements go into a declaration that both parties sign."}},
		{"written_decision_in_dossier", Text{
			"De beslissing wordt op papier gezet en bewaard in het dossier van de cliënt.",
			"The decision is put in writing and kept in the client's file."}},
		{"consult_colleagues", Text{
			"De medewerker bespreekt het verzoek met collega's.",
			"The staff member discusses the request with colleagues."}},
		{"inform_manager", Text{
			"De medewerker laat het verzoek weten aan de manager.",
			"The staff member informs the manager of the request."}},
		{"two_staff_present", Text{
			"Twee medewerkers voeren het gesprek.",
			"Two staff members conduct the conversation."}},
		{"extra_care_vulnerable", Text{
			"Er is een kind of een volwassene die niet zelf kan beslissen bij het gesprek. Let daar extra op.",
			"A child or an adult who cannot decide for themselves takes part. Take extra care."}},
		{"provide_copy", Text{
			"Geef de andere partij een kopie van de opname als die daarom vraagt.",
			"Give the other party a copy of the recording when they ask for it."}},
		{"stop_recording", Text{
			"Stop de opname.",
			"Stop the recording."}},
	}

	Agreements = Vocabulary{
		{"copy_on_request", Text{
			"Wie opneemt, geeft de ander een kopie als die daarom vraagt.",
			"Whoever records gives the other party a copy on request."}},
		{"no_editing_unless_communicated", Text{
			"Niemand knipt of plakt in de opname, tenzij dat wordt gemeld.",
			"Nobody cuts or pastes in the recording unless this has been made known."}},
		{"no_sharing_without_consent", Text{
			"Niemand geeft de opname aan anderen of maakt hem openbaar, tenzij de ander het daarmee eens is.",
			"Nobody passes the recording on or makes it public unless the other party agrees."}},
		{"private_use_only", Text{
			"De opname is alleen voor eigen gebruik.",
			"The recording is for private use only."}},
		{"role_in_decision_process", Text{
			"Er is afgesproken welke rol de opname heeft bij latere beslissingen.",
			"It is agreed what role the recording plays in later decisions."}},
	}

	Alternatives = Vocabulary{
		{"companion_listens", Text{
			"Neem iemand mee die het gesprek meeluistert.",
			"Bring someone along to listen in on the conversation."}},
		{"written_report", Text{
			"U krijgt een geschreven verslag van het gesprek.",
			"You get a written report of the conversation."}},
		{"other_staff_member", Text{
			"Een andere medewerker voert het gesprek.",
			"Another staff member conducts the conversation."}},
		{"audio_only", Text{
			"Alleen geluid opnemen, zonder beeld.",
			"Record sound only, without images."}},
	}

	Enforcement = Vocabulary{
		{"ask_to_stop", Text{
			"Vraag om de opname meteen te stoppen.",
			"Ask for the recording to stop at once."}},
		{"ask_to_leave", Text{
			"Stopt de opname niet? Vraag dan om het gebouw te verlaten.",
			"Does it not stop? Then ask the person to leave the building."}},
		{"report_to_manager", Text{
			"Meld het voorval bij de leidinggevende.",
			"Report the incident to the manager."}},
		{"consider_legal_steps", Text{
			"Bij een ernstige overtreding: denk erover na om naar de politie of de rechter te gaan.",
			"For a serious violation: consider going to the police or to court."}},
	}

	Advice = Vocabulary{
		{"announce_in_advance", Text{
			"Laat van tevoren weten dat het gesprek wordt opgenomen.",
			"Say in advance that the conversation will be recorded."}},
		{"discuss_reasons", Text{
			"Vraag waarom de cliënt het gesprek wil opnemen en praat daarover.",
			"Ask why the client wants to record the conversation and talk about it."}},
		{"raise_at_start", Text{
			"Begin het gesprek over opnemen zelf, aan het begin. Zeg dat het niet stiekem hoeft.",
			"Raise recording yourself at the start. Say that it need not be done in secret."}},
		{"discuss_concerns", Text{
			"Bespreek eventuele zorgen over de opname.",
			"Discuss any concerns about the recording."}},
	}

	// Deciders are the roles a needs_decision outcome can name, weakest first.
	Deciders = Vocabulary{
		{"staff", Text{"de medewerker", "the staff member"}},
		{"manager", Text{"de manager", "the manager"}},
	}

	// Parties are who can be asked for consent: participant roles and the
	// organisation itself.
	Parties = Vocabulary{
		{"client", Text{"de cliënt", "the client"}},
		{"staff", Text{"de medewerker", "the staff member"}},
		{"parent", Text{"de ouder", "the parent"}},
		{"child", Text{"het kind", "the child"}},
		{"guardian", Text{"de voogd", "the guardian"}},
		{"representative", Text{"de vertegenwoordiger", "the representative"}},
		{"other", Text{"de andere deelnemer", "the other participant"}},
		{"organisation", Text{"de organisatie", "the organisation"}},
	}

	// PartiesPlural names several people of one party.
	PartiesPlural = Vocabulary{
		{"client", Text{"de cliënten", "the clients"}},
		{"staff", Text{"de medewerkers", "the staff members"}},
		{"parent", Text{"de ouders", "the parents"}},
		{"child", Text{"de kinderen", "the children"}},
		{"guardian", Text{"de voogden", "the guardians"}},
		{"representative", Text{"de vertegenwoordigers", "the representatives"}},
		{"other", Text{"de andere deelnemers", "the other participants"}},
		{"organisation", Text{"de organisatie", "the organisation"}},
	}

	// Recipients are the kinds of recipient of a shared or published
	// recording.
	Recipients = Vocabulary{
		{"lawyer", Text{"een advocaat", "a lawyer"}},
		{"complaints_committee", Text{"een klachtencommissie", "a complaints committee"}},
		{"court", Text{"de rechter", "a court"}},
		{"ombudsman", Text{"de Nationale Ombudsman", "the National Ombudsman"}},
		{"care_provider", Text{"een andere zorgverlener", "another care provider"}},
		{"municipality", Text{"de gemeente", "the municipality"}},
		{"family", Text{"familie", "family"}},
		{"press", Text{"de pers", "the press"}},
		{"public", Text{"iedereen (openbaar)", "the public"}},
	}

	// Supports names where opname supports guidance that software cannot
	// decide.
	Supports = Vocabulary{
		{"conversation_guide", Text{"het gespreksvoorstel bij de start van het gesprek", "the conversation guide at the start of the conversation"}},
		{"information_page", Text{"de informatiepagina voor cliënten", "the information page for clients"}},
		{"agreements", Text{"de vastgelegde afspraken", "the recorded agreements"}},
		{"manager_decision", Text{"de beslissing van de manager", "the manager's decision"}},
		{"complaints", Text{"het klachtenreglement", "the complaints procedure"}},
		{"vault", Text{"de kluis met opnamen en bewijs van ontvangst", "the recording vault and its receipts"}},
	}
)
