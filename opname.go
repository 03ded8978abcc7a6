// Package opname keeps the agreements around recording a conversation
// between a client and a care or government organisation: the
// organisation's rules as data, the decisions they give, and (in later
// parts) the conversations, consents and recordings they govern.
//
// # Rules and decisions
//
// An organisation's policy is a YAML document of rules, each citing the
// source document and rule number it comes from: the Nationale Ombudsman's
// six spelregels geluidsopnamen, and what an organisation adds to them. A
// [Situation] describes one act on a recording (record, copy, edit, share,
// publish); the policy turns it into a [Decision]: an outcome (allowed,
// needs_consent, needs_decision, refused, forbidden), the agreements and
// obligations that go with it, the rules that applied and a plain-language
// explanation in Dutch and English. The engine lives in package policy and
// does no I/O; the shipped policies are embedded in it.
//
// # Errors
//
// Every error opname shows a person is an [*Error] with a [ErrorKind]. Bad
// input is [Invalid] and names the field and the value; anything
// unclassified is [Internal] and is shown only as "internal error".
//
// # Layout
//
// The domain and its interfaces live in this package; the policy engine in
// policy; the command in cmd/opname, which only wires the parts together.
package opname

import "github.com/opname/opname/policy"

// Situation is one act on a recording of one conversation (see the
// contract); Decision is what an organisation's policy says about it.
type (
	Situation = policy.Situation
	Decision  = policy.Decision
)
