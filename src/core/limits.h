/*
 * limits.h - every limit Infuus enforces, in one place, with its reason.
 *
 * A limit is there so hostile or broken input is refused with a clear error
 * long before it costs real memory or time.  Limits before log-in are tighter
 * than after: an anonymous caller has given us no reason to trust them.
 */
#ifndef INFUUS_LIMITS_H
#define INFUUS_LIMITS_H

/* --- HTTP transport ----------------------------------------------------- */

/* Memory libmicrohttpd may use per connection for the request line and
 * headers.  DESIGN.md asks for 8-16 KiB; 16 KiB fits long cookie headers. */
#define LIMIT_CONN_MEMORY (16 * 1024)
/* A URL path longer than this is no path of ours. */
#define LIMIT_PATH 2048
/* Path segments; our deepest route has 6. */
#define LIMIT_PATH_SEGMENTS 16
/* Connections at once for the whole server; above it MHD refuses new ones.
 * Room for LIMIT_SSE_PER_NODE idle event streams and ordinary requests
 * beside them; each is one descriptor (see raise_nofile in server.c). */
#define LIMIT_CONNECTIONS 12288
/* HTTP worker threads when the configuration leaves it to the server:
 * four a CPU, and at least this many.  A handler waits for its write's
 * flush (an fdatasync, one to a few ms) or for PostgreSQL, and the other
 * connections of its worker wait with it, so the count bounds the posts
 * in one group commit, not the CPUs.  Measured on 2 CPUs (bench/22-http.sh,
 * paired runs): 32 workers against 8 posted 1.6-3.2 times as fast at 64
 * connections, read faster too, with lower p99s.  As many as
 * LIMIT_DB_READERS, so each may hold a read connection. */
#define LIMIT_HTTP_THREADS_MIN 32
/* And at most this many, set or not: past it threads cost more (each
 * polls its share of the connections, each has a stack) than they let
 * wait at once. */
#define LIMIT_HTTP_THREADS_MAX 256
/* Connections from one address at once. */
#define LIMIT_CONNECTIONS_PER_IP 512
/* Idle seconds before a connection is closed. */
#define LIMIT_CONN_TIMEOUT 30
/* Seconds a graceful shutdown waits for requests in flight. */
#define LIMIT_SHUTDOWN_GRACE 10
/* Header bytes of one part of a multipart body (Content-Disposition with
 * a file name of up to 255 bytes and a Content-Type fit easily); more is
 * no browser of ours. */
#define LIMIT_PART_HEADERS 2048
/* After a chunked body has passed its route's limit and the 413 is sent,
 * bytes still read and dropped, so the client reads the answer instead of
 * a connection reset; past this the connection is simply closed. */
#define LIMIT_BODY_DISCARD (256 * 1024)
/* A body this large or larger is a memory mapping of its own, given back
 * to the system when the request ends (glibc kept 30 MB of three 10 MiB
 * uploads resident); smaller ones come from malloc. */
#define LIMIT_BODY_MMAP (128 * 1024)
/* Request line and headers together.  MHD builds our response's headers
 * (about 1 KiB of security headers, cookies, a Location) in the same
 * LIMIT_CONN_MEMORY pool as the request: a request that nearly fills it
 * left no room for the answer, and the connection was closed without one.
 * A larger request is answered (414 or 431) straight on the socket. */
#define LIMIT_REQUEST_HEAD (LIMIT_CONN_MEMORY - 4 * 1024)

/* --- Request bodies, by route class ------------------------------------- */

/* Forms before log-in (log-in, reset, invitation): a few short fields. */
#define LIMIT_BODY_ANON (8 * 1024)
/* Ordinary forms and JSON calls after log-in. */
#define LIMIT_BODY_FORM (256 * 1024)
/* Uploads (message attachments). */
#define LIMIT_BODY_UPLOAD (12 * 1024 * 1024)
/* One attachment; the upload body also carries the form around it. */
#define LIMIT_ATTACHMENT (10 * 1024 * 1024)
/* Form fields (urlencoded or multipart parts) in one request. */
#define LIMIT_FORM_FIELDS 64
/* Query-string parameters. */
#define LIMIT_QUERY_PARAMS 32
/* Cookies in one Cookie header. */
#define LIMIT_COOKIES 32
/* JSON nesting depth accepted from a client. */
#define LIMIT_JSON_DEPTH 16
/* Length of a single text field (names, titles, e-mail addresses). */
#define LIMIT_FIELD_SHORT 320
/* Length of a message body, in bytes (about 25 pages of text). */
#define LIMIT_MESSAGE (64 * 1024)

/* --- Identity ----------------------------------------------------------- */

#define LIMIT_PASSWORD_MIN 12
/* argon2id cost grows with length; nobody types more than this. */
#define LIMIT_PASSWORD_MAX 256
/* Failed log-ins per account per hour before the account is locked for
 * the rest of the hour; the growing delay starts much earlier. */
#define LIMIT_LOGIN_FAILS_HOUR 100
/* Failed log-ins after which each next attempt is delayed. */
#define LIMIT_LOGIN_FREE_FAILS 5
/* Failed log-ins from one address per hour (all accounts together). */
#define LIMIT_LOGIN_FAILS_ADDR_HOUR 300
/* Seconds a session may be idle before re-authentication (default). */
#define LIMIT_SESSION_IDLE (30 * 60)
/* Seconds a session may live in all (default). */
#define LIMIT_SESSION_ABSOLUTE (12 * 60 * 60)
/* Seconds a session may wait for its second factor after the password:
 * a half-logged-in session is worth little to its owner and much to
 * someone who stole the password. */
