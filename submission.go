package opname

import "context"

// Submissions remembers the forms a person sent, by the one-time token a
// form carries, so that a form sent twice — a double click, a reload
// while the answer is slow — does its work once and answers the second
// time as it did the first. Tokens are the caller's own: another person's
// token of the same value is another form.
type Submissions interface {
	// BeginSubmission claims key for the caller. The first claim returns
	// first true: the caller does the work and then ends the submission.
	// A later claim returns first false and the result the first one
	// recorded, which is empty while the first is still under way.
	BeginSubmission(ctx context.Context, key string) (result string, first bool, err error)
	// EndSubmission records where the work of key led (the address the
	// person was sent on to). An empty result releases the key after work
	// that did not happen, so that the form can be sent again.
	EndSubmission(ctx context.Context, key, result string) error
}
