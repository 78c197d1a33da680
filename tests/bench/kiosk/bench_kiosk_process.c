/* The kiosk process as it runs: `loa kiosk` on the bundled examples at 1920x1080,
 * rotating notices, on SDL's dummy video driver. Samples its RSS every second and prints
 * the peak RSS, the PSS at the end and the average CPU over the run, against the goals
 * (SPEC issue: RSS <= 40 MB, CPU <= 1 % of a core).
 *   bench_kiosk_process [SECONDS [SIZE]]     (default 60 s, 1920x1080)
 * Needs the loa binary ($LOA_BIN or the build's) and the examples (target loa_examples).
 */
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            v = strtol(line + strlen(key), NULL, 10);
    fclose(f);
    return v;
}

static long pss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Pss:", 4) == 0)
            v = strtol(line + 4, NULL, 10);
    fclose(f);
    return v;
}

/* utime + stime in clock ticks. */
static long long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long ut = 0, st = 0;
    /* fields after ")": state(3) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    const char *size = argc > 2 ? argv[2] : "1920x1080";
    const char *bin = g_getenv("LOA_BIN");
    char *def_bin = g_build_filename(LOA_BUILD_DIR, "firmware", "loa", NULL);
    char *ex = g_build_filename(LOA_BUILD_DIR, "examples", NULL);
    if (!bin)
        bin = def_bin;
    if (seconds < 5)
        seconds = 5;
    char *cfg = g_build_filename(ex, "loa.cfg", NULL);
    char *pl1 = g_build_filename(ex, "playlists", "tmdt-2020.cfg", NULL);
    char *pl2 = g_build_filename(ex, "playlists", "tiep-song.cfg", NULL);
    if (access(bin, X_OK) != 0 || access(cfg, R_OK) != 0) {
        fprintf(stderr, "needs %s and the built examples in %s\n", bin, ex);
        return 1;
    }
    char forsec[16];
    snprintf(forsec, sizeof forsec, "%d", seconds + 5);
    g_setenv("SDL_VIDEODRIVER", "dummy", TRUE);
    pid_t pid = fork();
    if (pid == 0) {
        /* Quiet: the proof lines are not what is measured. */
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(bin, bin, "--config", cfg, "kiosk", "--display", "sdl", "--size", size, "--at",
              "2021-03-01 10:00:00", "--for", forsec, pl1, pl2, (char *)NULL);
        _exit(127);
    }
    /* Let it load the library (GStreamer probes the media) and draw its first frame. */
    sleep(4);
    long hz = sysconf(_SC_CLK_TCK);
    long long c0 = cpu_ticks(pid);
    int64_t t0 = g_get_monotonic_time();
    long peak = 0;
    for (int i = 0; i < seconds; i++) {
        long rss = status_kb(pid, "VmRSS:");
        if (rss > peak)
            peak = rss;
        sleep(1);
    }
    long long c1 = cpu_ticks(pid);
    int64_t t1 = g_get_monotonic_time();
    long hwm = status_kb(pid, "VmHWM:"), pss = pss_kb(pid), rss = status_kb(pid, "VmRSS:");
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    double cpu = c0 >= 0 && c1 >= 0
                     ? (double)(c1 - c0) / (double)hz / ((double)(t1 - t0) / 1e6) * 100.0
                     : -1;
    printf("loa kiosk %s rotating notices on the dummy video driver, %d s\n", size, seconds);
    printf("  RSS now %.1f MB, peak sampled %.1f MB, VmHWM %.1f MB (goal <= 40 MB)\n", rss / 1024.0,
           peak / 1024.0, hwm / 1024.0);
    printf("  PSS %.1f MB\n", pss / 1024.0);
    printf("  CPU %.3f %% of a core on average (goal <= 1 %%)\n", cpu);
    g_free(def_bin);
    g_free(ex);
    g_free(cfg);
    g_free(pl1);
    g_free(pl2);
    return 0;
}
