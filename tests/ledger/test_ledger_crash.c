/* Crash safety (issue 3 "Must show"): a child process appends events as the daemon
 * would, acknowledging each one on a pipe only after ledger_append() returned; the
 * parent kills it with SIGKILL at random moments, over at least 500 acknowledged
 * events. After every kill: every acknowledged event is present, integrity_check is
 * ok, the chain verifies, and a start left without its final record is closed as
 * interrupted (crash) on reopening, as the daemon does at start. */
#include <signal.h>
#include <sys/wait.h>

#include "ledger_fixture.h"

#define MIN_EVENTS 500
#define MIN_KILLS 25

struct ack {
    int64_t seq;
    char kind; /* 's' start, 'f' final, 'e' event */
    int64_t key; /* airing number */
};

/* The child: the daemon's start-up and loop, as fast as the disk allows. */
static G_NORETURN void child(const struct lfx *f, int fd)
{
    struct ledger *l = NULL;
    struct ledger_open_options o = {
        .identity = &lfx_id, .key = f->key, .now_usec = LFX_T0, .trust = LEDGER_TRUST_SYNCED};
    if (ledger_open(f->db, &o, &l, NULL, NULL) < 0)
        _exit(2);
    if (ledger_close_interrupted(l, LFX_T0, LEDGER_TRUST_SYNCED) < 0)
        _exit(3);
    /* Carry on after the last airing number in the ledger. */
    int64_t head = 0;
    uint8_t hh[32];
    if (ledger_head(l, &head, hh) < 0)
        _exit(4);
    int64_t next = 0;
    for (int64_t s = head; s >= 1 && next == 0; s--) {
        struct ledger_record *r = NULL;
        if (ledger_get(l, s, &r) < 0)
            _exit(5);
        if (r->kind == LEDGER_AIRING)
            next = g_ascii_strtoll(strrchr(r->airing_key, '/') + 1, NULL, 10) + 1;
        ledger_record_free(r);
    }
    int32_t day = civil_from_ymd(2020, 11, 2);
    for (int64_t k = next;; k++) {
        char key[64];
        snprintf(key, sizeof key, "2020-11-02/sang/tmdt-01/%lld", (long long)k);
        struct ledger_record r;
        struct ack a = {.key = k};
        for (int phase = 0; phase < 3; phase++) {
            if (phase < 2) {
                lfx_airing(&r, phase == 0 ? LEDGER_PHASE_START : LEDGER_PHASE_FINAL, day, "sang",
                           "tmdt-01", key, LFX_T0 + k * 1000000, 95000);
                a.kind = phase == 0 ? 's' : 'f';
            } else {
                if (k % 4)
                    continue;
                ledger_record_init(&r, LEDGER_EVENT);
                r.written_usec = LFX_T0 + k * 1000000 + 1;
                r.event_type = "heartbeat";
                r.event_detail = key;
                a.kind = 'e';
            }
            if (ledger_append(l, &r, &a.seq, NULL) != 0)
                _exit(6);
            /* Told only once committed. */
            if (write(fd, &a, sizeof a) != (ssize_t)sizeof a)
                _exit(7);
        }
    }
}

