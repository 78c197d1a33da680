/* Helpers of the daemon tests (daemon_util.h). */
#include "daemon_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "civil.h"
#include "ledger_key.h"

static void skip(const char *why)
{
    g_print("SKIP: %s\n", why);
    exit(77);
}

static void make_wav(const char *path, double seconds, int freq)
{
    char dur[32], f[32];
    g_snprintf(dur, sizeof dur, "%.3f", seconds);
    g_snprintf(f, sizeof f, "%d", freq);
    /* Ogg Vorbis, small: the daemon hashes each file before it airs it. */
    const char *argv[] = {"sox", "-R",    "-n", "-r",   "22050", "-c",   "1",   "-C", "0",
                          path,  "synth", dur,  "sine", f,       "gain", "-12", NULL};
    int status = 0;
    GError *err = NULL;
    gboolean ok =
        g_spawn_sync(NULL, (char **)argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &err);
    if (!ok || !g_spawn_check_wait_status(status, NULL)) {
        g_clear_error(&err);
        skip("sox cannot make test media");
    }
}

char *dt_write(const struct dt_device *d, const char *name, const char *text)
{
    char *p = g_build_filename(d->dir, name, NULL);
    g_assert_true(g_file_set_contents(p, text, -1, NULL));
    return p;
}