#define LIMIT_SESSION_2FA_PENDING (10 * 60)
/* Sessions one person may hold at once; a new log-in beyond it ends the
 * oldest.  A person uses a few devices (phone, laptop, a work computer);
 * more live sessions are mostly forgotten ones, each a cookie that still
 * works if stolen, and a stolen password must not mint them unbounded. */
#define LIMIT_SESSIONS_PER_USER 10
/* Seconds an invitation link stays valid. */
#define LIMIT_INVITE_TTL (7 * 24 * 60 * 60)
/* Seconds a password-reset link stays valid. */
#define LIMIT_RESET_TTL (60 * 60)
/* Recovery codes handed out when two factors are set up. */
#define LIMIT_RECOVERY_CODES 10
/* Password-reset mails per account per hour: more only fills someone's
 * mailbox (further requests are answered as if the address were unknown). */
#define LIMIT_RESET_PER_HOUR 3

/* --- Store -------------------------------------------------------------- */

/* Milliseconds SQLite waits on a lock before the request gets a 503. */
#define LIMIT_DB_BUSY_MS 5000
/* Bytes of SQLite's write-ahead log past which the writer, before its
 * next batch, copies it all back and starts it over (a RESTART
 * checkpoint); the file is also cut back to this when it starts over.
 * Under steady writes with readers always open, the PASSIVE checkpoints
 * never find the log all copied at the moment a write begins, the only
 * time it may start over: it grew by 100 MB a second, 8 GB in 90 s of
 * bench/22-http.sh (now at most 64 MB there). */
#define LIMIT_WAL_BYTES (64 * 1024 * 1024)
/* Milliseconds that checkpoint waits for the readers of old frames (a read
 * takes a few, more on a loaded machine) before it gives up: the batch
 * waits meanwhile.  It is tried again after 100 ms, then after twice as
 * long each time it gives up again, up to 1 s, so a long read (an export)
 * costs writes little. */
#define LIMIT_WAL_RESTART_WAIT_MS 200
/* Write jobs folded into one group-commit transaction at most. */
#define LIMIT_GROUP_COMMIT 512
/* PostgreSQL connections per node. */
#define LIMIT_PG_POOL 16
/* SQLite read connections at once.  One per concurrent reader; each costs a
 * page cache (up to 2 MiB), and past the CPU count more do not read faster,
 * so a caller beyond this waits (up to LIMIT_DB_BUSY_MS) for a free one. */
#define LIMIT_DB_READERS 32
/* Prepared statements cached per connection.  Callers pass SQL literals, so
 * the program's own set fits easily; SQL built at run time (IN lists of any
 * length) must not grow a cache without bound, so beyond this a statement
 * is compiled per use and thrown away. */
#define LIMIT_DB_STMT_CACHE 512

/* --- Access log (audit) ------------------------------------------------- */

/* A code in an audit entry (role, purpose, kind, detail).  Codes are short
 * words; the limit (with the charset) keeps free text, and so a client's
 * words, out of the log. */
#define LIMIT_AUDIT_CODE 32
/* The peer address kept per entry: an IPv6 address with a zone fits. */
#define LIMIT_AUDIT_ADDRESS 64
/* The user agent kept per entry; real ones are 100-200 bytes, longer ones
 * are cut so a hostile header cannot bloat the append-only log. */
#define LIMIT_AUDIT_DEVICE 256
/* The node name kept per entry (a host name). */
#define LIMIT_AUDIT_NODE 64
/* Entries one audit query returns at most (one page of a view). */
#define LIMIT_AUDIT_PAGE 500
/* The furthest offset a view may page to; deeper pages cost a scan each,
 * narrow the time range instead. */
#define LIMIT_AUDIT_OFFSET 100000
/* Repeats of one refusal or failure (same actor, address, event and
 * outcome) within this many seconds become one entry with a count
 * (audit/repeat.h).  A minute keeps a flood at two entries a minute per
 * key, and an administrator who looks sees counts at most that old (the
 * view flushes them anyway). */
#define LIMIT_AUDIT_REPEAT_WINDOW 60
/* Keys counted at once.  A slot is under 1 KiB; when all are taken the
 * oldest is written out early (never dropped), so an attacker with many
 * addresses costs entries, not memory.  256 is far beyond the distinct
 * offenders a node sees in a minute. */
#define LIMIT_AUDIT_REPEAT_SLOTS 256
/* Objects of one key (same person, address, action, kind, outcome)
 * counted apart in a window, so each object refused is named by id: a
 * person who mistypes a link or follows a stale one stays well under it;
 * past it someone is probing ids, and the rest share one entry with
 * their count (the kind and the count are what matter then). */
#define LIMIT_AUDIT_REPEAT_OBJECTS 16

/* --- Time zones and service promises (src/promise) ---------------------- */

/* A zone name ("America/Argentina/ComodRivadavia" is 32, the longest). */
#define LIMIT_TZ_NAME 64
/* A TZif file; the largest in tzdata 2025b is under 4 KiB. */
#define LIMIT_TZ_FILE (64 * 1024)
/* Transitions in one zone; "fat" files hold at most about 250. */
#define LIMIT_TZ_TRANSITIONS 2000
/* Local time types; a transition names its type in one byte. */
#define LIMIT_TZ_TYPES 256
/* Bytes of abbreviations ("CET\0CEST\0"); real zones use under 50. */
#define LIMIT_TZ_CHARS 256
/* The POSIX TZ string at the end of a v2+ file; real ones are under 50. */
#define LIMIT_TZ_FOOTER 128
/* Working or reachable windows per weekday: a morning and an afternoon. */
#define LIMIT_PROMISE_WINDOWS_PER_DAY 2
/* Holiday entries (a date or a range) in one promise: years of public
 * holidays plus the practice's own closing days fit many times over. */
