/*
 * Records into session rows: each field is checked against its type (date,
 * decimal, flag), and the row is assembled as a tally_transaction, tally_partner,
 * ... ready for the session. Converting touches neither the context nor the
 * session, so that it may run on a reading thread: a field's error is described
 * in a tally_csv__problem, which the caller's thread records. The session's own
 * verdict on a row is recorded again with the file's location.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/quote.h"
#include "engine/intake.h" /* TALLY_TRANSACTION_TEXTS */
#include "io/csv.h"

typedef tally_csv__rows row;
typedef tally_csv__value field_value;

static int __attribute__((format(printf, 3, 4)))
field_error(const row *r, size_t f, const char *format, ...)
{
    size_t column = (size_t)r->columns->column[f];
    tally_csv__problem *problem = r->problem;
    problem->code = TALLY_ERR_INPUT;
    problem->column = (unsigned long)column + 1;
    problem->path = tally_csv__column_name(r->columns, column);
    va_list args;
    va_start(args, format);
    vsnprintf(problem->message, sizeof(problem->message), format, args);
    va_end(args);
    return TALLY_ERR_INPUT;
}

/* An error about a field's value: the quoted value, then what is wrong with it. */
static int
value_error(const row *r, size_t f, const char *text, size_t length, const char *what)
{
    char quoted[TALLY_QUOTE_MAX_SHOWN * 4 + 8];
    tally__quote(quoted, sizeof(quoted), text, length);
    return field_error(r, f, "%s %s", quoted, what);
}

#define TEXT_OF(x) #x
#define NUMBER_TEXT(x) TEXT_OF(x)

/* Digits from text[*i] on, into *value; returns how many. */
static inline size_t
read_digits(const char *text, size_t length, size_t *i, uint64_t *value)
{
    size_t start = *i;
    uint64_t v = *value;
    for (; *i < length; ++*i) {
        unsigned digit = (unsigned)(unsigned char)text[*i] - '0';
        if (digit >= 10)
            break;
        v = v * 10 + digit; /* wraps only past 19 digits, which are then refused */
    }
    *value = v;
    return *i - start;
}

int
tally_csv__plain_decimal(tally_decimal *out, const char *text, size_t length)
{
    size_t i = 0;
    int negative = 0;
    if (length && (text[0] == '+' || text[0] == '-')) {
        negative = text[0] == '-';
        i = 1;
    }
    uint64_t coefficient = 0;
    size_t digits = read_digits(text, length, &i, &coefficient), scale = 0;
    if (i < length && text[i] == '.') {
        i++;
        scale = read_digits(text, length, &i, &coefficient);
        digits += scale;
    }
    if (i != length || digits == 0 || digits > 19)
        return 0;
    /* As tally_dec__store() would: no sign on zero. */
    out->coefficient_lo = coefficient;
    out->coefficient_hi = 0;
    out->scale = (int32_t)scale;
    out->negative = coefficient != 0 && negative;
    return 1;
}

/* Digits with an optional sign and at most one '.': no exponent, no grouping. */
static int
is_plain_decimal(const char *text, size_t length)
{
    size_t i = 0, digits = 0, points = 0;
    if (length && (text[0] == '+' || text[0] == '-'))
        i++;
    for (; i < length; i++) {
        if (text[i] >= '0' && text[i] <= '9')
            digits++;
        else if (text[i] == '.' && points == 0)
            points++;
        else
            return 0;
    }
    return digits > 0;
}

static int
parse_bool(const char *text, size_t length, int *out)
{
    if (length == 4 && memcmp(text, "true", 4) == 0)
        *out = 1;
    else if (length == 5 && memcmp(text, "false", 5) == 0)
        *out = 0;
    else
        return 0;
    return 1;
}

/* The value of an empty or absent field. */
static void
no_value(field_value *value, const tally_csv__field_spec *spec)
{
    value->text = NULL;
    value->length = 0;
    memset(&value->number, 0, sizeof(value->number));
    value->flag = spec->type == TALLY_CSV__TRISTATE ? -1 : 0;
}

