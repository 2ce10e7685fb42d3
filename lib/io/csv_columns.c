/*
 * Columns of a CSV file: the fields each kind of file has, the header names they
 * are read from (the defaults, or a caller's column map), and where the file's
 * header puts them. Header names match exactly after trimming spaces and tabs
 * around them; unknown columns are ignored; a duplicate name or a missing
 * required column is an error naming the line and the expected header.
 */
#include <stdio.h>
#include <string.h>

#include "core/quote.h"
#include "io/csv.h"

static const tally_csv__field_spec transaction_specs[] = {
    {"id", TALLY_CSV__TEXT, 1},
    {"date", TALLY_CSV__DATE, 1},
    {"partner", TALLY_CSV__TEXT, 1},
    {"rep", TALLY_CSV__TEXT, 0},
    {"product", TALLY_CSV__TEXT, 0},
    {"category", TALLY_CSV__TEXT, 0},
    {"region", TALLY_CSV__TEXT, 0},
    {"quantity", TALLY_CSV__DECIMAL, 0},
    {"amount", TALLY_CSV__DECIMAL, 1},
    {"currency", TALLY_CSV__TEXT, 0},
    {"deal_registered", TALLY_CSV__FLAG, 0},
    {"original_id", TALLY_CSV__TEXT, 0},
    {"split", TALLY_CSV__TEXT, 0},
    {"customer_category", TALLY_CSV__TEXT, 0},
    {"new_customer", TALLY_CSV__TRISTATE, 0},
    {"claim_date", TALLY_CSV__DATE, 0},
};

static const tally_csv__field_spec partner_specs[] = {
    {"id", TALLY_CSV__TEXT, 1},
    {"type", TALLY_CSV__TEXT, 0},
    {"tier", TALLY_CSV__TEXT, 0},
    {"region", TALLY_CSV__TEXT, 0},
    {"join_date", TALLY_CSV__DATE, 0},
    {"quota", TALLY_CSV__DECIMAL, 0},
};

static const tally_csv__field_spec settlement_specs[] = {
    {"payee", TALLY_CSV__TEXT, 1},
    {"component", TALLY_CSV__TEXT, 1},
    {"period", TALLY_CSV__TEXT, 1},
    {"amount", TALLY_CSV__DECIMAL, 1},
    {"currency", TALLY_CSV__TEXT, 0},
};

static const tally_csv__field_spec claim_specs[] = {
    {"id", TALLY_CSV__TEXT, 1},
    {"partner", TALLY_CSV__TEXT, 1},
    {"date", TALLY_CSV__DATE, 1},
    {"amount", TALLY_CSV__DECIMAL, 1},
    {"activity", TALLY_CSV__TEXT, 0},
    {"component", TALLY_CSV__TEXT, 0},
};

static const tally_csv__field_spec baseline_specs[] = {
    {"payee", TALLY_CSV__TEXT, 1},
    {"component", TALLY_CSV__TEXT, 1},
    {"period", TALLY_CSV__TEXT, 1},
    {"amount", TALLY_CSV__DECIMAL, 1},
};

static const tally_csv__field_spec rate_specs[] = {
    {"date", TALLY_CSV__DATE, 1},
    {"from", TALLY_CSV__TEXT, 1},
    {"to", TALLY_CSV__TEXT, 1},
    {"rate", TALLY_CSV__DECIMAL, 1},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

const tally_csv__field_spec *
tally_csv__specs(tally_csv_kind kind, size_t *count)
{
    switch (kind) {
    case TALLY_CSV_TRANSACTIONS:
        *count = COUNT(transaction_specs);
        return transaction_specs;
    case TALLY_CSV_PARTNERS:
        *count = COUNT(partner_specs);
        return partner_specs;
    case TALLY_CSV_SETTLEMENTS:
        *count = COUNT(settlement_specs);
        return settlement_specs;
    case TALLY_CSV_CLAIMS:
        *count = COUNT(claim_specs);
        return claim_specs;
    case TALLY_CSV_BASELINES:
        *count = COUNT(baseline_specs);
        return baseline_specs;
    case TALLY_CSV_RATES:
        *count = COUNT(rate_specs);
        return rate_specs;
    }
    *count = 0;
    return NULL;
}

static int
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void
trim(const char **text, size_t *length)
{
    while (*length && is_blank((*text)[0])) {
        (*text)++;
        (*length)--;
    }
    while (*length && is_blank((*text)[*length - 1]))
        (*length)--;
}

/* Shows a name in a message: at most this many bytes of it. */
#define SHOWN(length) ((int)((length) < 200 ? (length) : 200))

/* The kind's field names, comma-separated, e.g. for "expected one of ...". */
static void
list_fields(char *out, size_t size, const tally_csv__field_spec *specs, size_t count)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "," : "", specs[i].name);
}