#define LIMIT_PROMISE_HOLIDAYS 256
/* Days in one holiday range: a sabbatical, not a retirement. */
#define LIMIT_PROMISE_HOLIDAY_SPAN 366
/* Years a holiday date may name: nothing before the epoch, nothing so far
 * ahead that it can only be a typing error. */
#define LIMIT_PROMISE_YEAR_MIN 1970
#define LIMIT_PROMISE_YEAR_MAX 2999
/* Bytes of a schedule or holiday text as typed in a form. */
#define LIMIT_PROMISE_TEXT 4096
/* Reply time in working hours: a month of round-the-clock work. */
#define LIMIT_PROMISE_REPLY_HOURS 744
/* Expected contact frequency: at least one exchange per this many days. */
#define LIMIT_PROMISE_CONTACT_DAYS 366
/* Days a deadline or the next reachable moment is searched for, and the
 * longest stretch working time is counted over: a promise that cannot be
 * met within three years is not a promise, and the bound keeps a strange
 * schedule from costing more than a few milliseconds. */
#define LIMIT_PROMISE_HORIZON_DAYS (3 * 366)

/* --- Trajectories (src/trajectory) --------------------------------------- */

/* Characters of a trajectory's title (up to 4 bytes each): a line that
 * names the trajectory for the people in it, not a place for the story
 * itself. */
#define LIMIT_TRAJ_TITLE 200
/* Characters of one learning question (up to 4 bytes each) in the
 * client's own words: a few sentences; the story belongs in the messages. */
#define LIMIT_TRAJ_QUESTION 2000
/* Learning questions per trajectory: a trajectory works on a handful; the
 * bound keeps the first page (which shows them all) small. */
#define LIMIT_TRAJ_QUESTIONS 100
/* Professionals in one trajectory: a coach, a co-coach, a supervisor and a
 * few stand-ins fit easily. */
#define LIMIT_TRAJ_PROFESSIONALS 16
/* Trajectories one overview lists at most (the most recently active
 * first); every row listed is an entry in the access log. */
#define LIMIT_TRAJ_LIST 500
/* Trajectories of one person another module's list looks at (the reply
 * queue, search): far above any caseload, so the newest this many are all
 * a person's current work; a bound on one query's memory. */
#define LIMIT_TRAJ_PARTS 5000
/* Bytes of the promise's free texts (when not reachable, what to do in an
 * emergency): a paragraph each. */
#define LIMIT_PROMISE_NOTE 2000
/* Zones one time zone cache keeps.  Only installed zones load (tzdata has
 * about 600), so the cap is never reached by honest use; zones are borrowed
 * by compiled promises and so are never evicted. */
#define LIMIT_TZ_CACHE 1024

/* --- Keys and mail ------------------------------------------------------ */

/* Unwrapped data keys the keyring caches (72 bytes each, in locked memory
 * that counts against RLIMIT_MEMLOCK).  Past it the cache is emptied and
 * refills from the database: a miss costs one query and one unwrap. */
#define LIMIT_KEYRING_CACHE 4096
/* Master keys a process keeps after rotating, for unwrapping only: a
 * reader's snapshot may predate a rotation, and rotations in quick
 * succession (a test, an operator retrying) may pass it more than once.
 * Four cover any real reader; the fifth oldest is wiped. */
#define LIMIT_KEYRING_RETIRED 4
/* An e-mail body in bytes.  Mails carry notifications, never content, so
 * a few lines; the limit catches a caller that passes a client's text. */
#define LIMIT_MAIL_BODY (64 * 1024)
/* Milliseconds an SMTP exchange may take when the configuration gives no
 * timeout: a mail server that hangs must not hold a request thread. */
#define LIMIT_MAIL_TIMEOUT_MS 20000

/* --- Writing assistant (src/assistant) --------------------------------- */

/* Bytes of a draft or a client message the assistant analyses: what a
 * message may hold, so a live-panel request can never analyse more. */
#define LIMIT_ASSISTANT_TEXT LIMIT_MESSAGE
/* Past messages passed in for the rhythm.  The phase looks at the last few
 * intervals only, so callers pass the newest messages; a cap keeps the sort
 * cheap on a thread that has run for years. */
#define LIMIT_ASSISTANT_HISTORY 1024
/* A token longer than this many bytes is no word (a URL, a pasted hash):
 * it still counts for sentence length but is never stemmed or suggested. */
#define LIMIT_ASSISTANT_WORD 64
/* Content words of the client's message that are ranked for mirroring:
 * about eight pages.  A longer message's own words show in its first
 * pages, and the table of words and phrases stays small. */
#define LIMIT_ASSISTANT_MIRROR_WORDS 2000
/* One word-list file in share/assistant: ours, but a broken install must not
 * make start-up slow or huge. */
#define LIMIT_ASSISTANT_LIST_BYTES (1024 * 1024)
#define LIMIT_ASSISTANT_LIST_ENTRIES 20000

/* --- Threads and messages (src/message) -------------------------------- */

/* Bytes of a thread's subject: one line that names the conversation. */
#define LIMIT_THREAD_SUBJECT 200
/* Bytes of a quoted passage: the few sentences of the client one mirrors
 * (seed 001); the whole message is one link away. */
#define LIMIT_QUOTE 2000
/* Attachments to one message: a handful of documents.  The upload body
 * (LIMIT_BODY_UPLOAD) bounds their sum; this bounds the rows.  Each is
 * 1..LIMIT_ATTACHMENT bytes and one of the types told by content in
 * src/message/attach.c: PDF, PNG, JPEG, GIF, UTF-8 plain text, Word
 * (.docx) and OpenDocument text (.odt); anything else is a 415. */
