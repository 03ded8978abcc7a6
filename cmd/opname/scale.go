package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/opname/opname"
	wavfile "github.com/opname/opname/internal/wav"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/vault"
)

// The scale data generator: one organisation with the volumes a large one
// reaches after years (clients, staff, a long access log, recordings),
// for measuring opname at scale. Clients and access-log records are
// written in big transactions (the access log by COPY on PostgreSQL),
// with the times, people and acts of a working year, and the log's hash
// chain intact; recordings go through the vault like any upload, so that
// they are sealed, logged and pass fixity.

// scaleOptions are the volumes of a generated organisation.
type scaleOptions struct {
	slug       string
	clients    int
	records    int // access-log records besides the clients' creation
	recordings int
	// busyClient puts every recording on the first client.
	busyClient bool
	seed       uint64
	// now is the end of the generated year.
	now time.Time
}

// scaleResult says what the generator made and how long each part took.
type scaleResult struct {
	org                            *opname.Organisation
	staff                          int
	clients, records, recordings   int
	tookClients, tookLog, tookRecs time.Duration
	// busy is the client with every recording, with --busy-client.
	busy string
}

func runDemo(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("demo")
	o := scaleOptions{now: time.Now().UTC()}
	fs.IntVar(&o.clients, "scale", 0, "make one organisation of this many clients (100000 at full scale) instead of the demo organisations")
	fs.IntVar(&o.records, "access-records", -1, "access-log records to generate over a working year (default: 100 per client)")
	fs.IntVar(&o.recordings, "recordings", -1, "recordings to upload through the vault (default: one per client, at most 100000)")
	fs.BoolVar(&o.busyClient, "busy-client", false, "put every recording on the first client")
	fs.StringVar(&o.slug, "org", "schaal", "the new organisation's slug")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated names, people and acts")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if o.clients == 0 {
		return seedDemo(ctx, m.Stdout, db, cfg.publicBase("http://"+cfg.Addr))
	}
	switch {
	case o.clients < 1:
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--scale: use a number of clients of 1 or more (got %d)", o.clients)}
	case o.records < -1:
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--access-records: use 0 or more (got %d)", o.records)}
	case o.recordings < -1:
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--recordings: use 0 or more (got %d)", o.recordings)}
	}
	if o.records == -1 {
		o.records = 100 * o.clients
	}
	if o.recordings == -1 {
		o.recordings = min(o.clients, 100_000)
	}
	v, _, err := openVault(ctx, cfg, db)
	if err != nil {
		return err
	}
	// Probing is not what is measured here, and each probe starts a
	// process.
	v.Probe = nil
	res, err := generateScale(ctx, db, v, o, m.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "organisation %s: %d staff, %d clients (%s), %d access-log records (%s), %d recordings (%s)\n",
		res.org.Slug, res.staff, res.clients, res.tookClients.Round(time.Millisecond), res.records, res.tookLog.Round(time.Millisecond), res.recordings, res.tookRecs.Round(time.Millisecond))
	if res.busy != "" {
		fmt.Fprintf(m.Stdout, "busy client: %s (D-0000001, assigned to medewerker1@%s.example)\n", res.busy, res.org.Slug)
	}
	fmt.Fprintf(m.Stdout, "people: privacy@%[1]s.example (privacy officer), manager1@%[1]s.example, medewerker1@%[1]s.example …; make a sign-in link with 'opname user add' or a token with 'opname token create --org %[1]s --user privacy@%[1]s.example'\n", res.org.Slug)
	return nil
}

// Names for generated people and clients.
var (
	firstNames = []string{"Anna", "Bram", "Chantal", "Daan", "Emma", "Fatima", "Gijs", "Hanna", "Ilias", "Julia", "Kees", "Lotte", "Mohamed", "Noor", "Omar", "Priya", "Quinten", "Rosa", "Sem", "Tess", "Umut", "Vera", "Wout", "Xena", "Youssef", "Zoë", "Lars", "Mila", "Finn", "Sara"}
	lastNames  = []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "El Amrani", "Yilmaz", "Kaya", "Nguyen", "Pinas", "Bouzid", "van Dijk", "Koster", "Prins", "Huisman"}
)

func personName(rng *rand.Rand) string {
	return firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
}

// scaleUser is a generated person, as the access log names them.
type scaleUser struct {
	id, name string
	role     opname.Role
	addr     string
}