struct dt_device *dt_device_new(const struct dt_options *o)
{
    const char *bin = g_getenv("LOA_BIN");
    if (!bin || !g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE))
        skip("LOA_BIN does not name the loa binary");
    char *sox = g_find_program_in_path("sox");
    if (!sox)
        skip("sox is not installed");
    g_free(sox);
    struct dt_device *d = g_new0(struct dt_device, 1);
    d->loa = g_strdup(bin);
    d->dir = g_dir_make_tmp("loa-daemon-XXXXXX", NULL);
    g_assert_nonnull(d->dir);
    d->data_dir = g_build_filename(d->dir, "data", NULL);

    char *chime = g_build_filename(d->dir, "chime.ogg", NULL);
    char *m[6];
    /* Durations: long enough that sessions fill and drop (campaign tests), or a few
     * seconds for real-clock tests. */
    const double secs_long[6] = {20, 30, 25, 60, 300, 15};
    const double secs_short[6] = {2, 3, 2.5, 2, 3, 1.5};
    for (int i = 0; i < 6; i++) {
        char name[32];
        g_snprintf(name, sizeof name, "m%d.ogg", i);
        m[i] = g_build_filename(d->dir, name, NULL);
        make_wav(m[i], o->short_items ? secs_short[i] : secs_long[i], 300 + 100 * i);
    }
    make_wav(chime, o->short_items ? 1.0 : 3.0, 880);

    char *cfg = g_strdup_printf(
        "device = { id = \"test-01\"; province = { code = \"01\"; name = \"Thành phố Hà Nội\"; };\n"
        "  commune = { code = \"09552\"; name = \"Phường Văn Quán\"; }; unit_codes = \"2020\";\n"
        "  timezone = \"Asia/Ho_Chi_Minh\"; };\n"
        "sessions = %s;\n"
        "quiet_hours = \"%s\";\n"
        "skip_dates = [ \"2021-02-11\", \"2021-02-12\" ];\n"
        "audio = { output = \"null\"; volume = 0.9; loudness_target = -16.0; true_peak_max = "
        "-1.0;\n"
        "  gap_seconds = %d; chime = \"chime.ogg\"; };\n"
        "board = { driver = \"sim\"; %s };\n"
        "kiosk = { enabled = %s; size = \"800x480\"; rotation = 0; fullscreen = false;\n"
        "  rotate_seconds = 12; font = \"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf\"; "
        "};\n"
        "storage = { data_dir = \"%s\"; };\n"
        "time = { require_trust = %s; catch_up_minutes = 15; max_holdover_hours = 168; };\n",
        o->sessions ? o->sessions
                    : "( { id = \"sang\"; name = \"Buổi sáng\"; start = \"06:00\"; end = "
                      "\"06:30\"; days = \"mon-sat\"; },\n"
                      "  { id = \"chieu\"; name = \"Buổi chiều\"; start = \"17:00\"; end = "
                      "\"17:20\"; days = \"mon-sun\"; } )",
        o->quiet_hours ? o->quiet_hours : "21:00-06:00", o->short_items ? 1 : 3,
        o->board_extra ? o->board_extra : "amp_warmup_ms = 2000; amp_hold_s = 30;",
        o->kiosk_enabled ? o->kiosk_enabled : "false", d->data_dir,
        o->require_trust ? o->require_trust : "true");
    d->config = dt_write(d, "loa.cfg", cfg);
    g_free(cfg);

    char *pl;
    if (o->sessions) {
        /* Custom sessions: every item in every session (tests that bring their own). */
        pl = g_strdup_printf(
            "playlist = { id = \"t\"; title = \"Thử nghiệm\"; reference = \"KH 01/TEST\";\n"
            "  from = \"%s\"; until = \"%s\"; };\n"
            "announcements = (\n"
            "  { id = \"a\"; file = \"m0.ogg\"; title = \"Tin A\"; category = \"c1\"; },\n"
            "  { id = \"b\"; file = \"m1.ogg\"; title = \"Tin B\"; category = \"c2\"; },\n"
            "  { id = \"c\"; file = \"m2.ogg\"; title = \"Tin C\"; class = \"priority\"; },\n"
            "  { id = \"d\"; file = \"m3.ogg\"; title = \"Tin D\"; },\n"
            "  { id = \"e\"; file = \"m5.ogg\"; title = \"Tin E\"; text = \"Văn bản\"; }\n"
            ");\n"
            "notices = ( { id = \"n1\"; title = \"Thông báo\"; text = \"Nội dung\"; } );\n",
            o->campaign_from, o->campaign_until);
    } else {
        pl = g_strdup_printf(
            "playlist = { id = \"t\"; title = \"Thử nghiệm\"; reference = \"KH 01/TEST\";\n"
            "  from = \"%s\"; until = \"%s\"; };\n"
            "announcements = (\n"
            "  { id = \"a\"; file = \"m0.ogg\"; title = \"Tin A\"; category = \"c1\"; "
            "plays_per_day = 3; },\n"
            "  { id = \"b\"; file = \"m1.ogg\"; title = \"Tin B\"; at = \"17:10\"; sessions = [ "
            "\"chieu\" ]; },\n"
            "  { id = \"c\"; file = \"m2.ogg\"; title = \"Tin C\"; class = \"priority\"; },\n"
            "  { id = \"d\"; file = \"m3.ogg\"; title = \"Tin D\"; days = \"mon,wed,fri\"; },\n"
            "  { id = \"e\"; file = \"m4.ogg\"; title = \"Tin E\"; sessions = [ \"chieu\" ]; "
            "plays_per_day = 4; },\n"
            "  { id = \"f\"; file = \"m5.ogg\"; title = \"Tin F\"; text = \"Văn bản\"; sessions = "
            "[ \"sang\" ]; }\n"
            ");\n"
            "notices = ( { id = \"n1\"; title = \"Thông báo\"; text = \"Nội dung\"; } );\n",
            o->campaign_from, o->campaign_until);
    }
    d->playlist = dt_write(d, "pl.cfg", pl);
    g_free(pl);
    char *err = NULL;
    int rc = dt_loa(d, NULL, &err, "load", d->playlist, NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    g_free(err);
    for (int i = 0; i < 6; i++)
        g_free(m[i]);
    g_free(chime);
    return d;
}

void dt_device_free(struct dt_device *d)
{
    if (!d)
        return;
    if (!g_getenv("LOA_KEEP")) {
        char *argv[] = {"rm", "-rf", d->dir, NULL};
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    } else {
        g_print("kept %s\n", d->dir);
    }
    g_free(d->dir);
    g_free(d->config);
    g_free(d->data_dir);
    g_free(d->playlist);
    g_free(d->loa);
    g_free(d);
}