#define LIMIT_ATTACHMENTS 5
/* Bytes of an attachment's name after cleaning: long enough for any real
 * document title, short enough to list. */
#define LIMIT_ATTACHMENT_NAME 120
/* Corrections of one message: a correction or two is human; past this a
 * conversation is being rewritten, which written coaching does not do
 * (the page shows every version). */
#define LIMIT_CORRECTIONS 20
/* Entries of a zip's central directory walked to tell a .docx or .odt from
 * any other zip: real documents have a few dozen. */
#define LIMIT_ZIP_ENTRIES 4096
/* Messages one thread page (and its JSON) shows; older ones come a page
 * at a time by a cursor (msg_thread_page).  Each is opened, marked read
 * and rendered per view, so the page's cost is this, not the thread's
 * length: at 500 a thread of 100,000 messages made an 800 KB page served
 * 25 times a second.  Fifty is weeks of written coaching and a long
 * stretch of chat, about ten screens to scroll. */
#define LIMIT_THREAD_PAGE 50
/* Threads one trajectory lists. */
#define LIMIT_THREADS 500
/* Messages one export holds at most: years of weekly contact fit many
 * times over; the bound keeps one request's memory finite. */
#define LIMIT_EXPORT_MESSAGES 20000
/* Search: bytes of a query, words of it used (all must occur), and
 * results shown (newest first; each is opened and in the access log). */
#define LIMIT_SEARCH_QUERY 200
#define LIMIT_SEARCH_WORDS 8
#define LIMIT_SEARCH_RESULTS 50
/* A normalised word longer than this is no word (a URL, a hash) and is not
 * indexed; a query word that long finds nothing. */
#define LIMIT_SEARCH_WORD 64
/* Distinct words indexed per message: a long message has a few thousand;
 * past this the rest are not findable (and the filter's size is bounded). */
#define LIMIT_SEARCH_TOKENS 4096
/* Bytes of one message's filter of its words (src/message/search.h):
 * LIMIT_SEARCH_TOKENS words at 16 bits each fit exactly.  A stored filter
 * of any other size than posting makes is not trusted: the message is
 * opened and checked instead. */
#define LIMIT_SEARCH_BLOOM_BYTES 8192
/* Messages whose filters one search tests: a few hundred bytes each, read
 * through the trajectory index; a search at the bound took 140 ms on the
 * two-core development machine.  A user who takes part in more (years of
 * a large caseload) finds what is in the most recently active
 * trajectories, each newest first, up to it. */
#define LIMIT_SEARCH_SCAN 200000
/* Candidates one search opens to check their words: the filters' rare
 * false positives and the messages still without a filter (posted before
 * 013_search_bloom) are opened too, each a decryption. */
#define LIMIT_SEARCH_OPEN 1000

/* --- Reply queue, adherence and the notification outbox --------------- */

/* Waiting messages one queue page lists (earliest deadline first): more
 * than a professional can act on; the bound keeps one page finite. */
#define LIMIT_QUEUE 1000
/* Characters of the note of an "I need more time" notice (up to 4 bytes
 * each): a few sentences to the client, the reply itself comes later. */
#define LIMIT_NOTICE_NOTE 2000
/* Days a notice may move a deadline ahead: a postponement, not a pause. */
#define LIMIT_NOTICE_DAYS 90
/* Days one adherence report may span, and client messages it reads at
 * most: years of daily contact in a large practice fit; past it the report
 * asks for a shorter period (ERR_TOOBIG) instead of holding the rows of
 * everything in memory. */
#define LIMIT_REPORT_DAYS 731
#define LIMIT_REPORT_MESSAGES 100000
/* People one outbox batch mails at most (the rest wait for the next
 * batch): a batch must stay short so stopping the server is prompt. */
#define LIMIT_OUTBOX_BATCH 200
/* Seconds a batch holds the rows it is mailing about: should the node die
 * while sending, another batch takes them over after this. */
#define LIMIT_OUTBOX_LEASE 600
/* Retry delays after a failed mail: the first, doubling to the last. */
#define LIMIT_OUTBOX_RETRY_FIRST 60
#define LIMIT_OUTBOX_RETRY_MAX 3600

/* --- Live events (src/event, src/http/sse.c) --------------------------- */

/* Event streams one user may hold open on a node: a page each, so a few
 * tabs and a phone; past it the oldest tab is forgotten by the person and
 * a new one is refused (429) rather than letting one account hold a
 * node's connections. */
#define LIMIT_SSE_PER_USER 8
/* Streams one node holds: below LIMIT_CONNECTIONS so ordinary requests
 * still find a connection when every stream is taken.  What an idle
 * stream costs, to size a node: one socket descriptor (the server raises
 * its soft RLIMIT_NOFILE to the hard limit at start-up and logs it; give
 * it at least LIMIT_CONNECTIONS + 256), about 13.5 KiB of the server's
 * memory (libmicrohttpd's connection pool, LIMIT_CONN_MEMORY, of which
 * only the pages touched count, and the subscription; measured by
 * bench/40-live.sh, BENCH sse_kib_per_stream) and the kernel's socket
 * buffers outside it (LIMIT_SSE_SNDBUF at most while a reader lags),
 * plus up to LIMIT_SSE_QUEUE queued for a slow reader before it is
 * dropped.  10,000 streams: about 130 MiB and 10,000 descriptors. */
#define LIMIT_SSE_PER_NODE 10000
/* Bytes waiting for one stream's reader.  A reader that lets this much
 * pile up is slow or gone: the stream is closed, and its browser
 * reconnects and replays from Last-Event-ID.  Never buffered beyond. */
#define LIMIT_SSE_QUEUE (32 * 1024)
/* The kernel's send buffer of a stream's socket: with the queue above it
 * bounds what one slow reader costs (loopback would otherwise grant MBs). */