static int
map_error(tally_ctx *ctx, const char *what, const char *text, size_t length)
{
    char quoted[TALLY_QUOTE_MAX_SHOWN * 4 + 8];
    tally__quote(quoted, sizeof(quoted), text, length);
    return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT, "column map: %s %s", quoted, what);
}

/* One "field=Header" entry of a column map. */
static int
map_entry(tally_csv__columns *columns, tally_ctx *ctx, const char *entry, size_t length,
          unsigned char *mapped)
{
    const char *equals = memchr(entry, '=', length);
    if (!equals)
        return map_error(ctx, "has no '=' (expected field=Header Name)", entry, length);
    const char *field = entry, *header = equals + 1;
    size_t field_length = (size_t)(equals - entry);
    size_t header_length = length - field_length - 1;
    trim(&field, &field_length);
    trim(&header, &header_length);
    size_t f = 0;
    while (f < columns->field_count && (strlen(columns->specs[f].name) != field_length ||
                                        memcmp(columns->specs[f].name, field, field_length)))
        f++;
    if (f == columns->field_count) {
        char fields[256], what[320];
        list_fields(fields, sizeof(fields), columns->specs, columns->field_count);
        snprintf(what, sizeof(what), "is not a field of %s files (expected one of %s)",
                 tally_csv_kind_name(columns->kind), fields);
        return map_error(ctx, what, field, field_length);
    }
    if (mapped[f])
        return map_error(ctx, "is mapped twice", field, field_length);
    if (header_length == 0)
        return map_error(ctx, "is mapped to an empty header name", field, field_length);
    mapped[f] = 1;
    columns->names[f] = header;
    columns->name_lengths[f] = header_length;
    return TALLY_OK;
}

int
tally_csv__columns_init(tally_csv__columns *columns, tally_ctx *ctx, tally_csv_kind kind,
                        const char *map)
{
    memset(columns, 0, sizeof(*columns));
    columns->kind = kind;
    columns->specs = tally_csv__specs(kind, &columns->field_count);
    if (!columns->specs)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT, "unknown kind of CSV file %d",
                                (int)kind);
    for (size_t f = 0; f < columns->field_count; f++) {
        columns->names[f] = columns->specs[f].name;
        columns->name_lengths[f] = strlen(columns->specs[f].name);
        columns->column[f] = -1;
    }
    if (!map || !map[0])
        return TALLY_OK;
    unsigned char mapped[TALLY_CSV__MAX_FIELDS] = {0};
    for (const char *entry = map;;) {
        const char *comma = strchr(entry, ',');
        size_t length = comma ? (size_t)(comma - entry) : strlen(entry);
        const char *text = entry;
        size_t trimmed = length;
        trim(&text, &trimmed);
        if (trimmed == 0)
            return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                    "column map: an empty entry (expected "
                                    "field=Header Name,field2=Other Name)");
        int status = map_entry(columns, ctx, entry, length, mapped);
        if (status != TALLY_OK)
            return status;
        if (!comma)
            return TALLY_OK;
        entry = comma + 1;
    }
}

void
tally_csv__columns_free(tally_csv__columns *columns, tally_ctx *ctx)
{
    tally_ctx__free(ctx, columns->header_text);
    tally_ctx__free(ctx, columns->header_offsets);
    columns->header_text = NULL;
    columns->header_offsets = NULL;
    columns->header_count = 0;
}

const char *
tally_csv__column_name(const tally_csv__columns *columns, size_t column)
{
    if (column >= columns->header_count)
        return NULL;
    const char *name = columns->header_text + columns->header_offsets[column];
    return name[0] ? name : NULL;
}

/* ---- matching the header ---- */

static uint64_t
hash_name(const char *text, size_t length)
{
    uint64_t hash = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ (unsigned char)text[i]) * 1099511628211u;
    return hash;
}

/* Open-addressing index of the header's names: slot holds column + 1, 0 if free. */
typedef struct name_index {
    size_t *slots;
    size_t mask;
} name_index;

static size_t *
index_probe(const name_index *index, const tally_csv__columns *columns, const char *name,
            size_t length)
{
    for (size_t i = (size_t)hash_name(name, length) & index->mask;; i = (i + 1) & index->mask) {
        size_t *slot = &index->slots[i];
        if (*slot == 0)
            return slot;
        const char *other = columns->header_text + columns->header_offsets[*slot - 1];
        if (strlen(other) == length && memcmp(other, name, length) == 0)
            return slot;
    }
}