int dt_loa_argv(const struct dt_device *d, char **out, char **err, const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, d->loa);
    g_ptr_array_add(argv, "--config");
    g_ptr_array_add(argv, d->config);
    g_ptr_array_add(argv, "--data-dir");
    g_ptr_array_add(argv, d->data_dir);
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    int status = 0;
    GError *e = NULL;
    gboolean ok =
        g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL, out, err, &status, &e);
    g_ptr_array_unref(argv);
    g_assert_no_error(e);
    g_assert_true(ok);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int dt_loa(const struct dt_device *d, char **out, char **err, ...)
{
    const char *args[64];
    size_t n = 0;
    va_list ap;
    va_start(ap, err);
    for (const char *a = va_arg(ap, const char *); a && n < 63; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return dt_loa_argv(d, out, err, args);
}

/* RFC 4180: split one record starting at *p (advanced past its line end). */
static GPtrArray *csv_row(const char **p)
{
    GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    const char *s = *p;
    bool q = false;
    for (;;) {
        char c = *s;
        if (!c) {
            g_ptr_array_add(f, g_string_free(cur, FALSE));
            break;
        }
        s++;
        if (q) {
            if (c == '"' && *s == '"') {
                g_string_append_c(cur, '"');
                s++;
            } else if (c == '"') {
                q = false;
            } else {
                g_string_append_c(cur, c);
            }
        } else if (c == '"') {
            q = true;
        } else if (c == ',') {
            g_ptr_array_add(f, g_string_free(cur, FALSE));
            cur = g_string_new(NULL);
        } else if (c == '\n') {
            g_ptr_array_add(f, g_string_free(cur, FALSE));
            break;
        } else if (c != '\r') {
            g_string_append_c(cur, c);
        }
    }
    *p = s;
    return f;
}

GArray *dt_plan(const struct dt_device *d, const char *from, const char *to)
{
    char *out = NULL, *err = NULL;
    int rc = dt_loa(d, &out, &err, "plan", "--from", from, "--to", to, "--format", "csv", NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct dt_plan_row));
    GHashTable *ord = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *p = out;
    GPtrArray *hdr = csv_row(&p);
    g_assert_cmpuint(hdr->len, ==, 10);
    g_assert_cmpstr(hdr->pdata[0], ==, "date");
    g_assert_cmpstr(hdr->pdata[9], ==, "status");
    g_ptr_array_unref(hdr);
    while (*p) {
        GPtrArray *f = csv_row(&p);
        if (f->len < 10) {
            g_ptr_array_unref(f);
            continue;
        }
        struct dt_plan_row r = {0};
        g_strlcpy(r.date, f->pdata[0], sizeof r.date);
        g_strlcpy(r.session, f->pdata[1], sizeof r.session);
        g_strlcpy(r.kind, f->pdata[4], sizeof r.kind);
        g_strlcpy(r.item, f->pdata[5], sizeof r.item);
        g_strlcpy(r.status, f->pdata[9], sizeof r.status);
        char *k = g_strdup_printf("%s/%s/%s", r.date, r.session, r.item);
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(ord, k)) + 1;
        g_hash_table_replace(ord, k, GUINT_TO_POINTER(n));
        g_snprintf(r.key, sizeof r.key, "%s/%s/%s/%u", r.date, r.session, r.item, n);
        g_array_append_val(rows, r);
        g_ptr_array_unref(f);
    }
    g_hash_table_unref(ord);
    g_free(out);
    g_free(err);
    return rows;
}

static struct ledger *open_ro(const struct dt_device *d)
{
    char *path = g_build_filename(d->data_dir, "ledger.db", NULL);
    struct ledger_open_options o = {.flags = LEDGER_OPEN_READONLY};
    struct ledger *l = NULL;
    struct loa_diag e = {0};
    int r = ledger_open(path, &o, &l, NULL, &e);
    if (r < 0)
        g_printerr("%s: %s\n", path, e.msg);
    g_assert_cmpint(r, ==, 0);
    g_free(path);
    return l;
}

static int collect_key(const struct ledger_record *r, void *userdata)
{
    GHashTable *h = userdata;
    if (r->kind != LEDGER_AIRING)
        return 0;
    struct dt_key *k = g_hash_table_lookup(h, r->airing_key);
    if (!k) {
        k = g_new0(struct dt_key, 1);
        g_hash_table_insert(h, g_strdup(r->airing_key), k);
    }
    if (r->phase == LEDGER_PHASE_START) {
        k->starts++;
        k->actual_start = r->actual_start_usec;
    } else {
        k->finals++;
        g_strlcpy(k->outcome, ledger_outcome_name(r->outcome), sizeof k->outcome);
        g_strlcpy(k->reason, r->reason, sizeof k->reason);
        k->actual_end = r->actual_end_usec;
        k->played_ms = r->played_ms;
        if (r->actual_start_usec != LEDGER_NONE)
            k->actual_start = r->actual_start_usec;
    }
    g_strlcpy(k->source, ledger_source_name(r->source), sizeof k->source);
    k->planned = r->planned_start_usec;
    if (r->session_day != LEDGER_NO_DAY)
        civil_format_date(r->session_day, k->session_date, sizeof k->session_date);
    return 0;
}