func generateScale(ctx context.Context, db *sqldb.DB, v *vault.Vault, o scaleOptions, progress io.Writer) (*scaleResult, error) {
	rng := rand.New(rand.NewPCG(o.seed, o.seed^0x5ca1e))
	lib, err := policy.Shipped()
	if err != nil {
		return nil, err
	}
	pv, err := opname.NewPolicyVersion(lib, lib.Names()[0], nil)
	if err != nil {
		return nil, err
	}
	org := &opname.Organisation{Slug: o.slug, Name: "Schaalproef " + o.slug, Policy: *pv}
	if err := db.CreateOrganisation(opname.WithActor(ctx, opname.System("demo")), org); err != nil {
		return nil, err
	}
	sys := opname.System("demo")
	sys.OrgID = org.ID
	octx := opname.WithActor(ctx, sys)
	res := &scaleResult{org: org}

	// People: one staff member for every 500 clients, a manager for every
	// ten staff, two administrators and a privacy officer.
	nStaff := max(2, o.clients/500)
	nManagers := max(1, nStaff/10)
	var staff, others []scaleUser
	add := func(local string, role opname.Role) (scaleUser, error) {
		u := &opname.User{Email: local + "@" + o.slug + ".example", Name: personName(rng), Role: role}
		if err := db.CreateUser(octx, u); err != nil {
			return scaleUser{}, err
		}
		return scaleUser{id: u.ID, name: u.Name, role: role, addr: fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))}, nil
	}
	for i := range nStaff {
		u, err := add(fmt.Sprintf("medewerker%d", i+1), opname.RoleStaff)
		if err != nil {
			return nil, err
		}
		staff = append(staff, u)
	}
	for i := range nManagers {
		u, err := add(fmt.Sprintf("manager%d", i+1), opname.RoleManager)
		if err != nil {
			return nil, err
		}
		others = append(others, u)
	}
	for _, p := range []struct {
		local string
		role  opname.Role
	}{{"beheerder1", opname.RoleAdmin}, {"beheerder2", opname.RoleAdmin}, {"privacy", opname.RolePrivacyOfficer}} {
		u, err := add(p.local, p.role)
		if err != nil {
			return nil, err
		}
		others = append(others, u)
	}
	res.staff = nStaff

	// Clients, each assigned to one staff member (client i to staff
	// i mod nStaff), in transactions of 5,000.
	start := time.Now()
	clientIDs := make([]string, 0, o.clients)
	const clientBatch = 5000
	for done := 0; done < o.clients; {
		n := min(clientBatch, o.clients-done)
		batch := make([]opname.Client, n)
		assign := make([]string, n)
		for i := range batch {
			k := done + i
			batch[i] = opname.Client{Name: personName(rng), DossierRef: fmt.Sprintf("D-%07d", k+1), CreatedAt: o.now.AddDate(-1, 0, 0)}
			assign[i] = staff[k%nStaff].id
		}
		if err := db.BulkClients(octx, batch, assign); err != nil {
			return nil, err
		}
		for _, c := range batch {
			clientIDs = append(clientIDs, c.ID)
		}
		done += n
	}
	res.clients, res.tookClients = len(clientIDs), time.Since(start)
	fmt.Fprintf(progress, "opname demo: %d clients in %s\n", len(clientIDs), res.tookClients.Round(time.Millisecond))

	// The access log: first each client's creation by a manager, then a
	// working year of reads, changes, prints, exports and sign-ins, in
	// order of time, in transactions of 20,000 records.
	start = time.Now()
	total := o.clients + o.records
	gen := &activity{rng: rng, staff: staff, others: others, clients: clientIDs, year: o.now.AddDate(-1, 0, 0), total: total}
	for d := gen.year; d.Before(o.now.Truncate(24 * time.Hour)); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			gen.workdays++
		}
	}
	const logBatch = 20000
	reported := 0
	load := func() error {
		for done := 0; done < total; {
			n := min(logBatch, total-done)
			batch := make([]opname.AccessEvent, n)
			for i := range batch {
				batch[i] = gen.event(done+i, o.clients)
				batch[i].ID = gen.id(done + i)
			}
			if err := db.BulkAccess(octx, batch); err != nil {
				return err
			}
			done += n
			if done-reported >= 1_000_000 || done == total {
				reported = done
				fmt.Fprintf(progress, "opname demo: %d of %d access-log records in %s\n", done, total, time.Since(start).Round(time.Second))
			}
		}
		return nil
	}
	if total >= 100_000 {
		// A large log loads without its search indexes, built at the end.
		err = db.WithoutAccessIndexes(octx, load)
	} else {
		err = load()
	}
	if err != nil {
		return nil, err
	}
	res.records, res.tookLog = total, time.Since(start)

	// Recordings, through the vault by the client's staff member, four at
	// a time.
	start = time.Now()
	if err := uploadRecordings(ctx, v, org.ID, staff, clientIDs, o); err != nil {
		return nil, err
	}
	res.recordings, res.tookRecs = o.recordings, time.Since(start)
	if o.busyClient {
		res.busy = clientIDs[0]
	}
	if o.recordings > 0 {
		fmt.Fprintf(progress, "opname demo: %d recordings in %s\n", o.recordings, res.tookRecs.Round(time.Millisecond))
	}
	return res, nil
}

// activity makes the access-log records of a generated year.
type activity struct {
	rng           *rand.Rand
	staff, others []scaleUser
	clients       []string
	year          time.Time // its first day
	total         int
	// workdays are the weekdays from year to the day before the last.
	workdays int
}

