/*
 * gen.c - the benchmarks' data set: an organisation, people, trajectories
 * through the modules, and messages through a fast path that writes what
 * msg_post writes, a whole batch of threads per write job (see gen.h).
 *
 * Why a fast path: msg_post is one write job per message with its reads
 * around it; 1,000,000 of those take far longer than the few minutes a
 * benchmark may spend on its data.  The rows are the same: sealed with
 * keyring_seal, search filters from search_bloom (none with
 * --no-search-index), deadlines from promise_deadline, audit entries from
 * audit_append.  What msg_post does that the fast path
 * does not: deleting the author's draft (there are none) and attachments
 * (the data set has none).  post_bench measures msg_post itself.
 *
 * Every trajectory's messages come from a generator seeded with its
 * index, so a data set is the same whatever the number of producers.
 */
#include "gen.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "identity/identity.h"
#include "identity/role.h"
#include "keys/keyring.h"
#include "message/search.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

#define GEN_TZ "Europe/Amsterdam"
#define GEN_DOMAIN "bench.infuus.test"
/* A time between two messages of a trajectory: 1 to 20 hours. */
#define GAP_MIN (1 * 3600)
#define GAP_MAX (20 * 3600)

/* --- random numbers ------------------------------------------------------- */

void
gen_rng_init(struct gen_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int64_t
gen_rng_range(struct gen_rng *r, int64_t lo, int64_t hi)
{
	ASSERT(hi >= lo);
	return lo + (int64_t)(gen_rng_next(r) % (uint64_t)(hi - lo + 1));
}

static bool
chance(struct gen_rng *r, unsigned percent)
{
	return gen_rng_next(r) % 100 < percent;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[gen_rng_next(r) % NELEM(a)])

/* --- texts ---------------------------------------------------------------- */

static const char *const nl_sentences[] = {
	"Dank je wel voor je uitgebreide bericht, ik heb het met aandacht gelezen.",
	"Wat mooi dat je de oefening van vorige week echt hebt uitgeprobeerd.",
	"Je schrijft dat je je op het werk vaak opgejaagd voelt.",
	"Kun je een moment beschrijven waarop dat gevoel er juist niet was?",
	"Ik merk dat je veel van jezelf vraagt, en dat is ook een kracht.",
	"Deze week heb ik geprobeerd om na elk overleg drie minuten stil te staan.",
	"Het lukte niet altijd, maar op dinsdag voelde ik echt het verschil.",
	"Mijn leidinggevende vroeg of ik het project wilde overnemen en ik zei meteen ja.",
	"Achteraf dacht ik: waarom heb ik niet eerst even nagedacht?",
	"Wat zou er gebeuren als je de volgende keer om bedenktijd vraagt?",
	"Ik stel voor dat je deze week bijhoudt wanneer je 'ja' zegt terwijl je 'nee' bedoelt.",
	"Schrijf er kort bij wat je op dat moment voelde en wat je dacht.",
	"Je hoeft het niet perfect te doen; het gaat om het opmerken.",
	"Ik vond het lastig om eerlijk te zijn tegen mijn collega.",
	"Toch heb ik het gesprek gevoerd en het viel me mee.",
	"Ze reageerde rustiger dan ik had verwacht en we hebben afspraken gemaakt.",
	"Dat klinkt als een belangrijke stap: je hebt je grens hardop benoemd.",
	"Welke zin uit dat gesprek wil je onthouden voor een volgende keer?",
	"Ik slaap de laatste tijd slecht en pieker veel over de reorganisatie.",
	"Het helpt me om 's avonds mijn gedachten op te schrijven.",
	"Misschien is het goed om in ons volgende contact samen naar je energiebronnen te kijken.",
	"Wat geeft je energie, en wat kost je energie op een gewone werkdag?",
	"Ik heb de vragenlijst ingevuld, maar bij een paar vragen twijfelde ik.",
	"Neem gerust de tijd; ik reageer uiterlijk donderdag op je bericht.",
	"Ik had deze week wat meer tijd nodig om goed op je vragen in te gaan.",
	"Je leervraag was: hoe houd ik overzicht als alles tegelijk komt?",
	"Laten we kijken welk klein experiment je deze week kunt doen.",
	"Bijvoorbeeld: elke ochtend drie taken kiezen die echt af moeten.",
	"Ik ben benieuwd wat je opvalt als je daar een week mee werkt.",
	"Vandaag ging het beter, ik heb 's middags een wandeling gemaakt.",
	"Mijn partner zei dat ik rustiger oogde, dat was fijn om te horen.",
	"Wat heb je anders gedaan dan anders, denk je?",
	"Het is knap dat je dit zo eerlijk opschrijft.",
	"Ik herken wat je beschrijft over het moeten presteren.",
	"Zullen we in het gesprek van volgende week je werkgever erbij betrekken?",
	"Alleen als jij dat wilt, natuurlijk; jij bepaalt wat je deelt.",
	"Het schema met de drie kolommen heeft me geholpen om patronen te zien.",
	"Ik zie vooral dat ik op maandag te veel afspraken plan.",
	"Een mooie ontdekking; wat zou je daar concreet aan willen veranderen?",
	"Ik wil proberen om op maandag geen overleggen meer na vier uur te plannen.",
};

static const char *const en_sentences[] = {
	"Thank you for your detailed message, I read it with care.",
	"It is great that you actually tried last week's exercise.",
	"You write that you often feel rushed at work.",
	"Could you describe a moment when that feeling was not there?",
	"I notice that you ask a lot of yourself, and that is a strength too.",
	"This week I tried to pause for three minutes after every meeting.",
	"It did not always work, but on Tuesday I really felt the difference.",
	"My manager asked whether I wanted to take over the project and I said yes at once.",
	"Afterwards I wondered why I had not taken a moment to think first.",
	"What would happen if you asked for time to think next time?",
	"I suggest that this week you note when you say 'yes' while you mean 'no'.",
	"Write down briefly what you felt at that moment and what you thought.",
	"It does not have to be perfect; noticing is what matters.",
	"I found it hard to be honest with my colleague.",
	"Still, I had the conversation and it went better than I feared.",
	"She reacted more calmly than I expected and we made agreements.",
	"That sounds like an important step: you named your limit out loud.",
	"Which sentence from that conversation do you want to remember?",
	"I have been sleeping badly and worry a lot about the reorganisation.",
	"Writing my thoughts down in the evening helps me.",
	"Perhaps in our next contact we can look at your sources of energy together.",
	"What gives you energy, and what drains it on an ordinary working day?",
	"I filled in the questionnaire, but I hesitated over a few questions.",
	"Take your time; I will reply to your message by Thursday at the latest.",
	"I needed a little more time this week to answer your questions properly.",
	"Your learning question was: how do I keep an overview when everything comes at once?",
	"Let us see which small experiment you can try this week.",
	"For example: choose three tasks every morning that really must be done.",
	"I am curious what you notice after working like that for a week.",
	"Today went better, I took a walk in the afternoon.",
};

static const char *const nl_subjects[] = {
	"Terugblik op ons gesprek", "Oefening: grenzen aangeven",
	"Vragenlijst energie", "Mijn week", "Experiment voor deze week",
	"Voorbereiding driegesprek", "Slapen en piekeren", "Leervraag overzicht",
	"Feedback op je verslag", "Even een update",
};

static const char *const en_subjects[] = {
	"Looking back at our talk", "Exercise: setting limits",
	"Energy questionnaire", "My week", "This week's experiment",
	"Preparing the meeting with HR", "Sleep and worry",
	"Learning question: overview", "Feedback on your report", "A quick update",
};

static const char *const first_names[] = {
	"Anouk", "Bram", "Charlotte", "Daan", "Eva", "Fleur", "Gijs", "Hanna",
	"Iris", "Jesse", "Kim", "Lars", "Maaike", "Noah", "Olga", "Pieter",
	"Quinten", "Roos", "Sanne", "Thijs", "Ulla", "Vera", "Willem", "Yara",
};

static const char *const last_names[] = {
	"de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
	"Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk",
	"Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "van den Berg",
};

static const char *const titles[] = {
	"Loopbaancoaching", "Balans werk en privé", "Omgaan met stress",
	"Leiderschapsontwikkeling", "Re-integratie na verzuim",
	"Assertiviteit op het werk", "Preventie burn-out", "Timemanagement",
};

void
gen_text(struct gen_rng *r, bool dutch, size_t len, struct buf *out)
{
	const char *const *s = dutch ? nl_sentences : en_sentences;
	size_t ns = dutch ? NELEM(nl_sentences) : NELEM(en_sentences);
	size_t start = out->len, cut, in_para = 0;
	int list = chance(r, 10) ? (int)gen_rng_range(r, 2, 4) : 0;

	while (out->len - start < len) {
		const char *sent = s[gen_rng_next(r) % ns];

		if (out->len > start) {
			if (in_para >= 2 && chance(r, 35)) {
				buf_adds(out, "\n\n");
				in_para = 0;
			} else {
				buf_addch(out, ' ');
			}
		}
		if (list > 0 && in_para == 0 && out->len > start) {
			/* A short list, as people write them. */
			while (list-- > 0) {
				buf_adds(out, "- ");
				buf_adds(out, s[gen_rng_next(r) % ns]);
				buf_addch(out, '\n');
			}
			buf_addch(out, '\n');
		}
		if (chance(r, 5)) {
			buf_adds(out, "**");
			buf_adds(out, sent);
			buf_adds(out, "**");
		} else {
			buf_adds(out, sent);
		}
		in_para++;
	}
	/* Cut at the last space within len, so the text stays UTF-8. */
	cut = start + len;
	while (cut > start && out->p[cut] != ' ' && out->p[cut] != '\n')
		cut--;
	if (cut == start)
		cut = start + len;
	out->len = cut;
	while (out->len > start && (out->p[out->len - 1] == ' ' ||
	    out->p[out->len - 1] == '\n' || out->p[out->len - 1] == ',' ||
	    out->p[out->len - 1] == '-'))
		out->len--;
	out->p[out->len] = '\0';
}

/* --- opening -------------------------------------------------------------- */

int
gen_open(const char *dir, struct gen_world *w)
{
	struct buf path = BUF_INIT;
	struct db_conn *c;
	int64_t orgs = 0;
	int rc;

	memset(w, 0, sizeof(*w));
	if ((rc = crypto_init()) != 0)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ERR_IO;
	buf_printf(&path, "%s/infuus.db", dir);
	if ((rc = db_open(path.p, &w->db)) != 0)
		goto out;
	if ((rc = db_migrate(w->db, NULL)) != 0)
		goto out;
	buf_reset(&path);
	buf_printf(&path, "%s/master.key", dir);
	if ((rc = keyring_new(path.p, &w->kr)) != 0)
		goto out;
	if ((rc = keyring_start(w->kr, w->db)) != 0)
		goto out;
	if ((rc = tz_cache_new(&w->tzc)) != 0)
		goto out;
	if ((rc = db_read_begin(w->db, &c)) != 0)
		goto out;
	rc = db_query_i64(c, "SELECT count(*) FROM orgs", &orgs, 0, NULL);
	db_read_end(w->db, c);
	if (rc == 0 && orgs > 0)
		rc = ERR_CONFLICT;
out:
	buf_release(&path);
	return rc;
}

void
gen_close(struct gen_world *w)
{
	if (w->tzc)
		tz_cache_free(w->tzc);
	if (w->kr)
		keyring_free(w->kr);
	if (w->db)
		db_close(w->db);
	free(w->pros);
	free(w->clients);
	free(w->trajs);
	free(w->traj_threads);
	memset(w, 0, sizeof(*w));
}

/* --- people and trajectories ---------------------------------------------- */

struct people_job {
	struct gen_world *w;
	const char *pw_hash;
	int64_t now;
};

static int
add_user(struct db_conn *c, const struct people_job *j, const char *email,
    const char *name, enum role role, int64_t *id)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO users (email, name, pw_hash, "
	    "lang, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, email);
	db_bind_textz(st, 2, name);
	db_bind_textz(st, 3, j->pw_hash);
	db_bind_textz(st, 4, "nl");
	db_bind_i64(st, 5, j->now);
	if ((rc = db_step_id(st, id)) != 0)
		return rc;
	if ((rc = db_prepare(c, "INSERT INTO memberships (org_id, user_id, "
	    "role, created_at) VALUES (?, ?, ?, ?)", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->w->org_id);
	db_bind_i64(st, 2, *id);
	db_bind_textz(st, 3, role_name(role));
	db_bind_i64(st, 4, j->now);
	return db_run(st);
}

/* "coach@", "coach2@", ... */
static void
email_of(struct buf *b, const char *who, size_t i)
{
	buf_reset(b);
	if (i == 0)
		buf_printf(b, "%s@" GEN_DOMAIN, who);
	else
		buf_printf(b, "%s%zu@" GEN_DOMAIN, who, i + 1);
}

static void
name_of(struct buf *b, size_t i)
{
	buf_reset(b);
	buf_printf(b, "%s %s", first_names[i % NELEM(first_names)],
	    last_names[(i / NELEM(first_names)) % NELEM(last_names)]);
}

/* Every account with identity's INSERTs, in one job: user_create would
 * hash the password once per account, a minute for a thousand. */
static int
people_run(struct db_conn *c, void *arg)
{
	struct people_job *j = arg;
	struct gen_world *w = j->w;
	struct buf email = BUF_INIT, name = BUF_INIT;
	size_t i;
	int rc;

	if ((rc = add_user(c, j, "admin@" GEN_DOMAIN, "Anna Admin",
	    ROLE_ADMIN, &w->admin_id)) != 0)
		goto out;
	for (i = 0; i < w->npros; i++) {
		email_of(&email, "coach", i);
		buf_reset(&name);
		if (i == 0)
			buf_adds(&name, "Carla Coach");
		else
			buf_printf(&name, "Coach %s", last_names[i %
			    NELEM(last_names)]);
		if ((rc = add_user(c, j, email.p, name.p, ROLE_PROFESSIONAL,
		    &w->pros[i])) != 0)
			goto out;
	}
	for (i = 0; i < w->ntrajs; i++) {
		email_of(&email, "client", i);
		name_of(&name, i);
		if ((rc = add_user(c, j, email.p, name.p, ROLE_CLIENT,
		    &w->clients[i])) != 0)
			goto out;
	}
out:
	buf_release(&email);
	buf_release(&name);
	return rc;
}

static void
event_template(struct audit_event *ev, int64_t org_id, int64_t actor,
    bool client)
{
	memset(ev, 0, sizeof(*ev));
	ev->org_id = org_id;
	ev->outcome = AUDIT_SUCCESS;
	ev->actor_id = actor;
	ev->role = client ? "client" : "professional";
	ev->purpose = client ? "client-self" : "care";
	ev->address = "127.0.0.1";
	ev->device = "gen_data";
	ev->node = "bench";
}

int
gen_people(struct gen_world *w, const struct gen_opts *o)
{
	struct people_job pj;
	struct buf hash = BUF_INIT, title = BUF_INIT;
	struct promise_terms terms;
	struct audit_event ev;
	struct arena a;
	size_t i;
	int rc;

	arena_init(&a);
	if (o->trajectories < 1 || o->password == NULL) {
		rc = ERR_INVAL;
		goto out;
	}
	w->ntrajs = (size_t)o->trajectories;
	w->npros = o->professionals > 0 ? (size_t)o->professionals :
	    w->ntrajs / 100;
	if (w->npros == 0)
		w->npros = 1;
	w->pros = xcalloc(w->npros, sizeof(*w->pros));
	w->clients = xcalloc(w->ntrajs, sizeof(*w->clients));
	w->trajs = xcalloc(w->ntrajs, sizeof(*w->trajs));
	w->traj_threads = xcalloc(w->ntrajs, sizeof(*w->traj_threads));

	if ((rc = org_create(w->db, w->kr, "Bench Praktijk", "bench", GEN_TZ,
	    &w->org_id)) != 0)
		goto out;
	/* What user_create checks and stores, once for every account. */
	if ((rc = user_password_ok(o->password, strlen(o->password),
	    NULL)) != 0 || (rc = crypto_password_hash(o->password,
	    strlen(o->password), &hash)) != 0)
		goto out;
	pj.w = w;
	pj.pw_hash = hash.p;
	pj.now = (int64_t)time(NULL);
	if ((rc = db_write(w->db, people_run, &pj)) != 0)
		goto out;

	traj_default_terms(&a, GEN_TZ, time(NULL), &terms);
	for (i = 0; i < w->ntrajs; i++) {
		int64_t pro = w->pros[i % w->npros];

		buf_reset(&title);
		buf_printf(&title, "%s %s", titles[i % NELEM(titles)],
		    first_names[i % NELEM(first_names)]);
		event_template(&ev, w->org_id, pro, false);
		if ((rc = traj_create(w->db, w->kr, w->org_id, w->clients[i],
		    pro, title.p, 0, &terms, &ev, NULL, &w->trajs[i])) != 0)
			goto out;
		if ((rc = traj_set_phase(w->db, w->trajs[i], TRAJ_WORKING,
		    &ev)) != 0)
			goto out;
	}
out:
	buf_wipe(&hash);
	buf_release(&title);
	arena_release(&a);
	return rc;
}

/* --- messages ------------------------------------------------------------- */

struct gmsg {
	int64_t at;
	int64_t author;
	int64_t other;          /* the other person: notified, reads it */
	bool client;
	bool unread;            /* the other has not read it yet */
	int64_t deadline;       /* a client's message: reply due; 0: none */
	ptrdiff_t quote_idx;    /* the quoted message (index); -1: none */
	size_t box_off, box_len;
	size_t qbox_off, qbox_len;
	size_t bloom_off, bloom_len; /* its filter in blooms; 0: none */
	size_t nwords;          /* distinct words in the filter */
	int64_t id;             /* filled by the write job */
};

struct gthread {
	size_t traj;            /* index in w->trajs */
	int tag;                /* 1: the short thread, 2: the long one */
	size_t first, n;        /* its messages */
	size_t sbox_off, sbox_len;
	int64_t id;
};

struct batch {
	struct gen_world *w;
	struct gthread *th;
	size_t nth, capth;
	struct gmsg *m;
	size_t nm, capm;
	struct buf boxes;
	struct buf blooms;
	size_t t_first, t_end;  /* the trajectories in it */
	int64_t *started;       /* per trajectory: its start */
};

struct shared {
	struct gen_world *w;
	const struct gen_opts *o;
	const int64_t *counts;  /* messages per trajectory */
	unsigned char key[SEARCH_KEY_BYTES];
	int64_t now;
	pthread_mutex_t mu;
	size_t next;            /* next trajectory to take */
	int rc;                 /* the first error */
};

static struct gmsg *
new_msg(struct batch *b)
{
	if (b->nm == b->capm) {
		b->capm = b->capm ? st_mul(b->capm, 2) : 1024;
		b->m = xrealloc(b->m, st_mul(b->capm, sizeof(*b->m)));
	}
	memset(&b->m[b->nm], 0, sizeof(b->m[0]));
	b->m[b->nm].quote_idx = -1;
	return &b->m[b->nm++];
}

static struct gthread *
new_thread(struct batch *b)
{
	if (b->nth == b->capth) {
		b->capth = b->capth ? st_mul(b->capth, 2) : 64;
		b->th = xrealloc(b->th, st_mul(b->capth, sizeof(*b->th)));
	}
	memset(&b->th[b->nth], 0, sizeof(b->th[0]));
	return &b->th[b->nth++];
}

/* The first sentence of a text (at most about 120 bytes, cut at a word):
 * what a professional quotes back. */
static struct str
first_sentence(struct str t)
{
	size_t i, end = t.len < 120 ? t.len : 120;

	for (i = 0; i < end; i++)
		if (t.p[i] == '.' || t.p[i] == '?' || t.p[i] == '\n')
			return (struct str){ t.p, i + (t.p[i] != '\n') };
	while (end > 0 && end < t.len && t.p[end] != ' ')
		end--;
	return (struct str){ t.p, end ? end : t.len };
}

static int
seal_into(struct gen_world *w, struct db_conn *c, struct str s,
    struct buf *boxes, size_t *off, size_t *len)
{
	int rc;

	*off = boxes->len;
	rc = keyring_seal(w->kr, c, w->org_id, s.p, s.len, boxes);
	*len = boxes->len - *off;
	return rc;
}

/* Plan one trajectory's threads and messages into b: authors, times,
 * texts sealed on c, search filters, deadlines, quotes. */
static int
plan_trajectory(struct shared *sh, struct batch *b, struct db_conn *c,
    size_t t, struct buf *text, struct buf *prev, struct buf *plain)
{
	struct gen_world *w = sh->w;
	struct gen_rng r;
	struct arena a;
	struct promise *p;
	int64_t count = sh->counts[t], done = 0, at, client, pro;
	int64_t reserve = t == 0 && sh->o->long_thread > 0 ?
	    sh->o->long_thread + GEN_SHORT_MESSAGES : 0;
	size_t m0 = b->nm, th0 = b->nth, i, k;
	bool dutch = t % 4 != 3, have_promise;
	int rc = 0;

	gen_rng_init(&r, sh->o->seed ^ (0x5bd1e995ULL * (t + 1)));
	arena_init(&a);
	p = ARENA_NEW(&a, struct promise);
	have_promise = traj_promise(w->db, w->tzc, w->trajs[t], &a, p) == 0;
	client = w->clients[t];
	pro = w->pros[t % w->npros];

	/* Threads of 20-50 messages (the last one takes a short rest). */
	while (done < count) {
		struct gthread *th = new_thread(b);
		int64_t n = gen_rng_range(&r, 20, 50);
		bool last, from_client;

		if (t == 0 && done == 0)
			n = GEN_PROBE_MESSAGES;
		if (n > count - reserve - done || (count - reserve - done -
		    n < 10 && !(t == 0 && done == 0)))
			n = count - reserve - done;
		/* Trajectory 0's newest threads: the short, then the long. */
		if (reserve > 0 && done >= count - reserve) {
			th->tag = done == count - reserve ? 1 : 2;
			n = th->tag == 1 ? GEN_SHORT_MESSAGES :
			    sh->o->long_thread;
		}
		th->traj = t;
		th->first = b->nm;
		th->n = (size_t)n;
		last = done + n == count;
		from_client = chance(&r, 60);
		for (k = 0; k < (size_t)n; k++) {
			struct gmsg *m = new_msg(b);

			if (k > 0 && chance(&r, 75))
				from_client = !from_client;
			/* Every thread but the newest ends with a reply; the
			 * newest waits for one in a third of the trajectories
			 * (the probe thread always ends with a reply). */
			if (k + 1 == (size_t)n)
				from_client = last && t % 3 == 0 &&
				    !(t == 0 && done == 0);
			m->client = from_client;
			m->author = from_client ? client : pro;
			m->other = from_client ? pro : client;
		}
		done += n;
	}

	/* Times: backwards from now, 1-20 hours apart; the newest message is
	 * not yet read by the other person. */
	at = sh->now - gen_rng_range(&r, 0, 2 * 86400);
	for (i = b->nm; i-- > m0;) {
		b->m[i].at = at;
		/* A long thread is a chat: minutes apart, or 100,000
		 * messages would reach back past 1970. */
		at -= reserve > 0 ? gen_rng_range(&r, 60, 600) :
		    gen_rng_range(&r, GAP_MIN, GAP_MAX);
	}
	b->started[t - b->t_first] = at;
	if (b->nm > m0)
		b->m[b->nm - 1].unread = true;

	for (k = th0; k < b->nth; k++) {
		struct gthread *th = &b->th[k];
		const char *subj;

		/* Texts from a generator of the thread's own, so the probe
		 * thread reads the same in data sets of every size. */
		gen_rng_init(&r, sh->o->seed ^ (0x5bd1e995ULL * (t + 1)) ^
		    (0x9e3779b1ULL * (k - th0 + 1)));
		subj = dutch ? PICK(&r, nl_subjects) : PICK(&r, en_subjects);

		if ((rc = seal_into(w, c, str_c(subj), &b->boxes,
		    &th->sbox_off, &th->sbox_len)) != 0)
			goto out;
		buf_reset(prev);
		for (i = th->first; i < th->first + th->n; i++) {
			struct gmsg *m = &b->m[i];

			buf_reset(text);
			gen_text(&r, dutch, (size_t)gen_rng_range(&r, 110,
			    1500), text);
			if ((rc = seal_into(w, c, buf_str(text), &b->boxes,
			    &m->box_off, &m->box_len)) != 0)
				goto out;
			/* Now and then a reply quotes the client's first
			 * sentence back (mirroring, seed 001). */
			if (!m->client && i > th->first && b->m[i - 1].client &&
			    chance(&r, 15)) {
				m->quote_idx = (ptrdiff_t)(i - 1);
				if ((rc = seal_into(w, c,
				    first_sentence(buf_str(prev)), &b->boxes,
				    &m->qbox_off, &m->qbox_len)) != 0)
					goto out;
			}
			if (sh->o->search_index) {
				buf_reset(plain);
				(void)search_message_text(buf_str(text),
				    i == th->first ? str_c(subj) : STR(""),
				    NULL, 0, plain);
				m->bloom_off = b->blooms.len;
				m->nwords = search_bloom(sh->key,
				    buf_str(plain), &b->blooms);
				m->bloom_len = b->blooms.len - m->bloom_off;
			}
			if (m->client && have_promise) {
				time_t due = 0;

				if (promise_deadline(p, (time_t)m->at,
				    &due) == 0)
					m->deadline = (int64_t)due;
			}
			buf_reset(prev);
			buf_addstr(prev, buf_str(text));
		}
	}
out:
	arena_release(&a);
	return rc;
}

static int
audit_at(struct db_conn *c, struct gen_world *w, const struct gmsg *m,
    size_t traj, const char *kind, int64_t object_id, int64_t at)
{
	struct audit_event ev;

	event_template(&ev, w->org_id, m->author, m->client);
	ev.action = AUDIT_CREATE;
	ev.kind = kind;
	ev.object_id = object_id;
	ev.client_id = w->clients[traj];
	ev.at = at;
	ev.at_usec = (int32_t)(object_id % 1000000);
	return audit_append(c, &ev);
}

/* One message's rows, as msg_post writes them, plus the other person's
 * read and the notification already mailed. */
static int
message_rows(struct db_conn *c, struct batch *b, struct gthread *th,
    struct gmsg *m)
{
	struct gen_world *w = b->w;
	struct db_stmt *st;
	size_t i;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO messages (thread_id, "
	    "trajectory_id, org_id, author_id, author_role, kind, body_box, "
	    "quote_of, quote_box, corrects, created_at, deadline_at, "
	    "search_bloom) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, th->id);
	db_bind_i64(st, 2, w->trajs[th->traj]);
	db_bind_i64(st, 3, w->org_id);
	db_bind_i64(st, 4, m->author);
	db_bind_textz(st, 5, m->client ? "client" : "professional");
	db_bind_textz(st, 6, "message");
	db_bind_blob(st, 7, b->boxes.p + m->box_off, m->box_len);
	if (m->quote_idx >= 0) {
		db_bind_i64(st, 8, b->m[m->quote_idx].id);
		db_bind_blob(st, 9, b->boxes.p + m->qbox_off, m->qbox_len);
	} else {
		db_bind_null(st, 8);
		db_bind_null(st, 9);
	}
	db_bind_null(st, 10);
	db_bind_i64(st, 11, m->at);
	db_bind_id(st, 12, m->deadline);
	if (m->bloom_len > 0)
		db_bind_blob(st, 13, b->blooms.p + m->bloom_off,
		    m->bloom_len);
	else
		db_bind_null(st, 13);
	if ((rc = db_step_id(st, &m->id)) != 0)
		return rc;

	if ((rc = db_prepare(c, "INSERT INTO notifications (user_id, "
	    "trajectory_id, created_at, sent_at) VALUES (?, ?, ?, ?)",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, m->other);
	db_bind_i64(st, 2, w->trajs[th->traj]);
	db_bind_i64(st, 3, m->at);
	db_bind_i64(st, 4, m->at + 60);
	if ((rc = db_run(st)) != 0)
		return rc;

	for (i = 0; i < (m->unread ? 1u : 2u); i++) {
		if ((rc = db_prepare(c, "INSERT INTO message_reads "
		    "(message_id, user_id, read_at) VALUES (?, ?, ?)",
		    &st)) != 0)
			return rc;
		db_bind_i64(st, 1, m->id);
		db_bind_i64(st, 2, i == 0 ? m->author : m->other);
		db_bind_i64(st, 3, m->at + (int64_t)i * 1800);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return audit_at(c, w, m, th->traj, "message", m->id, m->at);
}

static int
batch_run(struct db_conn *c, void *arg)
{
	struct batch *b = arg;
	struct gen_world *w = b->w;
	struct db_stmt *st;
	size_t k, i, t, nwait, *wait = NULL, cap = 0;
	int rc = 0;

	/* A batch is tens of megabytes: with SQLite's default 2 MB page
	 * cache the writer would spill and re-write index pages many times
	 * over.  Only this process's writer connection is changed. */
	if ((rc = db_exec(c, "PRAGMA cache_size = -262144")) != 0)
		goto out;
	for (k = 0; k < b->nth; k++) {
		struct gthread *th = &b->th[k];
		struct gmsg *first = &b->m[th->first];
		struct gmsg *last = &b->m[th->first + th->n - 1];

		if ((rc = db_prepare(c, "INSERT INTO threads (trajectory_id, "
		    "subject_box, created_by, created_at, last_message_at) "
		    "VALUES (?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, w->trajs[th->traj]);
		db_bind_blob(st, 2, b->boxes.p + th->sbox_off, th->sbox_len);
		db_bind_i64(st, 3, first->author);
		db_bind_i64(st, 4, first->at);
		db_bind_i64(st, 5, last->at);
		if ((rc = db_step_id(st, &th->id)) != 0)
			goto out;
		if (k == 0 || b->th[k - 1].traj != th->traj)
			w->traj_threads[th->traj] = th->id;
		if (th->tag == 1)
			w->short_thread = th->id;
		else if (th->tag == 2)
			w->long_thread = th->id;
		if ((rc = audit_at(c, w, first, th->traj, "thread", th->id,
		    first->at)) != 0)
			goto out;
		if (th->n > cap) {
			cap = th->n;
			wait = xrealloc(wait, st_mul(cap, sizeof(*wait)));
		}
		nwait = 0;
		for (i = th->first; i < th->first + th->n; i++) {
			struct gmsg *m = &b->m[i];

			if ((rc = message_rows(c, b, th, m)) != 0)
				goto out;
			if (m->client) {
				if (m->deadline > 0)
					wait[nwait++] = i;
				continue;
			}
			/* A reply answers every client message waiting. */
			for (t = 0; t < nwait; t++) {
				if ((rc = db_prepare(c, "UPDATE messages SET "
				    "replied_at = ?, reply_id = ? WHERE id = ?",
				    &st)) != 0)
					goto out;
				db_bind_i64(st, 1, m->at);
				db_bind_i64(st, 2, m->id);
				db_bind_i64(st, 3, b->m[wait[t]].id);
				if ((rc = db_run(st)) != 0)
					goto out;
			}
			nwait = 0;
		}
	}
	/* A trajectory started a day before its first message. */
	for (t = b->t_first; t < b->t_end; t++) {
		if ((rc = db_prepare(c, "UPDATE trajectories SET "
		    "started_at = ?, created_at = ? WHERE id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, b->started[t - b->t_first] - 86400);
		db_bind_i64(st, 2, b->started[t - b->t_first] - 86400);
		db_bind_i64(st, 3, w->trajs[t]);
		if ((rc = db_run(st)) != 0)
			goto out;
	}
out:
	free(wait);
	return rc;
}

static void
batch_release(struct batch *b)
{
	free(b->th);
	free(b->m);
	free(b->started);
	buf_release(&b->boxes);
	buf_release(&b->blooms);
	memset(b, 0, sizeof(*b));
}

/* Take trajectories worth about GEN_BATCH messages; false when none are
 * left (or another producer failed). */
static bool
take(struct shared *sh, size_t *first, size_t *end)
{
	size_t t, n = sh->w->ntrajs;
	int64_t sum = 0;
	bool ok;

	pthread_mutex_lock(&sh->mu);
	t = *first = sh->next;
	while (t < n && (sum == 0 || sum + sh->counts[t] <= GEN_BATCH))
		sum += sh->counts[t++];
	*end = sh->next = t;
	ok = sh->rc == 0 && *first < n;
	pthread_mutex_unlock(&sh->mu);
	return ok;
}

static void *
producer(void *arg)
{
	struct shared *sh = arg;
	struct gen_world *w = sh->w;
	struct buf text = BUF_INIT, prev = BUF_INIT, plain = BUF_INIT;
	struct batch b;
	struct db_conn *c;
	size_t first, end, t, k;
	int64_t ntok;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	while (take(sh, &first, &end)) {
		b.w = w;
		b.t_first = first;
		b.t_end = end;
		b.started = xcalloc(end - first, sizeof(*b.started));
		if ((rc = db_read_begin(w->db, &c)) != 0)
			break;
		for (t = first; t < end && rc == 0; t++)
			rc = plan_trajectory(sh, &b, c, t, &text, &prev,
			    &plain);
		db_read_end(w->db, c);
		if (rc == 0)
			rc = db_write(w->db, batch_run, &b);
		if (rc != 0)
			break;
		for (k = 0, ntok = 0; k < b.nm; k++)
			ntok += (int64_t)b.m[k].nwords;
		pthread_mutex_lock(&sh->mu);
		w->nthreads += (int64_t)b.nth;
		w->nmessages += (int64_t)b.nm;
		w->ntokens += ntok;
		if (w->nmessages / 100000 != (w->nmessages - (int64_t)b.nm) /
		    100000)
			fprintf(stderr, "gen: %lld messages\n",
			    (long long)w->nmessages);
		pthread_mutex_unlock(&sh->mu);
		batch_release(&b);
	}
	if (rc != 0) {
		pthread_mutex_lock(&sh->mu);
		if (sh->rc == 0)
			sh->rc = rc;
		pthread_mutex_unlock(&sh->mu);
	}
	batch_release(&b);
	buf_release(&text);
	buf_release(&prev);
	buf_release(&plain);
	return NULL;
}

int
gen_messages(struct gen_world *w, const struct gen_opts *o)
{
	struct shared sh;
	pthread_t tid[16];
	int64_t *counts = NULL, rest, m0;
	size_t n = w->ntrajs, i;
	int np = o->producers > 0 ? o->producers : 2, started = 0, rc;

	if (n == 0 || o->messages < 0)
		return ERR_INVAL;
	if (np > (int)NELEM(tid))
		np = (int)NELEM(tid);
	/* Trajectory 0 holds the probe thread; the rest share what is
	 * left evenly. */
	counts = xcalloc(n, sizeof(*counts));
	m0 = o->messages / (int64_t)n;
	if (m0 < GEN_PROBE_MESSAGES)
		m0 = GEN_PROBE_MESSAGES;
	if (m0 > o->messages || n == 1)
		m0 = o->messages;
	counts[0] = m0 + (o->long_thread > 0 ? o->long_thread +
	    GEN_SHORT_MESSAGES : 0);
	rest = o->messages - m0;
	for (i = 1; i < n; i++)
		counts[i] = rest / (int64_t)(n - 1) +
		    ((int64_t)(i - 1) < rest % (int64_t)(n - 1));

	memset(&sh, 0, sizeof(sh));
	sh.w = w;
	sh.o = o;
	sh.counts = counts;
	sh.now = (int64_t)time(NULL);
	pthread_mutex_init(&sh.mu, NULL);
	if (o->search_index &&
	    (rc = search_key_ensure(w->db, w->kr, w->org_id, sh.key)) != 0)
		goto out;
	for (i = 0; i < (size_t)np; i++) {
		if (pthread_create(&tid[i], NULL, producer, &sh) != 0)
			break;
		started++;
	}
	if (started == 0)
		producer(&sh);
	for (i = 0; i < (size_t)started; i++)
		pthread_join(tid[i], NULL);
	rc = sh.rc;
	w->probe_thread = w->traj_threads[0];
out:
	crypto_wipe(sh.key, sizeof(sh.key));
	pthread_mutex_destroy(&sh.mu);
	free(counts);
	return rc;
}