GHashTable *dt_ledger_keys(const struct dt_device *d)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    struct ledger *l = open_ro(d);
    g_assert_cmpint(ledger_foreach(l, 1, 0, collect_key, h), ==, 0);
    ledger_close(l);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, h);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct dt_key *x = v;
        if (x->starts > 1 || x->finals > 1)
            g_error("%s: %d starts, %d finals", (char *)k, x->starts, x->finals);
    }
    return h;
}

static int collect_rec(const struct ledger_record *r, void *userdata)
{
    g_ptr_array_add(userdata, ledger_record_dup(r));
    return 0;
}

static void free_rec(gpointer p)
{
    ledger_record_free(p);
}

GPtrArray *dt_ledger_records(const struct dt_device *d)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(free_rec);
    struct ledger *l = open_ro(d);
    g_assert_cmpint(ledger_foreach(l, 1, 0, collect_rec, a), ==, 0);
    ledger_close(l);
    return a;
}

int64_t dt_utc(const char *local)
{
    int32_t day;
    int64_t tod;
    g_assert_cmpint(civil_parse_datetime(local, &day, &tod), ==, 0);
    return (int64_t)day * CIVIL_USEC_PER_DAY + tod - INT64_C(7) * 3600 * 1000000;
}

size_t dt_assert_ledger_equals_plan(const struct dt_device *d, const char *from, const char *to)
{
    GArray *rows = dt_plan(d, from, to);
    GHashTable *keys = dt_ledger_keys(d);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    size_t planned = 0, dropped = 0;
    for (guint i = 0; i < rows->len; i++) {
        const struct dt_plan_row *r = &g_array_index(rows, struct dt_plan_row, i);
        const struct dt_key *k = g_hash_table_lookup(keys, r->key);
        char got[96];
        g_snprintf(got, sizeof got, "%s: %s %s", r->key, k ? k->outcome : "no record",
                   k ? k->reason : "");
        char want[96];
        bool drop = strcmp(r->status, "dropped") == 0;
        g_snprintf(want, sizeof want, "%s: %s %s", r->key, drop ? "dropped" : "completed",
                   drop ? "session-full" : "");
        g_assert_cmpstr(got, ==, want);
        g_assert_cmpint(k->finals, ==, 1);
        g_assert_cmpint(k->starts, ==, drop ? 0 : 1);
        g_hash_table_add(seen, (gpointer)r->key);
        if (drop)
            dropped++;
        else
            planned++;
    }
    /* Nothing the plan does not have (plan-source keys whose date is in the period). */
    int32_t f, t;
    g_assert_cmpint(civil_parse_date(from, &f), ==, 0);
    g_assert_cmpint(civil_parse_date(to, &t), ==, 0);
    GHashTableIter it;
    gpointer kk, vv;
    g_hash_table_iter_init(&it, keys);
    while (g_hash_table_iter_next(&it, &kk, &vv)) {
        const struct dt_key *k = vv;
        int32_t day;
        if (strcmp(k->source, "plan") != 0 || civil_parse_date(k->session_date, &day) < 0 ||
            day < f || day > t)
            continue;
        if (!g_hash_table_contains(seen, kk))
            g_error("%s: in the ledger (%s %s) but not in the plan", (char *)kk, k->outcome,
                    k->reason);
    }
    g_test_message("%zu planned, %zu dropped: equal", planned, dropped);
    g_assert_cmpuint(planned, >, 0);
    g_hash_table_unref(seen);
    g_hash_table_unref(keys);
    size_t n = rows->len;
    g_array_unref(rows);
    return n;
}

