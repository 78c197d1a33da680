/* Printing and option-parsing helpers shared by the commands (fw.h, fw_util.h). */
#include "fw_util.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fw.h"

void fw_print_diag(const struct loa_diag *d)
{
    char buf[2048];
    fprintf(stderr, "%s\n", loa_diag_format(d, buf, sizeof buf));
}

void fw_print_diags(const struct loa_diag_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        fw_print_diag(&l->items[i]);
}

void fw_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("loa: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int fw_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("loa: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    /* Callers pass "check" or "check " alike. */
    size_t len = command ? strlen(command) : 0;
    while (len > 0 && command[len - 1] == ' ')
        len--;
    fprintf(stderr, "\nTry 'loa %.*s%s--help'.\n", (int)len, len ? command : "", len ? " " : "");
    return LOA_EXIT_USAGE;
}

bool fw_options_help_only(int argc, char **argv, const char *command, void (*print_help)(void),
                          int *ret_exit)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            print_help();
            *ret_exit = LOA_EXIT_OK;
            return true;
        default:
            *ret_exit = fw_usage_error(command, "bad option");
            return true;
        }
    }
    return false;
}