// id is the id of record k: ids in the order of the records, as an
// index on them fills best, in the form of the store's own.
func (g *activity) id(k int) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(g.year.UnixMicro())+uint64(k))
	binary.BigEndian.PutUint64(b[8:], g.rng.Uint64())
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// at is the time of record k of total: spread evenly over the working
// hours (8:00 to 18:00 UTC, Monday to Friday) of the year up to
// yesterday, in order.
func (g *activity) at(k int) time.Time {
	f := float64(k) / float64(g.total) * float64(g.workdays)
	day := int(f)
	// The day-th weekday of the year.
	d := g.year
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	d = d.AddDate(0, 0, day/5*7)
	for range day % 5 {
		d = d.AddDate(0, 0, 1)
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = d.AddDate(0, 0, 1)
		}
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, time.UTC)
	return start.Add(time.Duration((f - float64(day)) * float64(10*time.Hour))).Truncate(time.Microsecond)
}

// actions and their weights in a working year.
var scaleActions = []struct {
	action opname.AccessAction
	weight int
}{
	{opname.AccessRead, 70}, {opname.AccessCreate, 6}, {opname.AccessUpdate, 8}, {opname.AccessPrint, 3},
	{opname.AccessExport, 2}, {opname.AccessCopy, 1}, {opname.AccessDelete, 1}, {opname.AccessSignIn, 5}, {opname.AccessSignOut, 4},
}

var objectTypes = []string{"client", "recording", "conversation", "request", "access_overview"}

// event is record k; the first nClients are the clients' creation.
func (g *activity) event(k, nClients int) opname.AccessEvent {
	t := g.at(k)
	if k < nClients {
		m := g.others[0] // the first manager
		return opname.AccessEvent{Time: t, Action: opname.AccessCreate, UserID: m.id, UserName: m.name, UserRole: m.role, ClientID: g.clients[k], ObjectType: "client", ObjectID: g.clients[k], SourceAddr: m.addr}
	}
	r := g.rng
	var u scaleUser
	var client string
	if r.IntN(100) < 85 {
		// A staff member works with their own clients.
		i := r.IntN(len(g.staff))
		u = g.staff[i]
		own := (len(g.clients) - i + len(g.staff) - 1) / len(g.staff)
		if own > 0 {
			client = g.clients[i+len(g.staff)*r.IntN(own)]
		}
	} else {
		u = g.others[r.IntN(len(g.others))]
		client = g.clients[r.IntN(len(g.clients))]
	}
	w := r.IntN(100)
	action := opname.AccessRead
	for _, a := range scaleActions {
		if w < a.weight {
			action = a.action
			break
		}
		w -= a.weight
	}
	e := opname.AccessEvent{Time: t, Action: action, UserID: u.id, UserName: u.name, UserRole: u.role, SourceAddr: u.addr}
	switch {
	case action == opname.AccessSignIn || action == opname.AccessSignOut:
		e.ObjectType = "session"
	case u.role == opname.RolePrivacyOfficer:
		e.ObjectType, e.ClientID, e.Purpose = "access_log", client, "audit"
	default:
		e.ClientID = client
		e.ObjectType = objectTypes[r.IntN(len(objectTypes))]
		e.ObjectID = client
		if e.ObjectType != "client" && e.ObjectType != "access_overview" {
			e.ObjectID = fmt.Sprintf("%s%06d", e.ObjectType[:3], r.IntN(1_000_000))
		}
		if action == opname.AccessPrint {
			e.Purpose = "printable"
		}
	}
	return e
}

// uploadRecordings ingests o.recordings small WAV files, each different,
// through the vault as the client's staff member.
func uploadRecordings(ctx context.Context, v *vault.Vault, orgID string, staff []scaleUser, clients []string, o scaleOptions) error {
	jobs := make(chan int)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				c := i % len(clients)
				if o.busyClient {
					c = 0
				}
				u := staff[c%len(staff)]
				actx := opname.WithActor(ctx, opname.Actor{OrgID: orgID, UserID: u.id, Name: u.name, Role: u.role, Via: "cli"})
				if _, err := v.Ingest(actx, vault.Upload{ClientID: clients[c], Source: "organisation", Body: bytes.NewReader(smallRecording(i))}); err != nil {
					errs <- fmt.Errorf("recording %d: %w", i+1, err)
					return
				}
			}
		}()
	}
	var err error
send:
	for i := range o.recordings {
		select {
		case jobs <- i:
		case err = <-errs:
			break send
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// smallRecording is a second of 8 kHz audio whose samples hold i, so that
// each recording is different.
func smallRecording(i int) []byte {
	const size = 44 + 8000
	b := append(wavfile.Header(size), make([]byte, size-44)...)
	for j := 44; j < size; j++ {
		b[j] = byte(128 + (j*(i%97+1))%32)
	}
	copy(b[44:], fmt.Sprintf("opname schaalproef %d", i))
	return b
}