#define LIMIT_SSE_SNDBUF (16 * 1024)
/* Seconds between heartbeats: a suspended connection does not notice a
 * client that left; writing a comment line does.  Below the 30-60 s idle
 * timeouts of common proxies. */
#define LIMIT_SSE_HEARTBEAT 15
/* Seconds one stream lives before the server ends it; the browser
 * reconnects (replaying what it missed) with its cookie checked again, so
 * a session that ended stops receiving within this. */
#define LIMIT_SSE_LIFETIME (10 * 60)
/* Events kept per scope (a trajectory, a user) for replay after a
 * reconnect, and seconds they are kept: a reconnect within the window
 * misses nothing; an older Last-Event-ID gets a "reload" event. */
#define LIMIT_EVENT_REPLAY 256
#define LIMIT_EVENT_REPLAY_SECS (5 * 60)
/* Scopes whose replay rings a node keeps; past it the longest unused
 * ring without streams is dropped (a reconnect to it reloads). */
#define LIMIT_EVENT_SCOPES 20000
/* Bytes of one event's data (JSON of ids and small facts or safe HTML, never a
 * client's text) and of its kind name.  PostgreSQL's NOTIFY takes 8000
 * bytes; larger notifications go through the live_events table. */
#define LIMIT_EVENT_DATA (16 * 1024)
#define LIMIT_EVENT_KIND 16
#define LIMIT_EVENT_NOTIFY 7900

/* --- Chat, hourglass, activities (src/chat, src/activity) -------------- */

/* Bytes of one chat message: chat is short turns; a longer text belongs
 * in a written message (LIMIT_MESSAGE). */
#define LIMIT_CHAT_MESSAGE 4000
/* Chat messages the window shows at once; older ones come by a cursor
 * (?before=), as on the thread page. */
#define LIMIT_CHAT_PAGE 50
/* Seconds without a word after which a participant's minute no longer
 * counts as active, and a chat session that nobody ended is taken as
 * ended (its time is recorded when the next one starts). */
#define LIMIT_CHAT_IDLE (30 * 60)
/* Chat messages one export holds at most (see LIMIT_EXPORT_MESSAGES). */
#define LIMIT_CHAT_EXPORT 20000
/* The hourglass: budget in minutes (a session of a day at most), and
 * seconds before its end when it warns both parties. */
#define LIMIT_HOURGLASS_MINUTES (8 * 60)
#define LIMIT_HOURGLASS_WARN (2 * 60)
/* Activities one trajectory lists: years of sessions. */
#define LIMIT_ACTIVITIES 5000
/* Appointments (src/appointment).  Lengths: a phone call of 5 minutes to a
 * working day's training; buffers up to two hours (travel).  Bookings up
 * to two years ahead; slot searches over at most a year at a time (a
 * month view asks for six weeks).  Busy spans read for one search: a year
 * of back-to-back quarter hours fits.  Reminders go a day before. */
#define LIMIT_APPT_MIN_MINUTES 5
#define LIMIT_APPT_MAX_MINUTES 480
#define LIMIT_APPT_DEFAULT_MINUTES 60
#define LIMIT_APPT_BUFFER 120
#define LIMIT_APPT_LATE_HOURS 336
#define LIMIT_APPT_AHEAD_DAYS 731
#define LIMIT_APPT_SLOT_RANGE_DAYS 366
#define LIMIT_APPT_BUSY 40000
#define LIMIT_APPT_REMIND_HOURS 24
/* A location ("Room 2, Stationsplein 1, Utrecht") and a cancellation
 * reason are short texts; the calendar shows at most LIMIT_APPT_LIST
 * appointments at once (a feed of 10,000 events and more fits) and
 * LIMIT_APPT_TASKS open follow-up tasks. */
#define LIMIT_APPT_LOCATION 300
#define LIMIT_APPT_REASON 1000
#define LIMIT_APPT_LIST 20000
#define LIMIT_APPT_TASKS 200
/* An invitation mailed along with a notice (smtp.c): one event and its
 * VTIMEZONE are a few kilobytes. */
#define LIMIT_MAIL_CALENDAR 65536
/* --- Questionnaires, diary and mood meter (src/instrument, src/diary) -- */

/* Bytes of one instrument file: the largest shipped one is about 12 KiB;
 * a 200-item instrument in two languages with long items fits. */
#define LIMIT_INSTRUMENT_BYTES (128 * 1024)
/* Bytes of one line of an instrument file: an item's text in one language
 * is a sentence or two, never a page. */
#define LIMIT_INSTRUMENT_LINE 1024
/* Items of one instrument: the longest questionnaires in routine use
 * (e.g. the SCL-90) have 90; twice that leaves room. */
#define LIMIT_INSTRUMENT_ITEMS 200
/* Answer scales of one instrument; most have one or two. */
#define LIMIT_INSTRUMENT_SCALES 16
/* Distance between the lowest and highest point of a scale: 0-100 is a
 * visual analogue scale, the widest we accept. */
#define LIMIT_INSTRUMENT_SCALE_SPAN 100
/* Scores (total and subscales) of one instrument. */
#define LIMIT_INSTRUMENT_SCORES 32
/* Cut-offs (labelled bands) of one score: severity bands have five. */
#define LIMIT_INSTRUMENT_CUTOFFS 10
/* Bytes of an identifier (instrument, scale, item, score). */
#define LIMIT_INSTRUMENT_ID 32
/* Versions of one instrument kept: a professional editing by the hour
 * for years would not reach it. */
#define LIMIT_INSTRUMENT_VERSIONS 1000
/* A questionnaire due N hours before or after each appointment: two
 * weeks either way covers "the week before" with room; further away it
 * belongs to another appointment more than to this one. */