static int
convert_decimal(const row *r, size_t f, const char *text, size_t length, tally_decimal *out)
{
    if (tally_csv__plain_decimal(out, text, length))
        return TALLY_OK;
    if (!is_plain_decimal(text, length))
        return value_error(r, f, text, length,
                           "is not a decimal number (expected digits with an optional "
                           "sign and one '.')");
    int status = tally_decimal_parse_n(NULL, out, text, length);
    if (status == TALLY_ERR_OVERFLOW)
        return value_error(r, f, text, length,
                           "has more than " NUMBER_TEXT(TALLY_DECIMAL_MAX_DIGITS)
                           " significant digits");
    if (status != TALLY_OK)
        return value_error(r, f, text, length,
                           "has more than " NUMBER_TEXT(TALLY_DECIMAL_MAX_SCALE)
                           " digits after the '.'");
    return TALLY_OK;
}

/* Two dates' 10 bytes, compared without a call. */
static inline int
same_date(const char *a, const char *b)
{
    uint64_t a8, b8;
    uint16_t a2, b2;
    memcpy(&a8, a, 8);
    memcpy(&b8, b, 8);
    memcpy(&a2, a + 8, 2);
    memcpy(&b2, b + 8, 2);
    return a8 == b8 && a2 == b2;
}

/* Dates repeat from row to row (files are often sorted by date): a date equal
 * to the field's last valid one is valid. */
static int
convert_date(row *r, size_t f, const char *text, size_t length)
{
    if (length == TALLY_CSV__DATE_LENGTH && r->date_known[f] && same_date(r->dates[f], text))
        return TALLY_OK;
    tally_day day;
    if (!tally_date__parse(&day, text, length))
        return value_error(r, f, text, length, "is not a date (expected YYYY-MM-DD)");
    if (length == TALLY_CSV__DATE_LENGTH) {
        memcpy(r->dates[f], text, TALLY_CSV__DATE_LENGTH);
        r->date_known[f] = 1;
    }
    return TALLY_OK;
}

/* A field's text in the record's own copy: its bytes and its quoted fields' copies. */
static inline const char *
field_text(const row *r, size_t column, size_t *length)
{
    const tally_csv__field *field = &r->tokenizer->fields[column];
    *length = field->length;
    return (field->place == TALLY_CSV__COPIED ? r->scratch : r->window) + field->offset;
}

static int
convert(row *r, size_t f)
{
    const tally_csv__field_spec *spec = &r->columns->specs[f];
    field_value *value = &r->values[f];
    long column = r->columns->column[f];
    size_t length;
    const char *text = field_text(r, (size_t)column, &length);
    if (length == 0) {
        no_value(value, spec);
        return spec->required ? field_error(r, f, "the field is empty; a value is required")
                              : TALLY_OK;
    }
    int status = TALLY_OK;
    switch (spec->type) {
    case TALLY_CSV__TEXT:
        break;
    case TALLY_CSV__DATE:
        status = convert_date(r, f, text, length);
        break;
    case TALLY_CSV__DECIMAL:
        status = convert_decimal(r, f, text, length, &value->number);
        break;
    case TALLY_CSV__FLAG:
    case TALLY_CSV__TRISTATE:
        if (!parse_bool(text, length, &value->flag))
            status = value_error(r, f, text, length,
                                 "is not a boolean (expected true, false or an empty field)");
        break;
    }
    if (status != TALLY_OK)
        return status;
    value->text = text;
    value->length = length;
    return TALLY_OK;
}

int
tally_csv__relocate(tally_ctx *ctx, int status, const char *source, unsigned long line)
{
    char message[512];
    const tally_error *error = tally_ctx_last_error(ctx);
    snprintf(message, sizeof(message), "%s",
             error ? tally_error_message(error) : tally_strerror(status));
    tally_ctx_clear_errors(ctx);
    tally_location where = {source, line, 0, NULL};
    return tally_ctx__error_at(ctx, status, &where, "%s", message);
}

/* Field indices, in the order of csv_columns.c's tables. */
enum { TX_ID, TX_DATE, TX_PARTNER, TX_REP, TX_PRODUCT, TX_CATEGORY, TX_REGION, TX_QUANTITY,
       TX_AMOUNT, TX_CURRENCY, TX_DEAL_REGISTERED, TX_ORIGINAL_ID, TX_SPLIT,
       TX_CUSTOMER_CATEGORY, TX_NEW_CUSTOMER, TX_CLAIM_DATE };
