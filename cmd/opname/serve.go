package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/ffprobe"
	"github.com/opname/opname/localblob"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/oidc"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/s3blob"
	"github.com/opname/opname/smtpmail"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/tusd"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/web"
	"github.com/opname/opname/workflow"
)

// config is where opname keeps its data and listens. Flags win over the
// OPNAME_* environment variables, which win over the defaults.
type config struct {
	Addr        string // OPNAME_ADDR, --addr
	Data        string // OPNAME_DATA, --data: the SQLite file and recordings
	DatabaseURL string // OPNAME_DATABASE_URL: postgres://… switches to PostgreSQL
	Demo        bool   // OPNAME_DEMO, --demo: demo organisations on first start
	// OPNAME_PUBLIC_URL: where people reach opname, for links and OIDC
	// redirects; https:// makes the session cookie __Host- and Secure even
	// when opname itself listens on plain HTTP behind a proxy.
	PublicURL string
	// OPNAME_TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For
	// names the client's address.
	TrustedProxies []netip.Prefix
	// OPNAME_METRICS_ADDR: where /metrics is served; empty is nowhere.
	MetricsAddr  string
	BlobURL      string // OPNAME_BLOB_URL: s3://bucket/prefix switches recordings to S3
	MaxRecording int64  // OPNAME_MAX_RECORDING: the largest recording accepted, in bytes
	SMTPURL      string // OPNAME_SMTP_URL: smtp://host:port?from=… to e-mail managers and invitations
	// OPNAME_UPLOAD_TTL: how long an unfinished upload is kept (default 72h).
	UploadTTL time.Duration
	// OPNAME_MAX_OPEN_UPLOADS, OPNAME_MAX_INFLIGHT: uploads under way
	// (see uploadLimits); zero values are the defaults.
	UploadLimits web.UploadLimits
	// OPNAME_FIXITY_PERIOD: every recording is checked at least this often
	// (default 2160h, 90 days); OPNAME_FIXITY_INTERVAL: how often the audit
	// runs (default 24h).
	FixityPeriod, FixityInterval time.Duration
	// OPNAME_ANCHOR_INTERVAL: how often each organisation's access-log head
	// is anchored in its tamper-evident log, if it moved (default 1h).
	AnchorInterval time.Duration
	// OPNAME_NODE, --node: this server's name among several on one
	// database, in the logs and as the holder of background jobs; it must
	// differ from every other's (default: the host name and a random
	// suffix).
	Node string

	// passwordCost is the cost of password and PIN hashes. No setting
	// changes it: the zero value is opname's default, and only tests set a
	// lower one.
	passwordCost opname.PasswordCost
	// now is the database's clock; nil is the real one. Only tests set
	// it, to bring a retention period's end nearer.
	now func() time.Time
}

func (m *Main) configFlags(cmd string) (*flagSet, *config) {
	cfg := &config{
		Addr:           "127.0.0.1:8080",
		Data:           "./opname-data",
		MaxRecording:   defaultMaxRecording,
		UploadTTL:      defaultUploadTTL,
		FixityPeriod:   defaultFixityPeriod,
		FixityInterval: defaultFixityInterval,
	}
	env := &settings{getenv: m.Getenv}
	env.read("OPNAME_ADDR", &cfg.Addr, checkAddr)
	env.read("OPNAME_DATA", &cfg.Data, nil)
	env.read("OPNAME_DATABASE_URL", &cfg.DatabaseURL, checkDatabaseURL)
	env.boolean("OPNAME_DEMO", &cfg.Demo)
	env.read("OPNAME_PUBLIC_URL", &cfg.PublicURL, checkPublicURL)
	env.prefixes("OPNAME_TRUSTED_PROXIES", &cfg.TrustedProxies)
	env.read("OPNAME_METRICS_ADDR", &cfg.MetricsAddr, checkAddr)
	env.read("OPNAME_BLOB_URL", &cfg.BlobURL, checkBlobURL)
	env.read("OPNAME_SMTP_URL", &cfg.SMTPURL, checkSMTPURL)
	env.file("OPNAME_SMTP_URL_FILE", "OPNAME_SMTP_URL", &cfg.SMTPURL, checkSMTPURL)
	env.size("OPNAME_MAX_RECORDING", &cfg.MaxRecording)
	env.duration("OPNAME_UPLOAD_TTL", &cfg.UploadTTL)
	env.duration("OPNAME_FIXITY_PERIOD", &cfg.FixityPeriod)
	env.duration("OPNAME_FIXITY_INTERVAL", &cfg.FixityInterval)
	env.duration("OPNAME_ANCHOR_INTERVAL", &cfg.AnchorInterval)
	env.read("OPNAME_NODE", &cfg.Node, nil)
	fs := flags(cmd)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on")
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data folder")
	return &flagSet{FlagSet: fs, check: func() error {
		if env.err != nil {
			return env.err
		}
		// The flags win over the environment; what they set is checked
		// under their own names.
		var err error
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "addr":
				err = cmp.Or(err, checkAddr("--addr", cfg.Addr))
			case "data":
				if cfg.Data == "" {
					err = cmp.Or(err, invalidSetting("--data", cfg.Data, "give a folder"))
				}
			}
		})
		return err
	}}, cfg
}