/* Copies the header's trimmed names. */
static int
copy_header(tally_csv__columns *columns, tally_ctx *ctx, const tally_csv__tokenizer *tokenizer,
            size_t count)
{
    size_t total = 1;
    for (size_t c = 0; c < count; c++) {
        size_t length;
        (void)tally_csv__field_text(tokenizer, c, &length);
        total += length + 1;
    }
    columns->header_offsets = tally_ctx__calloc(ctx, count, sizeof(size_t));
    columns->header_text = tally_ctx__alloc(ctx, total);
    if (!columns->header_offsets || !columns->header_text)
        return TALLY_ERR_NOMEM;
    size_t used = 0;
    for (size_t c = 0; c < count; c++) {
        size_t length;
        const char *name = tally_csv__field_text(tokenizer, c, &length);
        trim(&name, &length);
        columns->header_offsets[c] = used;
        memcpy(columns->header_text + used, name, length);
        columns->header_text[used + length] = '\0';
        used += length + 1;
    }
    columns->header_count = count;
    return TALLY_OK;
}

/* Writes names to a message buffer: the effective header, required or all. */
static void
list_header(char *out, size_t size, const tally_csv__columns *columns, int required_only)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t f = 0; f < columns->field_count && used < size; f++) {
        if (required_only && !columns->specs[f].required)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%.*s", used ? "," : "",
                                 SHOWN(columns->name_lengths[f]), columns->names[f]);
    }
}

void
tally_csv__expected_header(const tally_csv__columns *columns, char *out, size_t size)
{
    list_header(out, size, columns, 0);
}

static int
report_missing(tally_csv__columns *columns, tally_ctx *ctx, const char *source,
               unsigned long line)
{
    char missing[256] = "", expected[512], required[256];
    size_t used = 0, count = 0;
    for (size_t f = 0; f < columns->field_count; f++) {
        if (!columns->specs[f].required || columns->column[f] >= 0)
            continue;
        if (used < sizeof(missing))
            used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s\"%.*s\"",
                                     count ? ", " : "", SHOWN(columns->name_lengths[f]),
                                     columns->names[f]);
        count++;
    }
    if (count == 0)
        return TALLY_OK;
    list_header(expected, sizeof(expected), columns, 0);
    list_header(required, sizeof(required), columns, 1);
    tally_location where = {source, line, 0, NULL};
    return tally_ctx__error_at(ctx, TALLY_ERR_INPUT, &where,
                               "missing required column%s %s (expected header: %s; "
                               "required: %s)",
                               count > 1 ? "s" : "", missing, expected, required);
}

int
tally_csv__columns_match(tally_csv__columns *columns, tally_ctx *ctx,
                         const tally_csv__tokenizer *tokenizer, const tally_csv__record *header,
                         const char *source, unsigned long line)
{
    size_t count = header->field_count;
    int status = copy_header(columns, ctx, tokenizer, count);
    if (status != TALLY_OK)
        return status;
    name_index index = {NULL, 0};
    size_t slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    index.slots = tally_ctx__calloc(ctx, slots, sizeof(size_t));
    if (!index.slots)
        return TALLY_ERR_NOMEM;
    index.mask = slots - 1;
    int duplicates = 0;
    for (size_t c = 0; c < count; c++) {
        const char *name = tally_csv__column_name(columns, c);
        if (!name)
            continue;
        size_t *slot = index_probe(&index, columns, name, strlen(name));
        if (*slot) {
            char quoted[TALLY_QUOTE_MAX_SHOWN * 4 + 8];
            tally__quote(quoted, sizeof(quoted), name, strlen(name));
            tally_location where = {source, line, (unsigned long)c + 1, name};
            tally_ctx__error_at(ctx, TALLY_ERR_INPUT, &where,
                                "duplicate column %s (also column %zu)", quoted, *slot);
            duplicates++;
            continue;
        }
        *slot = c + 1;
    }
    for (size_t f = 0; f < columns->field_count; f++) {
        size_t *slot = index_probe(&index, columns, columns->names[f], columns->name_lengths[f]);
        columns->column[f] = *slot ? (long)(*slot - 1) : -1;
    }
    tally_ctx__free(ctx, index.slots);
    status = report_missing(columns, ctx, source, line);
    if (status == TALLY_OK && duplicates)
        status = TALLY_ERR_INPUT;
    return status;
}