void dt_session_now(int secs, int minutes, char **ret_sessions, char **ret_quiet)
{
    GTimeZone *tz = g_time_zone_new_identifier("Asia/Ho_Chi_Minh");
    GDateTime *now = g_date_time_new_now(tz);
    GDateTime *a = g_date_time_add_seconds(now, secs);
    GDateTime *b = g_date_time_add_seconds(a, minutes * 60.0);
    if (g_date_time_get_day_of_month(a) != g_date_time_get_day_of_month(b) ||
        g_date_time_get_day_of_month(now) != g_date_time_get_day_of_month(a)) {
        g_print("SKIP: the test session would cross midnight\n");
        exit(77);
    }
    char *sa = g_date_time_format(a, "%H:%M:%S"), *sb = g_date_time_format(b, "%H:%M:%S");
    *ret_sessions = g_strdup_printf("( { id = \"s1\"; name = \"Buổi thử\"; start = \"%s\"; "
                                    "end = \"%s\"; } )",
                                    sa, sb);
    /* Quiet hours: an hour, twelve hours away. */
    int h = (g_date_time_get_hour(now) + 12) % 24;
    *ret_quiet = g_strdup_printf("%02d:00-%02d:00", h, (h + 1) % 24);
    g_free(sa);
    g_free(sb);
    g_date_time_unref(b);
    g_date_time_unref(a);
    g_date_time_unref(now);
    g_time_zone_unref(tz);
}

GPid dt_daemon_start(const struct dt_device *d, const char *const *args, const char *const *env)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, d->loa);
    g_ptr_array_add(argv, "--config");
    g_ptr_array_add(argv, d->config);
    g_ptr_array_add(argv, "--data-dir");
    g_ptr_array_add(argv, d->data_dir);
    g_ptr_array_add(argv, "run");
    for (size_t i = 0; args && args[i]; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    char **envp = g_get_environ();
    for (size_t i = 0; env && env[i]; i++) {
        char *k = g_strndup(env[i], strcspn(env[i], "="));
        envp = g_environ_setenv(envp, k, env[i] + strlen(k) + 1, TRUE);
        g_free(k);
    }
    char *log = g_build_filename(d->dir, "daemon.log", NULL);
    int err_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    g_assert_cmpint(err_fd, >=, 0);
    GPid pid = 0;
    GError *e = NULL;
    gboolean ok =
        g_spawn_async_with_fds(NULL, (char **)argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                               NULL, &pid, -1, err_fd, err_fd, &e);
    g_assert_no_error(e);
    g_assert_true(ok);
    close(err_fd);
    g_free(log);
    g_strfreev(envp);
    g_ptr_array_unref(argv);
    return pid;
}

bool dt_wait_path(const char *path, int timeout_ms)
{
    for (int i = 0; i < timeout_ms / 20; i++) {
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return true;
        g_usleep(20000);
    }
    return g_file_test(path, G_FILE_TEST_EXISTS);
}

int dt_wait_pid(GPid pid, int timeout_ms)
{
    for (int i = 0; i <= timeout_ms / 20; i++) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        g_usleep(20000);
    }
    return -1;
}

char *dt_control(const struct dt_device *d, const char *request)
{
    char *path = g_build_filename(d->data_dir, "control.sock", NULL);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
    g_free(path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (s >= 0)
            close(s);
        return NULL;
    }
    size_t len = strlen(request);
    uint8_t hdr[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 24)};
    if (write(s, hdr, 4) != 4 || write(s, request, len) != (ssize_t)len) {
        close(s);
        return NULL;
    }
    GString *reply = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0)
        g_string_append_len(reply, buf, n);
    close(s);
    if (reply->len < 4) {
        g_string_free(reply, TRUE);
        return NULL;
    }
    g_string_erase(reply, 0, 4);
    return g_string_free(reply, FALSE);
}

int64_t dt_status_number(const struct dt_device *d, const char *field)
{
    char *out = NULL;
    int64_t v = -1;
    if (dt_loa(d, &out, NULL, "status", "--format", "json", NULL) == 0 && out) {
        char pat[64];
        g_snprintf(pat, sizeof pat, "\"%s\":", field);
        const char *p = strstr(out, pat);
        if (p)
            v = g_ascii_strtoll(p + strlen(pat), NULL, 10);
    }
    g_free(out);
    return v;
}

struct dt_device *dt_device_live(int secs, int minutes, bool kiosk, const char *board_extra)
{
    char *sessions = NULL, *quiet = NULL;
    dt_session_now(secs, minutes, &sessions, &quiet);
    struct dt_options o = {.campaign_from = "2020-01-01",
                           .campaign_until = "2035-12-31",
                           .short_items = true,
                           .sessions = sessions,
                           .quiet_hours = quiet,
                           .require_trust = "false",
                           .kiosk_enabled = kiosk ? "true" : "false",
                           .board_extra = board_extra};
    struct dt_device *d = dt_device_new(&o); /* the options are written into its files */
    g_free(sessions);
    g_free(quiet);
    return d;
}
