/*
 * The progress bar on standard error while a large input is read: only when
 * standard error is a terminal (isatty) and the run is not --quiet, and only once
 * the input is large (TOOL_PROGRESS_MIN_BYTES), so small files and pipes, logs and
 * CI output stay silent. Driven by the CSV reader's progress callback
 * (tally_csv_options.on_progress, after each 1 MiB chunk); redrawn in place with
 * a carriage return at most once per per-mille step (or per MiB when the size is
 * not known, as on standard input), and erased when the file is done, so the
 * summary line that follows starts on a clean line:
 *
 *   transactions big.csv  [##########..........]  51%  120.3 of 236.0 MiB
 */
#define _POSIX_C_SOURCE 200809L /* fileno */

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally.h"

#define BAR_WIDTH 24
#define MIB (1024.0 * 1024.0)

int
tool_progress_bar_wanted(int quiet)
{
    return !quiet && isatty(fileno(stderr));
}

void
tool_progress_bar_begin(tool_progress_bar *bar, const char *label, const char *path,
                        int enabled)
{
    struct stat info;

    memset(bar, 0, sizeof(*bar));
    bar->enabled = enabled;
    bar->label = label;
    if (enabled && path && strcmp(path, "-") != 0 && stat(path, &info) == 0 &&
        S_ISREG(info.st_mode) && info.st_size > 0)
        bar->total = (uint64_t)info.st_size;
    if (bar->total && bar->total < TOOL_PROGRESS_MIN_BYTES)
        bar->enabled = 0; /* small: done before a bar would help */
    bar->last_step = UINT64_MAX;
}

static void
draw(tool_progress_bar *bar, uint64_t bytes)
{
    char cells[BAR_WIDTH + 1];

    if (bar->total) {
        uint64_t shown = bytes > bar->total ? bar->total : bytes;
        size_t filled = (size_t)(shown * BAR_WIDTH / bar->total);
        memset(cells, '#', filled);
        memset(cells + filled, '.', BAR_WIDTH - filled);
        cells[BAR_WIDTH] = '\0';
        fprintf(stderr, "\r%s  [%s] %3u%%  %.1f of %.1f MiB", bar->label, cells,
                (unsigned)(shown * 100 / bar->total), (double)shown / MIB,
                (double)bar->total / MIB);
    } else {
        fprintf(stderr, "\r%s  %.1f MiB read", bar->label, (double)bytes / MIB);
    }
    fflush(stderr);
    bar->drawn = 1;
}

int
tool_progress_bar_update(uint64_t bytes_read, void *user_data)
{
    tool_progress_bar *bar = user_data;
    uint64_t step;

    if (!bar->enabled || bytes_read < TOOL_PROGRESS_MIN_BYTES)
        return 0;
    step = bar->total ? bytes_read * 1000 / bar->total : bytes_read / (1024u * 1024u);
    if (step != bar->last_step) {
        bar->last_step = step;
        draw(bar, bytes_read);
    }
    return 0;
}

void
tool_progress_bar_end(tool_progress_bar *bar)
{
    if (!bar->drawn)
        return;
    /* Erase the bar: carriage return, clear to the end of the line. */
    fputs("\r\033[K", stderr);
    fflush(stderr);
    bar->drawn = 0;
}