// publicBase is the address people reach opname at, without a slash at
// the end: the public URL, or else own (the address opname listens on).
func (cfg *config) publicBase(own string) string {
	if cfg.PublicURL != "" {
		return strings.TrimSuffix(cfg.PublicURL, "/")
	}
	return own
}

// dsn names the database of the config: the PostgreSQL URL, or the SQLite
// file in the data folder.
func (cfg *config) dsn() string {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL
	}
	return filepath.Join(cfg.Data, "opname.db")
}

// openDB opens and migrates the database the config names.
func openDB(ctx context.Context, cfg *config) (*sqldb.DB, error) {
	if cfg.DatabaseURL == "" {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("data folder %s: cannot create it", cfg.Data), Err: err}
		}
	}
	db, err := sqldb.Open(cfg.dsn())
	if err != nil {
		return nil, err
	}
	db.PasswordCost = cfg.passwordCost
	keys, err := localkeys.Open(filepath.Join(cfg.Data, "keys"))
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Secrets = keys.Secrets()
	if cfg.now != nil {
		db.Now = cfg.now
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openCheckedDB opens the database for a command that checks it: such a
// command never creates or migrates a database, so it refuses one that is
// missing or whose schema is not the one this program knows, older or
// newer, and leaves it as it found it.
func (m *Main) openCheckedDB(ctx context.Context, cfg *config) (*sqldb.DB, error) {
	if cfg.DatabaseURL == "" {
		ok, err := walSQLite(cfg.dsn())
		switch {
		case errors.Is(err, os.ErrNotExist):
			m.errorf("no database in %s", cfg.Data)
		case err != nil:
			m.errorf("%s: cannot read it: %v", cfg.dsn(), err)
		case !ok:
			m.errorf("%s is not an opname database", cfg.dsn())
		}
		if err != nil || !ok {
			m.hintf("name the data folder with --data or OPNAME_DATA")
			return nil, exitCode(exitInvalid)
		}
	}
	db, err := sqldb.Open(cfg.dsn())
	if err != nil {
		return nil, err
	}
	have, known, err := db.SchemaVersion(ctx)
	switch {
	case err != nil:
		db.Close()
		return nil, err
	case have == known:
		return db, nil
	case have < known:
		m.errorf("the %s database is at schema version %d and this opname needs %d; a check does not change the database", db.Dialect(), have, known)
		m.hintf("run 'opname migrate' first (with the same settings)")
	default:
		m.errorf("the %s database is at schema version %d, newer than this opname knows (%d)", db.Dialect(), have, known)
		m.hintf("run the check with the opname that migrated it")
	}
	db.Close()
	return nil, exitCode(exitInvalid)
}

// walSQLite reports whether the file at path is a SQLite database in WAL
// mode, as every database opname makes is. Opening anything else, an empty
// file included, would change it.
func walSQLite(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 20)
	if _, err := io.ReadFull(f, head); err != nil {
		return false, nil
	}
	// The header's magic string, then the file format's write and read
	// versions at offsets 18 and 19: 2 means WAL.
	return string(head[:16]) == "SQLite format 3\x00" && head[18] == 2 && head[19] == 2, nil
}

// defaultMaxRecording is the largest recording accepted unless
// OPNAME_MAX_RECORDING says otherwise: 8 GiB.
const defaultMaxRecording = 8 << 30

// Defaults for background work: unfinished uploads are kept three days;
// the fixity audit runs daily and checks every recording within 90 days;
// access-log heads are anchored hourly.
const (
	defaultUploadTTL      = 72 * time.Hour
	defaultFixityInterval = 24 * time.Hour
	defaultFixityPeriod   = 90 * 24 * time.Hour
	defaultAnchorInterval = time.Hour
)