static void check_after_kill(struct lfx *f, const GArray *acks, guint new_acks,
                             int64_t *ret_open_closed)
{
    struct ledger_open_options o = {
        .identity = &lfx_id, .key = f->key, .now_usec = LFX_T0, .trust = LEDGER_TRUST_SYNCED};
    struct ledger_open_report rep;
    struct loa_diag d = {0};
    g_assert_cmpint(ledger_open(f->db, &o, &f->l, &rep, &d), ==, 0);
    if (new_acks > 0)
        g_assert_true(rep.unclean); /* the killed child had opened it and never closed */
    g_assert_false(rep.quarantined); /* and integrity_check found nothing wrong */
    g_assert_cmpint(ledger_integrity_check(f->l, &d), ==, 0);

    /* Every acknowledged event is there, as acknowledged. */
    for (guint i = 0; i < acks->len; i++) {
        const struct ack *a = &g_array_index(acks, struct ack, i);
        struct ledger_record *r = NULL;
        g_assert_cmpint(ledger_get(f->l, a->seq, &r), ==, 0);
        if (a->kind == 'e') {
            g_assert_cmpint(r->kind, ==, LEDGER_EVENT);
        } else {
            g_assert_cmpint(r->kind, ==, LEDGER_AIRING);
            g_assert_cmpint(r->phase, ==, a->kind == 's' ? LEDGER_PHASE_START : LEDGER_PHASE_FINAL);
            char want[64];
            snprintf(want, sizeof want, "2020-11-02/sang/tmdt-01/%lld", (long long)a->key);
            g_assert_cmpstr(r->airing_key, ==, want);
        }
        ledger_record_free(r);
    }

    /* A start cut off by the kill is closed as interrupted (crash). */
    int64_t head = 0;
    uint8_t hh[32];
    g_assert_cmpint(ledger_head(f->l, &head, hh), ==, 0);
    bool open_start = false;
    char key[128] = "";
    if (head > 0) { /* killed before its first append: nothing yet */
        struct ledger_record *last = NULL;
        g_assert_cmpint(ledger_get(f->l, head, &last), ==, 0);
        open_start = last->kind == LEDGER_AIRING && last->phase == LEDGER_PHASE_START;
        snprintf(key, sizeof key, "%s", last->airing_key);
        ledger_record_free(last);
    }
    int n = ledger_close_interrupted(f->l, LFX_T0 + 1, LEDGER_TRUST_SYNCED);
    g_assert_cmpint(n, ==, open_start ? 1 : 0);
    if (open_start) {
        struct ledger_record *fin = NULL;
        g_assert_cmpint(ledger_get_airing(f->l, key, LEDGER_PHASE_FINAL, &fin), ==, 0);
        g_assert_cmpint(fin->outcome, ==, LEDGER_OUTCOME_INTERRUPTED);
        g_assert_cmpstr(fin->reason, ==, "crash");
        ledger_record_free(fin);
        (*ret_open_closed)++;
    }
    /* The whole chain verifies (SQLite reads the file as a copy would). */
    g_assert_cmpint((int)ledger_close(f->l), ==, 0);
    f->l = NULL;
    struct ledger_keyring *kr = lfx_keyring(f->key);
    struct ledger_verify_result res;
    int e = lfx_verify(f->db, kr, &res);
    if (e < 0)
        g_error("verify after kill: seq %lld: %s", (long long)res.bad_seq, res.message);
    ledger_keyring_free(kr);
}

static void test_sigkill(void)
{
    struct lfx f;
    lfx_setup(&f);
    ledger_close(f.l);
    f.l = NULL;
    GArray *acks = g_array_new(FALSE, FALSE, sizeof(struct ack));
    int kills = 0;
    int64_t closed = 0;
    GRand *rng = g_rand_new_with_seed((guint32)g_test_rand_int());
    while (acks->len < MIN_EVENTS || kills < MIN_KILLS) {
        int p[2];
        g_assert_cmpint(pipe(p), ==, 0);
        pid_t pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
            close(p[0]);
            child(&f, p[1]);
        }
        close(p[1]);
        /* Let it run a random while: from before its open to dozens of appends. */
        g_usleep((gulong)g_rand_int_range(rng, 0, 60000));
        g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
        int status = 0;
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        if (!WIFSIGNALED(status))
            g_error("the child stopped by itself (exit %d)", WEXITSTATUS(status));
        struct ack a;
        ssize_t n;
        guint before = acks->len;
        while ((n = read(p[0], &a, sizeof a)) == (ssize_t)sizeof a)
            g_array_append_val(acks, a);
        g_assert_cmpint(n, ==, 0); /* acks are written whole */
        close(p[0]);
        kills++;
        check_after_kill(&f, acks, acks->len - before, &closed);
    }
    g_test_message("%d kills, %u acknowledged events, %lld airings closed as crash", kills,
                   acks->len, (long long)closed);
    g_assert_cmpuint(acks->len, >=, MIN_EVENTS);
    g_rand_free(rng);
    g_array_free(acks, TRUE);
    lfx_open(&f);
    lfx_teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ledger/crash/sigkill", test_sigkill);
    return g_test_run();
}
