/* The fake clock itself (tests/fakes/fake_clock.c): time moves only when told, wake-ups
 * fire in order, realtime steps leave monotonic wake-ups alone. */
#include <glib.h>

#include "fake_clock.h"

struct log {
    uint64_t ids[16];
    int64_t at[16];
    size_t n;
    struct fake_clock *fc;
};

static void record(void *userdata, uint64_t id)
{
    struct log *l = userdata;
    l->ids[l->n] = id;
    l->at[l->n] = fake_clock_now(l->fc);
    l->n++;
}

static void test_set_advance(void)
{
    struct fake_clock *fc = fake_clock_new(1000);
    g_assert_cmpint(fake_clock_now(fc), ==, 1000);
    g_assert_cmpint(fake_clock_mono(fc), ==, 0);
    fake_clock_advance(fc, 500);
    g_assert_cmpint(fake_clock_now(fc), ==, 1500);
    g_assert_cmpint(fake_clock_mono(fc), ==, 500);
    fake_clock_set_time(fc, 2000);
    g_assert_cmpint(fake_clock_mono(fc), ==, 1000);
    fake_clock_set_time(fc, 10); /* never backwards: that is a step */
    g_assert_cmpint(fake_clock_now(fc), ==, 2000);
    g_assert_false(fake_clock_crank(fc));
    fake_clock_free(fc);
}

static void test_crank_order(void)
{
    struct fake_clock *fc = fake_clock_new(0);
    struct log l = {.fc = fc};
    uint64_t a = fake_clock_add_wakeup(fc, FAKE_CLOCK_REALTIME, 300, record, &l);
    uint64_t b = fake_clock_add_wakeup(fc, FAKE_CLOCK_MONOTONIC, 100, record, &l);
    uint64_t c = fake_clock_add_wakeup(fc, FAKE_CLOCK_REALTIME, 300, record, &l);
    uint64_t d = fake_clock_add_wakeup(fc, FAKE_CLOCK_REALTIME, 200, record, &l);
    g_assert_cmpuint(fake_clock_pending(fc), ==, 4);
    g_assert_true(fake_clock_cancel(fc, d));
    g_assert_false(fake_clock_cancel(fc, d));
    int64_t at;
    uint64_t id;
    g_assert_true(fake_clock_peek(fc, &at, &id));
    g_assert_cmpint(at, ==, 100);
    g_assert_cmpuint(id, ==, b);
    g_assert_cmpuint(fake_clock_crank_until(fc, 250), ==, 1);
    g_assert_cmpint(fake_clock_now(fc), ==, 250);
    g_assert_cmpuint(fake_clock_crank_until(fc, 1000), ==, 2);
    g_assert_cmpuint(l.n, ==, 3);
    g_assert_cmpuint(l.ids[0], ==, b);
    g_assert_cmpuint(l.ids[1], ==, a); /* ties: first armed first */
    g_assert_cmpuint(l.ids[2], ==, c);
    g_assert_cmpint(l.at[0], ==, 100);
    g_assert_cmpint(l.at[1], ==, 300);
    g_assert_cmpint(fake_clock_now(fc), ==, 1000);
    fake_clock_free(fc);
}

/* A realtime step: realtime wake-ups stay at their calendar instant, monotonic ones
 * keep their elapsed time. */
static void test_step(void)
{
    struct fake_clock *fc = fake_clock_new(1000);
    struct log l = {.fc = fc};
    uint64_t rt = fake_clock_add_wakeup(fc, FAKE_CLOCK_REALTIME, 1500, record, &l);
    uint64_t mono = fake_clock_add_wakeup(fc, FAKE_CLOCK_MONOTONIC, 200, record, &l);
    g_assert_cmpint(fake_clock_step(fc, -10000), ==, 1000);
    g_assert_cmpint(fake_clock_now(fc), ==, -9000);
    g_assert_cmpint(fake_clock_mono(fc), ==, 0);
    g_assert_true(fake_clock_crank(fc));
    g_assert_cmpuint(l.ids[0], ==, mono);
    g_assert_cmpint(l.at[0], ==, -8800);
    g_assert_true(fake_clock_crank(fc));
    g_assert_cmpuint(l.ids[1], ==, rt);
    g_assert_cmpint(l.at[1], ==, 1500);
    g_assert_cmpint(fake_clock_mono(fc), ==, 10500);
    fake_clock_free(fc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/fake-clock/set-advance", test_set_advance);
    g_test_add_func("/core/fake-clock/crank-order", test_crank_order);
    g_test_add_func("/core/fake-clock/step", test_step);
    return g_test_run();
}
