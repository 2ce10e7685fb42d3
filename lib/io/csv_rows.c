/*
 * Records into session rows: each field is checked against its type (date,
 * decimal, flag), and the row is assembled as a tally_transaction, tally_partner,
 * ... ready for the session. Converting touches neither the context nor the
 * session, so that it may run on a reading thread: a field's error is described
 * in a tally_csv__problem, which the caller's thread records. The session's own
 * verdict on a row is recorded again with the file's location.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/quote.h"
#include "engine/intake.h" /* TALLY_TRANSACTION_TEXTS */
#include "io/csv.h"

typedef tally_csv__rows row;

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

/* A plain decimal's parts: the coefficient (below 10^19), scale and sign. */
typedef struct plain_parts {
    uint64_t coefficient;
    int32_t scale;
    int32_t negative;
} plain_parts;

/* ---- plain decimals: eight bytes at a time ---- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORD_DIGITS 1 /* the first byte of a text is the low byte of its word */
#else
#define WORD_DIGITS 0
#endif

#define EACH_BYTE(b) (0x0101010101010101u * (b))

/* Eight ASCII digits, the first in the low byte, as their number: pairs, then
 * quads, then the eight combined by multiplication (Lemire's method). */
static inline uint64_t
eight_digits(uint64_t word)
{
    word -= EACH_BYTE(0x30u);
    word = word * 10 + (word >> 8);
    return ((word & 0x000000FF000000FFu) * 0x000F424000000064u +
            ((word >> 16) & 0x000000FF000000FFu) * 0x0000271000000001u) >> 32;
}

/* Every byte in '0' ... '9' (no carry crosses a byte: each is 0x30 ... 0x3F). */
static inline int
all_digits(uint64_t word)
{
    return (word & EACH_BYTE(0xF0u)) == EACH_BYTE(0x30u) &&
           ((word + EACH_BYTE(0x06u)) & EACH_BYTE(0xF0u)) == EACH_BYTE(0x30u);
}

/* The high bit of each byte that is zero, exactly (no borrow between bytes). */
static inline uint64_t
zero_bytes(uint64_t word)
{
    uint64_t low7 = EACH_BYTE(0x7Fu);
    return ~(((word & low7) + low7) | word) & EACH_BYTE(0x80u);
}

/*
 * 1 ... 8 bytes of digits with at most one '.', eight bytes readable from `p`,
 * without a loop: the point taken out, the digits moved up to the top of the word
 * behind '0's, all checked at once. Returns 0 where the byte loop must decide.
 */
static inline int
word_decimal(plain_parts *out, const unsigned char *p, size_t n, int negative)
{
    uint64_t word;
    memcpy(&word, p, sizeof(word));
    uint64_t kept = n == 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * n)) - 1;
    word &= kept;
    uint64_t points = zero_bytes(word ^ EACH_BYTE(0x2Eu)) & kept; /* bytes that are '.' */
    size_t digits = n;
    int32_t scale = 0;
    if (points) {
        if (points & (points - 1))
            return 0; /* two points */
        unsigned at = (unsigned)__builtin_ctzll(points) / 8;
        uint64_t before = word & (((uint64_t)1 << (8 * at)) - 1);
        uint64_t after = at < 7 ? word >> (8 * (at + 1)) : 0;
        word = before | (after << (8 * at));
        scale = (int32_t)(n - at - 1);
        digits = n - 1;
    }
    if (digits == 0)
        return 0;
    if (digits < 8) /* leading '0's in the low bytes */
        word = (word << (8 * (8 - digits))) | (EACH_BYTE(0x30u) >> (8 * digits));
    if (!all_digits(word))
        return 0;
    out->coefficient = eight_digits(word);
    out->scale = scale;
    out->negative = out->coefficient != 0 && negative;
    return 1;
}

/*
 * tally_csv__plain_decimal(), inline for the loop of convert_row(): one pass
 * over the bytes, the digits gathered whatever side of the '.' they are on. With
 * `padded`, TALLY_CSV__WORD_PADDING bytes are readable from the text's start
 * whatever its length, and texts of up to eight bytes after the sign are taken a
 * word at a time.
 */