enum { PARTNER_ID, PARTNER_TYPE, PARTNER_TIER, PARTNER_REGION, PARTNER_JOIN_DATE,
       PARTNER_QUOTA };
enum { SETTLEMENT_PAYEE, SETTLEMENT_COMPONENT, SETTLEMENT_PERIOD, SETTLEMENT_AMOUNT,
       SETTLEMENT_CURRENCY };
enum { CLAIM_ID, CLAIM_PARTNER, CLAIM_DATE, CLAIM_AMOUNT, CLAIM_ACTIVITY, CLAIM_COMPONENT };
enum { BASELINE_PAYEE, BASELINE_COMPONENT, BASELINE_PERIOD, BASELINE_AMOUNT };
enum { RATE_DATE, RATE_FROM, RATE_TO, RATE_RATE };

static void
make_transaction(tally_transaction *t, const field_value *v)
{
    memset(t, 0, sizeof(*t));
    t->size = sizeof(*t);
    t->id = v[TX_ID].text;
    t->date = v[TX_DATE].text;
    t->partner = v[TX_PARTNER].text;
    t->rep = v[TX_REP].text;
    t->product = v[TX_PRODUCT].text;
    t->category = v[TX_CATEGORY].text;
    t->region = v[TX_REGION].text;
    t->quantity = v[TX_QUANTITY].number;
    t->amount = v[TX_AMOUNT].number;
    t->currency = v[TX_CURRENCY].text;
    t->deal_registered = v[TX_DEAL_REGISTERED].flag;
    t->original_id = v[TX_ORIGINAL_ID].text;
    t->split = v[TX_SPLIT].text;
    t->customer_category = v[TX_CUSTOMER_CATEGORY].text;
    t->new_customer = v[TX_NEW_CUSTOMER].flag;
    t->claim_date = v[TX_CLAIM_DATE].text;
}

static void
make_partner(tally_partner *p, const field_value *v)
{
    memset(p, 0, sizeof(*p));
    p->size = sizeof(*p);
    p->id = v[PARTNER_ID].text;
    p->type = v[PARTNER_TYPE].text;
    p->tier = v[PARTNER_TIER].text;
    p->region = v[PARTNER_REGION].text;
    p->join_date = v[PARTNER_JOIN_DATE].text;
    p->quota = v[PARTNER_QUOTA].text;
}

static void
make_settlement(tally_settlement *s, const field_value *v)
{
    memset(s, 0, sizeof(*s));
    s->size = sizeof(*s);
    s->payee = v[SETTLEMENT_PAYEE].text;
    s->component = v[SETTLEMENT_COMPONENT].text;
    s->period = v[SETTLEMENT_PERIOD].text;
    s->amount = v[SETTLEMENT_AMOUNT].number;
    s->currency = v[SETTLEMENT_CURRENCY].text;
}

static void
make_claim(tally_claim *c, const field_value *v)
{
    memset(c, 0, sizeof(*c));
    c->size = sizeof(*c);
    c->id = v[CLAIM_ID].text;
    c->partner = v[CLAIM_PARTNER].text;
    c->date = v[CLAIM_DATE].text;
    c->amount = v[CLAIM_AMOUNT].number;
    c->activity = v[CLAIM_ACTIVITY].text;
    c->component = v[CLAIM_COMPONENT].text;
}

static void
make_baseline(tally_baseline *b, const field_value *v)
{
    memset(b, 0, sizeof(*b));
    b->size = sizeof(*b);
    b->payee = v[BASELINE_PAYEE].text;
    b->component = v[BASELINE_COMPONENT].text;
    b->period = v[BASELINE_PERIOD].text;
    b->amount = v[BASELINE_AMOUNT].number;
}

static void
make_rate(tally_fx_rate *r, const field_value *v)
{
    memset(r, 0, sizeof(*r));
    r->size = sizeof(*r);
    r->date = v[RATE_DATE].text;
    r->from = v[RATE_FROM].text;
    r->to = v[RATE_TO].text;
    r->rate = v[RATE_RATE].number;
}