#define LIMIT_MEASURE_APPT_HOURS 336
/* Results listed and plotted on one page (older ones a page further, and
 * all of them in the CSV): each costs a decryption and a table row, so a
 * bound keeps the page after 200 results within twice the page after 5
 * (bench/30-measures.sh: 50 a page made it 2.4 times); twenty are most
 * of a year of fortnightly measurements. */
#define LIMIT_RESULTS_PAGE 20
/* Results one CSV holds at most: a weekly measure for a century. */
#define LIMIT_RESULTS_CSV 5000
/* Bytes of a diary entry and of a mood note. */
#define LIMIT_DIARY_ENTRY (16 * 1024)
#define LIMIT_MOOD_NOTE 1000
/* Tags on one mood entry, and bytes of one tag. */
#define LIMIT_MOOD_TAGS 8
#define LIMIT_MOOD_TAG 32
/* Moods one plot window reads at most: a year of daily moods read
 * several times a day fits (the month view spans a year). */
#define LIMIT_MOOD_WINDOW 4000
/* Diary entries one page lists. */
#define LIMIT_DIARY_PAGE 200
/* Mood reminder times per client per day. */
#define LIMIT_MOOD_REMINDERS 4
/* Points one plot draws at most: a plot of five years of daily moods
 * shows weekly or monthly means instead of 1,800 dots. */
#define LIMIT_PLOT_POINTS 400
/* --- Assignments and the learning cycle (src/assignment) -------------- */

/* Characters of an assignment's or a template's title: a line in a list. */
#define LIMIT_ASG_TITLE 120
/* Bytes of an assignment's instructions (Markdown) and of a template's:
 * a few pages of reading guidance; longer material is an attachment. */
#define LIMIT_ASG_INSTRUCTIONS (16 * 1024)
/* Bytes of one version of the client's work (and of its draft): a long
 * essay; what is longer goes in an attachment. */
#define LIMIT_ASG_WORK (64 * 1024)
/* Bytes of one round of feedback, and of a practice report, reflection or
 * conclusion in the cycle. */
#define LIMIT_ASG_FEEDBACK (16 * 1024)
#define LIMIT_ASG_STEP (16 * 1024)
/* Versions handed in per assignment: rounds of feedback and revision are
 * a handful; the bound keeps the page and the export finite. */
#define LIMIT_ASG_VERSIONS 30
/* Files on one version of the client's work (those attached to the draft
 * included) and on one round of feedback: as many as on a message, for
 * the same reason (src/assignment uses the message module's checks). */
#define LIMIT_ASG_FILES LIMIT_ATTACHMENTS
/* Assignments per trajectory (every experiment of every learning question
 * over years) and per offer (a choice of where to start, not a catalogue). */
#define LIMIT_ASG_PER_TRAJ 500
#define LIMIT_ASG_OFFER 6
/* Work forms as tags per assignment: the six forms of the issue. */
#define LIMIT_ASG_TAGS 6
/* Templates in one organisation's library. */
#define LIMIT_ASG_TEMPLATES 200
/* The word diff of two versions (src/assignment/diff.h): cells of the
 * longest-common-subsequence table after the common start and end are cut
 * off (2 bytes each: 8 MB at most).  A middle too large for it is shown as
 * one deletion and one insertion: correct, only coarser. */
#define LIMIT_DIFF_CELLS (4 * 1024 * 1024)
/* Seconds before its due date a client is reminded of an assignment not
 * yet handed in (one content-free mail through the outbox). */
#define LIMIT_ASG_REMIND_BEFORE (24 * 3600)

/* Pricing and invoices (src/billing, issue 13).  Money is int64 cents.
 * One amount (a rate, a price, a line, an invoice's total) at most
 * EUR 100 million: far above any coaching invoice, and small enough that
 * a quantity times a price within these limits cannot overflow int64
 * (1e10 * 1e6 = 1e16 < 9.2e18); the arithmetic is checked all the same. */
#define LIMIT_BILL_CENTS 10000000000LL
/* A quantity on a line or estimate (sessions, minutes, replies): a
 * million minutes is two years without sleep. */
#define LIMIT_BILL_QTY 1000000
/* A margin on the cost price in percent: 1000% is already a typo. */
#define LIMIT_BILL_MARGIN 1000
/* Lines of an invoice (one per kind of activity plus a few typed by
 * hand) and of an estimate (the kinds of expected activity). */
#define LIMIT_INVOICE_LINES 40
#define LIMIT_ESTIMATE_LINES 12
/* Invoices (and credit notes) listed for one trajectory or exported in
 * one CSV: years of monthly invoices. */
#define LIMIT_INVOICES 1000
/* Bytes of a line's description and of an organisation's billing field
 * (a legal name, a street): what fits on an A4 line. */
#define LIMIT_BILL_TEXT 200
/* Days until an invoice is due: the Dutch default term is 30 days. */
#define LIMIT_INVOICE_DUE_DAYS 30
/* Time accounting and stakeholders (issue 13; src/activity,
 * src/stakeholder). */
/* Minutes of one entry by hand: a long working day of preparation; more
 * is a typing error. */
#define LIMIT_ACTIVITY_MINUTES (12 * 60)
/* Active seconds one post of static/active.js may carry: it posts every
 * 30 s, so twice that is a late post, more is not a page's measure. */
#define LIMIT_ACTIVE_POST 60
/* Seconds without a post after which active time on a page starts a new
 * row: a pause of ten minutes ends a sitting. */
#define LIMIT_ACTIVE_GAP (10 * 60)
/* Kinds of time a period's totals hold (activity_kind_ok's ten, and room
 * for the ones other modules record). */