static inline int
plain_decimal(plain_parts *out, const char *text, size_t length, int padded)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    int negative = 0;
    if (p < end && (*p == '+' || *p == '-')) {
        negative = *p == '-';
        p++;
    }
    size_t n = (size_t)(end - p);
    if (WORD_DIGITS && padded && n >= 1 && n <= 8 && word_decimal(out, p, n, negative))
        return 1;
    const unsigned char *first = p, *point = NULL;
    uint64_t coefficient = 0;
    for (; p < end; p++) {
        unsigned digit = (unsigned)*p - '0';
        if (digit < 10) {
            coefficient = coefficient * 10 + digit; /* wraps only past 19 digits: refused */
        } else if (*p == '.' && !point) {
            point = p;
        } else {
            return 0;
        }
    }
    size_t digits = (size_t)(end - first) - (point != NULL);
    if (digits == 0 || digits > 19)
        return 0;
    /* As tally_dec__store() would: no sign on zero. */
    out->coefficient = coefficient;
    out->scale = point ? (int32_t)(end - point - 1) : 0;
    out->negative = coefficient != 0 && negative;
    return 1;
}

static int
plain_to_decimal(tally_decimal *out, const char *text, size_t length, int padded)
{
    plain_parts parts;
    if (!plain_decimal(&parts, text, length, padded))
        return 0;
    out->coefficient_lo = parts.coefficient;
    out->coefficient_hi = 0;
    out->scale = parts.scale;
    out->negative = parts.negative;
    return 1;
}

int
tally_csv__plain_decimal_padded(tally_decimal *out, const char *text, size_t length)
{
    return plain_to_decimal(out, text, length, 1);
}