// openVault opens the recordings' blob store (a folder in the data folder,
// or S3) and the key-encryption keys (in the data folder).
func openVault(ctx context.Context, cfg *config, db *sqldb.DB) (*vault.Vault, opname.BlobStore, error) {
	var blobs opname.BlobStore
	var err error
	if cfg.BlobURL != "" {
		blobs, err = s3blob.Open(ctx, cfg.BlobURL)
	} else {
		blobs, err = localblob.Open(filepath.Join(cfg.Data, "recordings"))
	}
	if err != nil {
		return nil, nil, err
	}
	keys, err := localkeys.Open(filepath.Join(cfg.Data, "keys"))
	if err != nil {
		return nil, nil, err
	}
	max := cfg.MaxRecording
	if max <= 0 {
		max = defaultMaxRecording
	}
	v := &vault.Vault{Blobs: blobs, Sealer: agecrypt.Sealer{Keys: keys}, Store: db, MaxSize: max}
	if p := ffprobe.Find(); p != nil {
		v.Probe = p
	}
	return v, blobs, nil
}

// notifier e-mails an organisation's managers that something waits for
// them, with a link into opname and no client data. Mail goes out in the
// background; a failure is logged, and the inbox in the app shows the
// notice regardless.
func notifier(db *sqldb.DB, mailer *smtpmail.Mailer, base string, logger *slog.Logger) func(context.Context, workflow.Notice) {
	return func(ctx context.Context, n workflow.Notice) {
		sys := opname.System("notify")
		sys.OrgID = n.OrgID
		ctx = opname.WithActor(context.WithoutCancel(ctx), sys)
		users, err := db.Users(ctx)
		if err != nil {
			logger.ErrorContext(ctx, "notify: managers", "err", err.Error())
			return
		}
		var to []string
		for _, u := range users {
			if u.Role == opname.RoleManager && u.Email != "" {
				to = append(to, u.Email)
			}
		}
		link := strings.TrimSuffix(base, "/") + n.Link
		body := fmt.Sprintf("Er wacht iets op u in opname: %s\nBekijk het hier: %s\n\nSomething waits for you in opname: %s\nSee it here: %s\n", n.Subject, link, n.Subject, link)
		go func() {
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := mailer.Send(ctx, to, "opname: "+n.Subject, body); err != nil {
				logger.ErrorContext(ctx, "notify: e-mail", "err", err.Error())
			}
		}()
	}
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// server is a running opname: its database and its HTTP server.
type server struct {
	dataDir string
	db      *sqldb.DB
	web     *web.Server
	http    *http.Server
	ln      net.Listener
	URL     string
	// Public is where people reach opname: the public URL, or URL.
	Public string
	// metrics serves /metrics on its own address, when one is set; its
	// URL is MetricsURL.
	metrics    *http.Server
	MetricsURL string
	done       chan error
	// stop ends the background work; wg waits for it.
	stop func()
	wg   sync.WaitGroup
}

// startServer opens the database, listens on cfg.Addr (port 0 picks a free
// port) and serves until Close.
func startServer(ctx context.Context, cfg *config, logger *slog.Logger) (*server, error) {
	// The shipped policies compile and the pages parse while the database
	// opens and migrates, which mostly waits for the disk: start-up takes
	// the longest of the three, not their sum.
	type compiled struct {
		lib *policy.Library
		ws  *web.Server
		err error
	}
	compiling := make(chan compiled, 1)
	go func() {
		var c compiled
		c.lib, c.err = policy.Shipped()
		compiling <- c
	}()
	parsing := make(chan compiled, 1)
	go func() {
		var c compiled
		// The store, policies and readiness are set below, once there.
		c.ws, c.err = web.NewServer(nil, nil, oidc.New(), nil, logger)
		parsing <- c
	}()
	db, err := openDB(ctx, cfg)
	c, p := <-compiling, <-parsing
	if err == nil {
		err = errors.Join(c.err, p.err)
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, err
	}
	lib, ws := c.lib, p.ws
	v, blobs, err := openVault(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	// Client secrets stored before they were sealed are sealed now.
	if n, err := db.SealOIDCSecrets(ctx); err != nil {
		db.Close()
		return nil, err
	} else if n > 0 {
		logger.Info("identity providers' client secrets sealed under the server key", "count", n)
	}
	// Blobs half-written by a killed process are removed before any write.
	if p, ok := blobs.(interface{ RemovePartial() (int, error) }); ok {
		if n, err := p.RemovePartial(); err != nil {
			db.Close()
			return nil, err
		} else if n > 0 {
			logger.Info("half-written blobs removed", "count", n)
		}
	}
	// Uploads under way: their state in the database, their ciphertext
	// staged in blob storage, so they survive a restart and any server
	// can continue them.
	staging, ok := blobs.(tusd.Staging)
	if !ok {
		db.Close()
		return nil, fmt.Errorf("opname: the blob store cannot stage uploads")
	}
	uploads := tusd.Open(db, staging, v.Sealer.(agecrypt.Sealer).Keys)
	// An earlier version staged uploads under way as plaintext in
	// DATA/uploads; they cannot be continued and must not stay.
	if old := filepath.Join(cfg.Data, "uploads"); dirExists(old) {
		if err := os.RemoveAll(old); err != nil {
			db.Close()
			return nil, fmt.Errorf("opname: remove %s: %w", old, err)
		}
		logger.Warn("uploads under way from an earlier version removed; their senders must start them again", "folder", old)
	}
	ws.Store, ws.Policies = db, lib
	ws.Ready = func(ctx context.Context) error { return errors.Join(db.Ping(ctx), blobs.Ping(ctx)) }
	ws.Vault, ws.Uploads, ws.UploadLimits = v, uploads, cfg.UploadLimits
	ws.Workflow = &workflow.Workflow{Store: db, Policies: lib}
	var mailer *smtpmail.Mailer
	if cfg.SMTPURL != "" {
		if mailer, err = openMailer(cfg.SMTPURL, db.Secrets); err != nil {
			db.Close()
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		db.Close()
		return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--addr %s: cannot listen there", cfg.Addr), Err: err}
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	// Plain HTTP is only for loopback, and not even there when people
	// come through an HTTPS proxy.
	ws.Insecure = net.ParseIP(host).IsLoopback() && !strings.HasPrefix(cfg.PublicURL, "https://")
	ws.PublicURL = cfg.PublicURL
	ws.TrustedProxies = cfg.TrustedProxies
	s := &server{dataDir: cfg.Data, db: db, web: ws, ln: ln, URL: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	s.Public = cfg.publicBase(s.URL)
	if mailer != nil {
		ws.Workflow.Notify = notifier(db, mailer, s.Public, logger)
		ws.Mail = mailer
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			db.Close()
			return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("OPNAME_METRICS_ADDR=%q: cannot listen there", cfg.MetricsAddr), Err: err}
		}
		s.MetricsURL = "http://" + mln.Addr().String()
		s.metrics = &http.Server{Handler: ws.Metrics(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		go func() {
			if err := s.metrics.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics server stopped", "err", err.Error())
			}
		}()
	}
	s.http = &http.Server{
		Handler:           ws,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if cfg.UploadTTL <= 0 {
		cfg.UploadTTL = defaultUploadTTL
	}
	if cfg.FixityInterval <= 0 {
		cfg.FixityInterval = defaultFixityInterval
	}
	if cfg.FixityPeriod <= 0 {
		cfg.FixityPeriod = defaultFixityPeriod
	}
	if cfg.AnchorInterval <= 0 {
		cfg.AnchorInterval = defaultAnchorInterval
	}
	if cfg.Node == "" {
		cfg.Node = nodeName()
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.background(bg, cfg, v, uploads, logger)
	}()
	// What start-up built and dropped (template parse trees, the policies'
	// syntax trees, migration texts) goes back to the system now, not
	// minutes later: an idle server holds only what it uses.
	go debug.FreeOSMemory()
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Close stops accepting requests, lets the running ones finish (up to
// 20 seconds) and closes the database.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if s.metrics != nil {
		err = errors.Join(err, s.metrics.Shutdown(ctx))
	}
	s.stop()
	s.wg.Wait()
	s.web.Vault.WaitProbes(true)
	return errors.Join(err, <-s.done, s.db.Close())
}

// background runs the server's periodic work until ctx ends. The jobs on
// the database run once per period across all servers on it (see jobs):
// the fixity audit, whose findings are logged and shown to the privacy
// officer; logging the end of shares whose recipient link expired
// (hourly); and anchoring the access log, which each server also does
// when it starts and stops; and removing the uploads left unfinished for
// longer than the upload TTL (hourly), whose state is in the database;
// and listing (or, where turned on, destroying) what retention makes due
// (daily).
func (s *server) background(ctx context.Context, cfg *config, v *vault.Vault, uploads *tusd.Store, logger *slog.Logger) {
	anchor := func(ctx context.Context) {
		if err := s.anchorAccessLog(ctx, logger); err != nil {
			logger.ErrorContext(ctx, "anchoring the access log failed", "err", err.Error())
		}
	}
	anchor(ctx)
	j := &jobs{leases: s.db, node: cfg.Node, lease: jobLease, logger: logger}
	j.every(ctx, "fixity", cfg.FixityInterval, func(ctx context.Context) error {
		// Every recording not checked within the period minus an interval:
		// none goes unchecked for longer than the period.
		checked, findings, err := v.Fixity(opname.WithActor(ctx, opname.System("fixity")), time.Now().Add(-(cfg.FixityPeriod - cfg.FixityInterval)))
		for _, f := range findings {
			logger.ErrorContext(ctx, "fixity: recording damaged", "recording", f.Recording.ID, "organisation", f.Recording.OrgID, "problem", f.Problem)
		}
		if err == nil {
			logger.InfoContext(ctx, "fixity audit", "checked", checked, "problems", len(findings))
		}
		return err
	})
	j.every(ctx, "shares", time.Hour, func(ctx context.Context) error {
		n, err := s.db.EndRecipientLinks(ctx, time.Now())
		if n > 0 {
			logger.InfoContext(ctx, "expired shares ended", "count", n)
		}
		return err
	})
	j.every(ctx, "anchor", cfg.AnchorInterval, func(ctx context.Context) error {
		return s.anchorAccessLog(ctx, logger)
	})
	j.every(ctx, "retention", 24*time.Hour, func(ctx context.Context) error {
		_, _, err := retentionRun(ctx, s.db, v, logger)
		return err
	})
	j.every(ctx, "uploads", time.Hour, func(ctx context.Context) error {
		n, err := uploads.Expire(ctx, time.Now().Add(-cfg.UploadTTL))
		if n > 0 {
			logger.InfoContext(ctx, "unfinished uploads expired", "count", n)
		}
		return err
	})
	<-ctx.Done()
	j.wait()
	final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	anchor(final)
}

// anchorAccessLog anchors each organisation's access-log head in its
// tamper-evident log, if it moved, so that records can only be removed
// unnoticed from the end of the access log as far back as the last anchor.
func (s *server) anchorAccessLog(ctx context.Context, logger *slog.Logger) error {
	n, err := s.db.AnchorAccessLog(ctx)
	if n > 0 {
		logger.InfoContext(ctx, "access log anchored", "organisations", n)
	}
	return err
}

func runServe(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("serve")
	fs.BoolVar(&cfg.Demo, "demo", cfg.Demo, "create demo organisations and print their sign-in codes")
	fs.StringVar(&cfg.Node, "node", cfg.Node, "this server's name among several on one database")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if err := uploadLimits(m.Getenv, cfg); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(m.Stderr, nil))
	s, err := startServer(ctx, cfg, logger)
	if err != nil {
		return err
	}
	where := "SQLite in " + cfg.Data
	if cfg.DatabaseURL != "" {
		where = "PostgreSQL"
	}
	logger.Info("opname started", "node", cfg.Node, "url", s.URL, "public_url", s.Public, "metrics_url", s.MetricsURL, "database", s.db.Dialect())
	fmt.Fprintf(m.Stdout, "opname listens on %s (%s)\n", s.URL, where)
	if s.MetricsURL != "" {
		fmt.Fprintf(m.Stdout, "metrics at %s/metrics\n", s.MetricsURL)
	}
	if cfg.Demo {
		if err := seedDemo(ctx, m.Stdout, s.db, s.Public); err != nil {
			s.Close()
			return err
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case err := <-s.done:
		s.done <- err
	}
	logger.Info("opname stopping")
	return s.Close()
}

func runMigrate(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("migrate")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	have, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "the %s database is at schema version %d\n", db.Dialect(), have)
	return nil
}

// flagSet wraps a FlagSet with opname's interspersed parsing and the check
// of the settings it and the environment hold.
type flagSet struct {
	*flag.FlagSet
	check func() error
}

func (f *flagSet) parse(args []string) ([]string, error) {
	rest, err := parse(f.FlagSet, args)
	if err != nil {
		return nil, err
	}
	if f.check != nil {
		if err := f.check(); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// trimLower is how e-mail addresses are compared.
func trimLower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