#define LIMIT_ACTIVITY_KINDS 32
/* An agreed budget in minutes: 1,000 hours is more than any trajectory. */
#define LIMIT_BUDGET_MINUTES (1000 * 60)
/* Days one period of the time page spans: a few years of a trajectory. */
#define LIMIT_TIME_PERIOD_DAYS (5 * 366)
/* Stakeholders one trajectory can have: an employer, HR, a referrer and a
 * few more; proposals and withdrawn ones included. */
#define LIMIT_STAKEHOLDERS 20
/* Stakeholders one appointment can have taking part. */
#define LIMIT_APPT_STAKEHOLDERS 5
/* Meetings one stakeholder's page lists: an intake, evaluations and a
 * closing, many times over. */
#define LIMIT_STAKEHOLDER_APPTS 200
/* --- Calls (src/call) --------------------------------------------------- */

/* People in one call, in it or waiting: each browser of a mesh sends its
 * streams to every other participant, and past four that is more upload
 * than a home connection has (call.h says how Janus would take more). */
#define LIMIT_CALL_PARTICIPANTS 4
/* Seconds between a call page's heartbeats, and without one after which
 * its participant has left (as of their last beat): four beats missed,
 * for a train through a tunnel, yet a closed laptop frees its place
 * within a minute. */
#define LIMIT_CALL_BEAT 10
#define LIMIT_CALL_TIMEOUT 45
/* Bytes of one signal's data as sent (an SDP offer with audio and video
 * is 3 to 8 KB, an ICE candidate a few hundred bytes), and of the request
 * that carries it: with its envelope still under LIMIT_EVENT_DATA. */
#define LIMIT_CALL_SIGNAL (12 * 1024)
#define LIMIT_CALL_BODY (14 * 1024)
/* Seconds TURN credentials stay valid when turn_ttl is not set: longer
 * than a long session, short enough that one copied from a page is
 * useless by the next day. */
#define LIMIT_TURN_TTL (6 * 3600)
/* --- The instrument builder (src/web/ui-instrument-builder.c) ---------- */

/* Form fields of a route marked ROUTE_MANY_FIELDS (the builder, which
 * posts the whole questionnaire on every button): six per item, three
 * per scale and two per labelled point, five per score, one per item it
 * counts and three per cut-off.  A 200-item questionnaire on a labelled
 * 0-10 scale with a total and four subscales fits; the body limit
 * (LIMIT_BODY_FORM) bounds the bytes as for every form. */
#define LIMIT_FORM_FIELDS_MANY 4096
/* --- Media and module packages (src/media, src/package) -------------- */

/* Bytes of one stored row of a media file.  A film is read, and sent, a
 * chunk at a time, so a request holds one chunk whatever the file's size;
 * 256 KiB keeps a 40 MB film at 160 rows, and one row well under what
 * both backends move comfortably in one value. */
#define LIMIT_MEDIA_CHUNK (256 * 1024)
/* Bytes of one media file: a ten-minute film at a modest bit rate, a long
 * recorded exercise in audio.  The server holds an upload's body in memory
 * (mapped, see LIMIT_BODY_MMAP), so this is also what one upload costs. */
#define LIMIT_MEDIA_FILE (48 * 1024 * 1024)
/* Bytes MHD asks a streamed body for at a time (http.h resp_stream): a
 * socket buffer's worth. */
#define LIMIT_STREAM_BLOCK (64 * 1024)
/* The body of a media upload: the file and the form around it. */
#define LIMIT_BODY_MEDIA (LIMIT_MEDIA_FILE + 64 * 1024)
/* Media files of one organisation: the images, sounds and films of a few
 * dozen modules and a library. */
#define LIMIT_MEDIA_PER_ORG 5000
/* Media files one list page shows. */
#define LIMIT_MEDIA_PAGE 200
/* A module package (src/package/FORMAT.md), read whole before anything is
 * stored, so nothing is half-imported.  Entries: a module of ten sessions
 * of ten pages with a picture each is two hundred; a thousand leaves room
 * and bounds the central directory walk. */
#define LIMIT_PKG_ENTRIES 1000
/* Bytes of all entries uncompressed together, and of one entry: what a
 * package may make the server hold.  Media are stored compressed already,
 * so honest packages are about as large as their contents. */
#define LIMIT_PKG_TOTAL (192 * 1024 * 1024)
#define LIMIT_PKG_ENTRY LIMIT_MEDIA_FILE
/* Uncompressed bytes per compressed byte of an entry: text compresses
 * to a fifth, say; 100 is far beyond that and far below a bomb's 1000s.
 * Entries below LIMIT_PKG_RATIO_FLOOR bytes are not held to it (a short
 * run of spaces compresses well and harms no one). */
#define LIMIT_PKG_RATIO 100
#define LIMIT_PKG_RATIO_FLOOR (64 * 1024)
/* Bytes of the manifest: a thousand lines of a few dozen bytes. */
#define LIMIT_PKG_MANIFEST (64 * 1024)
/* Bytes of an entry's name (a path inside the package). */
#define LIMIT_PKG_PATH 200
/* Bytes of one page's Markdown: a few screens; longer is another page. */
#define LIMIT_PKG_PAGE_TEXT (32 * 1024)
/* Sessions of a module, pages of a session, options of a choice. */
#define LIMIT_PKG_SESSIONS 30
#define LIMIT_PKG_PAGES 20
#define LIMIT_PKG_OPTIONS 12
/* Bytes of a title, a summary, a prompt, an option's text. */
#define LIMIT_PKG_TITLE 200
#define LIMIT_PKG_SUMMARY 2000
/* Self-help modules (src/module, issue 12).  Sessions per module and
 * pages per session: the longest programs in the seeds run twelve weekly
 * sessions of a dozen pages; the bounds keep a page, the parser's arrays
 * and the export finite. */