int
tally_csv__plain_decimal(tally_decimal *out, const char *text, size_t length)
{
    return plain_to_decimal(out, text, length, 0);
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
static inline int
known_date(const row *r, size_t f, const char *text, size_t length)
{
    return length == TALLY_CSV__DATE_LENGTH && r->date_known[f] && same_date(r->dates[f], text);
}

static int
convert_date(row *r, size_t f, const char *text, size_t length)
{
    if (known_date(r, f, text, length))
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

/* What a field's member in the kind's struct holds. */
typedef enum member_type {
    MEMBER_TEXT,             /* const char *: the text, NULL when empty */
    MEMBER_DECIMAL,          /* tally_decimal: the number, 0 when empty */
    MEMBER_FLAG              /* int: the flag, its default when empty */
} member_type;

/* How convert_row() takes a present field in its loop; convert() does the rest. */
enum {
    HOW_TEXT,                /* any text will do, and none (NULL) */
    HOW_REQUIRED_TEXT,       /* any text will do; an empty field is an error */
    HOW_DATE,                /* a date, into a text member: a repeated one is known good */
    HOW_DECIMAL,             /* a decimal, into a decimal member: a plain one is easy */
    HOW_OTHER                /* flags, decimals kept as text */
};

/* A member of the kind's struct, written through memcpy(): the struct is bytes
 * to this file, and a copy of a pointer's size is one store. */
static inline void
put_text(void *item, size_t offset, const char *text)
{
    memcpy((char *)item + offset, &text, sizeof(text));
}

/* A plain decimal into the item member by member. Made in a local tally_decimal
 * and copied whole, it went through the stack: its two 32-bit members written
 * apart and read back as one 64-bit word, a load the processor cannot take from
 * the pending stores (a sixth of the conversion's samples, perf at 10 M rows). */
static inline void
put_decimal(void *item, size_t offset, const plain_parts *parts)
{
    char *at = (char *)item + offset;
    const uint64_t high = 0;
    memcpy(at + offsetof(tally_decimal, coefficient_lo), &parts->coefficient, sizeof(uint64_t));
    memcpy(at + offsetof(tally_decimal, coefficient_hi), &high, sizeof(high));
    memcpy(at + offsetof(tally_decimal, scale), &parts->scale, sizeof(int32_t));
    memcpy(at + offsetof(tally_decimal, negative), &parts->negative, sizeof(int32_t));
}

/* An empty field's value: nothing, or the flag's default. */
static void
put_empty(void *item, size_t offset, member_type member, const tally_csv__field_spec *spec)
{
    static const tally_decimal zero;
    int flag = spec->type == TALLY_CSV__TRISTATE ? -1 : 0;
    if (member == MEMBER_TEXT)
        put_text(item, offset, NULL);
    else if (member == MEMBER_DECIMAL)
        memcpy((char *)item + offset, &zero, sizeof(zero));
    else
        memcpy((char *)item + offset, &flag, sizeof(flag));
}

/* The member the kind's struct has for field f (defined with the tables below). */
static member_type member_of(tally_csv_kind kind, size_t f, size_t *offset);

/* A field checked against its type and written into its member. */
static __attribute__((noinline)) int
convert(row *r, size_t f, const char *text, size_t length, void *item)
{
    const tally_csv__field_spec *spec = &r->columns->specs[f];
    size_t offset;
    member_type member = member_of(r->columns->kind, f, &offset);
    if (length == 0) {
        put_empty(item, offset, member, spec);
        return spec->required ? field_error(r, f, "the field is empty; a value is required")
                              : TALLY_OK;
    }
    int status = TALLY_OK, flag = 0;
    tally_decimal number;
    switch (spec->type) {
    case TALLY_CSV__TEXT:
        break;
    case TALLY_CSV__DATE:
        status = convert_date(r, f, text, length);
        break;
    case TALLY_CSV__DECIMAL:
        status = convert_decimal(r, f, text, length, &number);
        break;
    case TALLY_CSV__FLAG:
    case TALLY_CSV__TRISTATE:
        if (!parse_bool(text, length, &flag))
            status = value_error(r, f, text, length,
                                 "is not a boolean (expected true, false or an empty field)");
        break;
    }
    if (status != TALLY_OK)
        return status;
    if (member == MEMBER_TEXT) /* also a decimal kept as text (a partner's quota) */
        put_text(item, offset, text);
    else if (member == MEMBER_DECIMAL)
        memcpy((char *)item + offset, &number, sizeof(number));
    else
        memcpy((char *)item + offset, &flag, sizeof(flag));
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
       TX_CUSTOMER_CATEGORY, TX_NEW_CUSTOMER, TX_CLAIM_DATE, TX_FIELDS };

/* Each field's member in its kind's struct, in the order of csv_columns.c's tables. */
typedef struct member {
    size_t offset;
    member_type type;
} member;

#define TEXT_AT(type, name) {offsetof(type, name), MEMBER_TEXT}
#define DECIMAL_AT(type, name) {offsetof(type, name), MEMBER_DECIMAL}
#define FLAG_AT(type, name) {offsetof(type, name), MEMBER_FLAG}

static const member transaction_members[] = {
    TEXT_AT(tally_transaction, id),        TEXT_AT(tally_transaction, date),
    TEXT_AT(tally_transaction, partner),   TEXT_AT(tally_transaction, rep),
    TEXT_AT(tally_transaction, product),   TEXT_AT(tally_transaction, category),
    TEXT_AT(tally_transaction, region),    DECIMAL_AT(tally_transaction, quantity),
    DECIMAL_AT(tally_transaction, amount), TEXT_AT(tally_transaction, currency),
    FLAG_AT(tally_transaction, deal_registered), TEXT_AT(tally_transaction, original_id),
    TEXT_AT(tally_transaction, split),     TEXT_AT(tally_transaction, customer_category),
    FLAG_AT(tally_transaction, new_customer), TEXT_AT(tally_transaction, claim_date)};
_Static_assert(sizeof(transaction_members) / sizeof(member) == TX_FIELDS,
               "a member for each transaction field");

/* A partner's quota is checked as a decimal but kept as its text. */
static const member partner_members[] = {
    TEXT_AT(tally_partner, id),        TEXT_AT(tally_partner, type),
    TEXT_AT(tally_partner, tier),      TEXT_AT(tally_partner, region),
    TEXT_AT(tally_partner, join_date), TEXT_AT(tally_partner, quota)};

static const member settlement_members[] = {
    TEXT_AT(tally_settlement, payee),  TEXT_AT(tally_settlement, component),
    TEXT_AT(tally_settlement, period), DECIMAL_AT(tally_settlement, amount),
    TEXT_AT(tally_settlement, currency)};

static const member claim_members[] = {
    TEXT_AT(tally_claim, id),         TEXT_AT(tally_claim, partner),
    TEXT_AT(tally_claim, date),       DECIMAL_AT(tally_claim, amount),
    TEXT_AT(tally_claim, activity),   TEXT_AT(tally_claim, component)};

static const member baseline_members[] = {
    TEXT_AT(tally_baseline, payee),   TEXT_AT(tally_baseline, component),
    TEXT_AT(tally_baseline, period),  DECIMAL_AT(tally_baseline, amount)};

static const member rate_members[] = {
    TEXT_AT(tally_fx_rate, date), TEXT_AT(tally_fx_rate, from),
    TEXT_AT(tally_fx_rate, to),   DECIMAL_AT(tally_fx_rate, rate)};

static const member *
members_of(tally_csv_kind kind)
{
    switch (kind) {
    case TALLY_CSV_TRANSACTIONS:
        return transaction_members;
    case TALLY_CSV_PARTNERS:
        return partner_members;
    case TALLY_CSV_SETTLEMENTS:
        return settlement_members;
    case TALLY_CSV_CLAIMS:
        return claim_members;
    case TALLY_CSV_BASELINES:
        return baseline_members;
    case TALLY_CSV_RATES:
        return rate_members;
    }
    return NULL;
}

static member_type
member_of(tally_csv_kind kind, size_t f, size_t *offset)
{
    const member *m = &members_of(kind)[f];
    *offset = m->offset;
    return m->type;
}

/* A transaction's texts in the order the input digest takes them. */
static const int hashed_texts[] = {
    TX_ID,       TX_DATE,   TX_PARTNER,     TX_REP,   TX_PRODUCT,           TX_CATEGORY,
    TX_REGION,   TX_CURRENCY, TX_ORIGINAL_ID, TX_SPLIT, TX_CUSTOMER_CATEGORY, TX_CLAIM_DATE};
_Static_assert(sizeof(hashed_texts) / sizeof(hashed_texts[0]) == TALLY_TRANSACTION_TEXTS,
               "the input digest's texts");
_Static_assert(TALLY_TRANSACTION_TEXTS <= TALLY_CSV__MAX_FIELDS, "room for their lengths");

/* Where field f's length goes in text_lengths. */
static size_t
length_slot(tally_csv_kind kind, size_t f)
{
    for (size_t i = 0; kind == TALLY_CSV_TRANSACTIONS && i < TALLY_TRANSACTION_TEXTS; i++) {
        if ((size_t)hashed_texts[i] == f)
            return i;
    }
    return TALLY_CSV__MAX_FIELDS;
}

static int
how_of(const tally_csv__field_spec *spec, member_type type)
{
    if (spec->type == TALLY_CSV__TEXT && type == MEMBER_TEXT)
        return spec->required ? HOW_REQUIRED_TEXT : HOW_TEXT;
    if (spec->type == TALLY_CSV__DATE && type == MEMBER_TEXT)
        return HOW_DATE;
    if (spec->type == TALLY_CSV__DECIMAL && type == MEMBER_DECIMAL)
        return HOW_DECIMAL;
    return HOW_OTHER;
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

void
tally_csv__rows_init(tally_csv__rows *rows, const tally_csv__columns *columns,
                     const tally_csv__tokenizer *tokenizer)
{
    memset(rows, 0, sizeof(*rows));
    rows->columns = columns;
    rows->tokenizer = tokenizer;
    rows->item_size = tally_csv__item_size(columns->kind);
    /* Every kind's struct starts with its size. */
    memcpy(&rows->blank, &rows->item_size, sizeof(rows->item_size));
    /* Fields the file has no column for keep their empty value for good. */
    for (size_t f = 0; f < columns->field_count; f++) {
        size_t offset;
        member_type type = member_of(columns->kind, f, &offset);
        put_empty(&rows->blank, offset, type, &columns->specs[f]);
        if (columns->column[f] >= 0) {
            size_t i = rows->present_count++;
            rows->present[i].field = f;
            rows->present[i].column = (size_t)columns->column[f];
            rows->present[i].offset = offset;
            rows->present[i].slot = length_slot(columns->kind, f);
            rows->present[i].how = how_of(&columns->specs[f], type);
        }
    }
}

void
tally_csv__blank_item(const tally_csv__rows *rows, void *item)
{
    memcpy(item, &rows->blank, rows->item_size);
}

/*
 * The present fields are written into the blank struct: each of them, text or
 * not, every row, so that the struct need not be made blank again. The common
 * cases are handled in the loop (see `how`); the others, and every error, by
 * convert(), out of line so that the loop keeps its variables in registers.
 */
int
tally_csv__convert_row(tally_csv__rows *rows, const char *window, const char *scratch,
                       void *item, tally_csv__problem *problem)
{
    rows->window = window;
    rows->scratch = scratch;
    rows->problem = problem;
    const tally_csv__field *fields = rows->tokenizer->fields;
    size_t *lengths = rows->text_lengths;
    for (size_t i = 0, count = rows->present_count; i < count; i++) {
        const tally_csv__field *field = &fields[rows->present[i].column];
        size_t length = field->length, offset = rows->present[i].offset;
        const char *text = (field->place == TALLY_CSV__COPIED ? scratch : window) + field->offset;
        int how = rows->present[i].how;
        lengths[rows->present[i].slot] = length;
        if (length) {
            if (how <= HOW_REQUIRED_TEXT ||
                (how == HOW_DATE && known_date(rows, rows->present[i].field, text, length))) {
                put_text(item, offset, text);
                continue;
            }
            plain_parts number;
            if (how == HOW_DECIMAL && plain_decimal(&number, text, length, 1)) {
                put_decimal(item, offset, &number);
                continue;
            }
        } else if (how == HOW_TEXT) {
            put_text(item, offset, NULL);
            continue;
        }
        int status = convert(rows, rows->present[i].field, text, length, item);
        if (status != TALLY_OK)
            return status;
    }
    return TALLY_OK;
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