void
tally_csv__rows_init(tally_csv__rows *rows, const tally_csv__columns *columns,
                     const tally_csv__tokenizer *tokenizer)
{
    memset(rows, 0, sizeof(*rows));
    rows->columns = columns;
    rows->tokenizer = tokenizer;
    /* Fields the file has no column for keep their empty value for good. */
    for (size_t f = 0; f < columns->field_count; f++) {
        no_value(&rows->values[f], &columns->specs[f]);
        if (columns->column[f] >= 0) {
            size_t i = rows->present_count++;
            rows->present[i].field = f;
            rows->present[i].column = (size_t)columns->column[f];
            rows->present[i].plain_text = columns->specs[f].type == TALLY_CSV__TEXT;
        }
    }
}

size_t
tally_csv__item_size(tally_csv_kind kind)
{
    switch (kind) {
    case TALLY_CSV_TRANSACTIONS:
        return sizeof(tally_transaction);
    case TALLY_CSV_PARTNERS:
        return sizeof(tally_partner);
    case TALLY_CSV_SETTLEMENTS:
        return sizeof(tally_settlement);
    case TALLY_CSV_CLAIMS:
        return sizeof(tally_claim);
    case TALLY_CSV_BASELINES:
        return sizeof(tally_baseline);
    case TALLY_CSV_RATES:
        return sizeof(tally_fx_rate);
    }
    return 0;
}

static void
make_item(tally_csv_kind kind, void *item, const field_value *v)
{
    switch (kind) {
    case TALLY_CSV_TRANSACTIONS:
        make_transaction(item, v);
        break;
    case TALLY_CSV_PARTNERS:
        make_partner(item, v);
        break;
    case TALLY_CSV_SETTLEMENTS:
        make_settlement(item, v);
        break;
    case TALLY_CSV_CLAIMS:
        make_claim(item, v);
        break;
    case TALLY_CSV_BASELINES:
        make_baseline(item, v);
        break;
    case TALLY_CSV_RATES:
        make_rate(item, v);
        break;
    }
}

int
tally_csv__convert_row(tally_csv__rows *rows, const char *window, const char *scratch,
                       void *item, tally_csv__problem *problem)
{
    rows->window = window;
    rows->scratch = scratch;
    rows->problem = problem;
    for (size_t i = 0; i < rows->present_count; i++) {
        size_t f = rows->present[i].field;
        if (rows->present[i].plain_text) { /* most fields: nothing to check */
            size_t length;
            const char *text = field_text(rows, rows->present[i].column, &length);
            if (length) {
                rows->values[f].text = text;
                rows->values[f].length = length;
                continue;
            }
        }
        int status = convert(rows, f);
        if (status != TALLY_OK)
            return status;
    }
    make_item(rows->columns->kind, item, rows->values);
    return TALLY_OK;
}

void
tally_csv__transaction_lengths(const tally_csv__rows *rows, size_t *lengths)
{
    /* The order of make_transaction()'s texts, as the input digest takes them. */
    static const int fields[TALLY_TRANSACTION_TEXTS] = {
        TX_ID,       TX_DATE,        TX_PARTNER, TX_REP,   TX_PRODUCT,
        TX_CATEGORY, TX_REGION,      TX_CURRENCY, TX_ORIGINAL_ID, TX_SPLIT,
        TX_CUSTOMER_CATEGORY, TX_CLAIM_DATE};
    for (size_t i = 0; i < TALLY_TRANSACTION_TEXTS; i++)
        lengths[i] = rows->values[fields[i]].length;
}

int
tally_csv__add_item(tally_session *session, tally_csv_kind kind, const void *item)
{
    switch (kind) {
    case TALLY_CSV_TRANSACTIONS:
        return tally_session_add_transaction(session, item);
    case TALLY_CSV_PARTNERS:
        return tally_session_add_partner(session, item);
    case TALLY_CSV_SETTLEMENTS:
        return tally_session_add_settlement(session, item);
    case TALLY_CSV_CLAIMS:
        return tally_session_add_claim(session, item);
    case TALLY_CSV_BASELINES:
        return tally_session_add_baseline(session, item);
    case TALLY_CSV_RATES:
        return tally_session_add_rate(session, item);
    }
    return TALLY_ERR_INVALID_ARGUMENT;
}

int
tally_csv__record_problem(tally_ctx *ctx, const tally_csv__problem *problem,
                          const char *source, unsigned long line)
{
    tally_location where = {source, line, problem->column, problem->path};
    return tally_ctx__error_at(ctx, problem->code, &where, "%s", problem->message);
}