#define LIMIT_MOD_SESSIONS 40
#define LIMIT_MOD_PAGES 30
/* Options of one choice: a choice, not a catalogue. */
#define LIMIT_MOD_OPTIONS 12
/* Bytes of a module's source (every page's Markdown): a book chapter per
 * session fits; it is posted in one form, below LIMIT_BODY_FORM. */
#define LIMIT_MOD_SOURCE (200 * 1024)
/* Characters of a module's title and of a questionnaire's name. */
#define LIMIT_MOD_TITLE 200
/* Bytes of one answer (an essay, as an assignment's work is 64 KB with
 * attachments) and of the professional's feedback on a session. */
#define LIMIT_MOD_ANSWER (16 * 1024)
#define LIMIT_MOD_FEEDBACK (16 * 1024)
/* Modules in an organisation's library, and runs per trajectory. */
#define LIMIT_MOD_PER_ORG 500
#define LIMIT_MOD_PER_TRAJ 50
/* Timing: every 1..N days; N hours before or after an appointment (two
 * weeks, as questionnaires); a date or an appointment at most two years
 * ahead (the calendar books no further). */
#define LIMIT_MOD_EVERY_DAYS 90
#define LIMIT_MOD_APPT_HOURS 336
#define LIMIT_MOD_DATE_AHEAD (2 * 366 * 86400)
/* Seconds between two actions of the client that still count as active
 * time in a module (reading a page takes minutes; a longer gap is a
 * pause, not work). */
#define LIMIT_MOD_ACTIVE_GAP 600
/* Runs looked at per reminder pass (one write job; the next pass takes
 * the rest). */
#define LIMIT_MOD_REMIND_BATCH 200
/* Seconds until the reminder pass looks again at a run whose next session
 * waits for an appointment to be booked or a session to be finished (a
 * finish asks for a look at once; a booking is seen within this). */
#define LIMIT_MOD_RECHECK 3600
/* The body of a package import (ui-mod-pkg.c): a package whose media
 * (stored compressed already) fill a few media files' worth, and the form
 * around it.  The whole body is held while pkg_read checks it. */
#define LIMIT_BODY_PKG (2 * LIMIT_MEDIA_FILE + 64 * 1024)
/* The psycho-education library (src/library, issue 12).  A title and a
 * summary are what a list shows of an item: a line and a few sentences.
 * An article is a few pages of reading (the message limit, which the
 * Markdown renderer and the writing assistant read in full). */
#define LIMIT_LIBRARY_TITLE 200
#define LIMIT_LIBRARY_SUMMARY 600
#define LIMIT_LIBRARY_BODY LIMIT_MESSAGE
/* Tags: a handful of short words to filter by. */
#define LIMIT_LIBRARY_TAGS 10
#define LIMIT_LIBRARY_TAG 40
/* Items in one organisation's library: the benchmark searches 100,000
 * (bench/50-library.sh); a list page shows the newest LIMIT_LIBRARY_LIST. */
#define LIMIT_LIBRARY_ITEMS 100000
#define LIMIT_LIBRARY_LIST 200
/* A search: a short phrase of a few words, each stemmed in two languages
 * (an AND of OR pairs in one statement).  Results come a page of 10 at a
 * time, the best first: ten titles with their summaries is what a reader
 * takes in before searching again (a page of 20 was a long scroll, and
 * the 30 ranked matches after them could not be reached); each result
 * shown is an item read at random in a large library, 3 us at 100,000
 * articles against 1 us at 1,000 (bench/50-library.sh). */
#define LIMIT_LIBRARY_QUERY 200
#define LIMIT_LIBRARY_QUERY_WORDS 8
#define LIMIT_LIBRARY_RESULTS 10
/* Matches a search ranks (tf_bm25, ts_rank), the first it may see in the
 * index's order: a word in a fifth of 100,000 articles would otherwise
 * have 20,000 ranked, and the work would grow with the library.  Each
 * ranked match costs about 0.4-2 us; at 100,000 articles (p50 over 1,000
 * in bench/50-library.sh) 20 gave 1-2x, 50 4.5x, 100 5-7x, 200 7x before
 * the ranking read only the index, all under a millisecond.  Fifty are
 * LIMIT_LIBRARY_PAGES pages of results; past them a rarer word, or one
 * more, finds the rest. */
#define LIMIT_LIBRARY_SCAN 50
#define LIMIT_LIBRARY_PAGES (LIMIT_LIBRARY_SCAN / LIMIT_LIBRARY_RESULTS)
/* Items in a client's own list. */
#define LIMIT_LIBRARY_KEPT 500

/* --- Calls: leaving on unload (src/call, callfix) ----------------------- */

/* Seconds after a call page went away (its leave beacon) in which a join
 * by the same person takes them back to where they were: a reload sends
 * the beacon too, and the page it loads joins again within a second or
 * two; a client who closed the tab and comes back later waits again. */
#define LIMIT_CALL_RESUME 15
/* A closing report (issue 13, stake_report.c): a few pages of prose, as
 * a long message is; the draft form posts it with the token in the action
 * (past LIMIT_BODY_ANON), and FORM bounds the body.  Versions of one
 * report: a report finished again after every small change still has
 * room; the export lists them all. */
#define LIMIT_REPORT_BYTES LIMIT_MESSAGE
#define LIMIT_REPORT_VERSIONS 100
/* Library items attached to one assignment (issue 12, the picker): a
 * handful to read with an exercise; more is a reading list, which the
 * client's own library is for. */
#define LIMIT_ASG_ITEMS 10

#endif
