package web

import "github.com/opname/opname/policy"

// stagingMessages are the texts of resumable uploads under way.
var stagingMessages = map[string]policy.Text{
	"err.upload.changed": {NL: "Dit deel van de upload is anders dan wat eerder op die plek binnenkwam. Begin de upload opnieuw.", EN: "This part of the upload differs from what arrived at the same place before. Start the upload again."},
}
