/*
 * The plan loader against hostile and broken input: size and depth limits,
 * encodings, DOCTYPEs and entities (billion laughs, external entities, network
 * DTDs), XInclude, malformed XML, schema errors with locations, argument and
 * options checking, libxml2's process-wide error handlers left to the host,
 * out-of-memory behaviour and concurrent loads.
 *
 * Hostile inputs must fail fast: each such load is timed against HOSTILE_MAX_NS.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, sockets, clock_gettime, pthreads */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <tally/tally.h>

#include "support/test_alloc.h"

/* A hostile document must be refused in well under this (2 s, sanitizers included). */
#define HOSTILE_MAX_NS 2000000000LL

#define PLAN_OPEN                                                                         \
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"demo\" currency=\"USD\">"

/* Line numbers used by the tests: 1 declaration, 2 plan, 3 version, 4 rebate, 5 rate. */
static const char valid_plan[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" PLAN_OPEN "\n"
                                 "  <version id=\"v1\" effective-from=\"2026-01-01\">\n"
                                 "    <rebate id=\"base\" period=\"quarter\">\n"
                                 "      <rate>0.02</rate>\n"
                                 "    </rebate>\n"
                                 "  </version>\n"
                                 "</plan>\n";

#define VERSION_WITH_REBATE                                                               \
    "<version id=\"v1\" effective-from=\"2026-01-01\">"                                    \
    "<rebate id=\"base\" period=\"quarter\"><rate>0.02</rate></rebate></version>"

/* ---- helpers ---- */

typedef struct loaded {
    tally_ctx *ctx;
    tally_plan *plan;
    int status;
} loaded;

static tally_ctx *
new_ctx(void)
{
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    return ctx;
}

static long long
now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Loads a buffer; also checks the plan is returned exactly on success. */
static loaded
load_with(const char *data, size_t size, const tally_plan_load_options *options)
{
    loaded result = {new_ctx(), (tally_plan *)&result, 0};
    long long start = now_ns();
    result.status = tally_plan_load_buffer(result.ctx, &result.plan, data, size, "test.xml",
                                           options);
    long long elapsed = now_ns() - start;
    if (elapsed > HOSTILE_MAX_NS)
        fail_msg("loading took %lld ms", elapsed / 1000000);
    if (result.status == TALLY_OK) {
        assert_non_null(result.plan);
        assert_int_equal(tally_ctx_error_count(result.ctx), 0);
    } else {
        assert_null(result.plan);
        assert_true(tally_ctx_error_count(result.ctx) >= 1);
    }
    /* Messages are single lines: libxml2's trailing newlines are trimmed. */
    for (size_t i = 0; i < tally_ctx_error_count(result.ctx); i++) {
        const char *message = tally_error_message(tally_ctx_error(result.ctx, i));
        assert_null(strchr(message, '\n'));
        assert_true(message[0] != '\0');
    }
    return result;
}

static loaded
load_text(const char *text)
{
    return load_with(text, strlen(text), NULL);
}

static void
release(loaded *result)
{
    tally_plan_unref(result->plan);
    tally_ctx_free(result->ctx);
}

/* Checks error `index`: code, line, column (0 = none), path (NULL = none), message. */
static void
expect_error(const loaded *result, size_t index, int code, unsigned long line,
             unsigned long column, const char *path, const char *message)
{
    const tally_error *error = tally_ctx_error(result->ctx, index);
    assert_non_null(error);
    assert_int_equal(tally_error_code(error), code);
    assert_string_equal(tally_error_message(error), message);
    assert_string_equal(tally_error_source(error), "test.xml");
    assert_int_equal(tally_error_line(error), line);
    assert_int_equal(tally_error_column(error), column);
    if (path)
        assert_string_equal(tally_error_path(error), path);
    else
        assert_null(tally_error_path(error));
}

/* Expects exactly one error. */
static void
expect_only_error(const char *text, int code, unsigned long line, unsigned long column,
                  const char *path, const char *message)
{
    loaded result = load_text(text);
    assert_int_equal(result.status, code);
    assert_int_equal(tally_ctx_error_count(result.ctx), 1);
    expect_error(&result, 0, code, line, column, path, message);
    release(&result);
}

/* Text built at run time (large or numerous inputs). */
typedef struct text_buffer {
    char *data;
    size_t size;
    size_t capacity;
} text_buffer;

static void
append(text_buffer *t, const char *piece, size_t length)
{
    if (t->size + length + 1 > t->capacity) {
        t->capacity = (t->size + length + 1) * 2;
        t->data = realloc(t->data, t->capacity);
        assert_non_null(t->data);
    }
    memcpy(t->data + t->size, piece, length);
    t->size += length;
    t->data[t->size] = '\0';
}

static void
append_text(text_buffer *t, const char *piece)
{
    append(t, piece, strlen(piece));
}

static void
append_repeated(text_buffer *t, const char *piece, size_t times)
{
    for (size_t i = 0; i < times; i++)
        append_text(t, piece);
}

/* A fresh temporary directory for file tests. */
static char *
make_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char template_path[512];
    snprintf(template_path, sizeof(template_path), "%s/tally-loader-XXXXXX",
             base && base[0] ? base : "/tmp");
    char *made = mkdtemp(template_path);
    assert_non_null(made);
    return strdup(made);
}

static char *
write_file(const char *dir, const char *name, const char *data, size_t size)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(data, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
    return strdup(path);
}

/* ---- valid plans ---- */

static void
loads_a_minimal_plan(void **state)
{
    (void)state;
    loaded result = load_text(valid_plan);
    assert_int_equal(result.status, TALLY_OK);
    assert_string_equal(tally_plan_id(result.plan), "demo");
    assert_string_equal(tally_currency_code(tally_plan_currency(result.plan)), "USD");
    assert_int_equal(tally_plan_version_count(result.plan), 1);
    const tally_plan_version *version = tally_plan_version_at(result.plan, 0);
    assert_int_equal(tally_plan_version_component_count(version), 1);
    const tally_component *rebate = tally_plan_version_component_at(version, 0);
    assert_int_equal(tally_component_get_kind(rebate), TALLY_COMPONENT_REBATE);
    assert_string_equal(tally_component_id(rebate), "base");
    release(&result);
}

/* A byte order mark, a lower-case "utf-8" declaration and no declaration all load. */
static void
accepts_utf8_spellings_and_bom(void **state)
{
    (void)state;
    static const char *const plans[] = {
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>" PLAN_OPEN VERSION_WITH_REBATE
        "</plan>",
        "<?xml version='1.0' encoding='utf-8'?>" PLAN_OPEN VERSION_WITH_REBATE "</plan>",
        "<?xml version=\"1.0\" encoding = \"UTF8\" ?>" PLAN_OPEN VERSION_WITH_REBATE "</plan>",
        PLAN_OPEN "<description>caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xB0</description>"
                  VERSION_WITH_REBATE "</plan>",
    };
    for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
        loaded result = load_text(plans[i]);
        assert_int_equal(result.status, TALLY_OK);
        release(&result);
    }
}

static void
source_name_defaults_to_memory(void **state)
{
    (void)state;
    tally_ctx *ctx = new_ctx();
    tally_plan *plan = NULL;
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, "<plan>", 6, NULL, NULL),
                     TALLY_ERR_PLAN);
    assert_string_equal(tally_error_source(tally_ctx_error(ctx, 0)), "<memory>");
    tally_ctx_free(ctx);
}

/* Errors found by the builder after the schema come through unchanged. */
static void
reports_builder_errors(void **state)
{
    (void)state;
    loaded result = load_text("<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" "
                              "currency=\"ZZZ\">" VERSION_WITH_REBATE "</plan>");
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    const tally_error *error = tally_ctx_error(result.ctx, 0);
    assert_non_null(strstr(tally_error_message(error), "unknown currency \"ZZZ\""));
    assert_string_equal(tally_error_source(error), "test.xml");
    assert_int_equal(tally_error_line(error), 1);
    assert_int_equal(tally_error_column(error), 1);
    release(&result);
}

/* ---- size limit, empty input ---- */

static void
rejects_documents_over_the_size_limit(void **state)
{
    (void)state;
    size_t size = strlen(valid_plan);
    tally_plan_load_options options = {sizeof(options), size, 0};
    loaded exact = load_with(valid_plan, size, &options);
    assert_int_equal(exact.status, TALLY_OK);
    release(&exact);

    options.max_bytes = size - 1;
    loaded over = load_with(valid_plan, size, &options);
    assert_int_equal(over.status, TALLY_ERR_LIMIT);
    char message[80];
    snprintf(message, sizeof(message), "document is larger than the limit of %zu bytes",
             size - 1);
    expect_error(&over, 0, TALLY_ERR_LIMIT, 0, 0, NULL, message);
    release(&over);

    /* The default limit: 4 MiB. */
    size_t huge = TALLY_PLAN_DEFAULT_MAX_BYTES + 1;
    char *data = malloc(huge);
    assert_non_null(data);
    memset(data, ' ', huge);
    loaded too_big = load_with(data, huge, NULL);
    expect_error(&too_big, 0, TALLY_ERR_LIMIT, 0, 0, NULL,
                 "document is larger than the limit of 4194304 bytes");
    release(&too_big);
    free(data);
}

static void
rejects_empty_input(void **state)
{
    (void)state;
    loaded empty = load_with("", 0, NULL);
    assert_int_equal(empty.status, TALLY_ERR_PLAN);
    expect_error(&empty, 0, TALLY_ERR_PLAN, 0, 0, NULL,
                 "document is empty: a plan needs a <plan> element");
    release(&empty);

    /* Only blanks: the parser says so. */
    loaded blank = load_text("  \n  ");
    assert_int_equal(blank.status, TALLY_ERR_PLAN);
    expect_error(&blank, 0, TALLY_ERR_PLAN, 2, 3, NULL,
                 "XML syntax: Start tag expected, '<' not found");
    release(&blank);
}

/* ---- bytes: UTF-8, NUL, declared encoding ---- */

static void
rejects_invalid_utf8_with_its_location(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned long line, column;
        const char *message;
    } cases[] = {
        {"<plan>\n  <x>ab\xC3\x28</x></plan>", 2, 8,
         "invalid UTF-8: an incomplete sequence (byte 0xC3); plans must be UTF-8"},
        {"<plan>\xC0\xAF</plan>", 1, 7,
         "invalid UTF-8: an overlong encoding (byte 0xC0); plans must be UTF-8"},
        {"<plan>\xE0\x80\xAF</plan>", 1, 7,
         "invalid UTF-8: an overlong encoding (byte 0xE0); plans must be UTF-8"},
        {"<plan>\xF0\x80\x80\xAF</plan>", 1, 7,
         "invalid UTF-8: an overlong encoding (byte 0xF0); plans must be UTF-8"},
        {"<plan>\xED\xA0\x80</plan>", 1, 7,
         "invalid UTF-8: a UTF-16 surrogate (byte 0xED); plans must be UTF-8"},
        {"<plan>\xF4\x90\x80\x80</plan>", 1, 7,
         "invalid UTF-8: a code point beyond U+10FFFF (byte 0xF4); plans must be UTF-8"},
        {"<plan>\xF5\x80\x80\x80</plan>", 1, 7,
         "invalid UTF-8: a code point beyond U+10FFFF (byte 0xF5); plans must be UTF-8"},
        {"<plan>\xFF</plan>", 1, 7,
         "invalid UTF-8: a byte that never occurs in UTF-8 (byte 0xFF); plans must be UTF-8"},
        {"<plan>\x80</plan>", 1, 7,
         "invalid UTF-8: a continuation byte without a lead byte (byte 0x80); plans must "
         "be UTF-8"},
        /* Columns count characters (é is one), the byte order mark is not one. */
        {"\xEF\xBB\xBF<p>\n\xC3\xA9\xC3\xA9\xE2\x82\xAC!\xE2\x82", 2, 5,
         "invalid UTF-8: an incomplete sequence (byte 0xE2); plans must be UTF-8"},
        /* UTF-16 is not UTF-8. */
        {"\xFF\xFE<\0p\0", 1, 1,
         "invalid UTF-8: a byte that never occurs in UTF-8 (byte 0xFF); plans must be UTF-8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *text = cases[i].text;
        /* The UTF-16 case holds NUL bytes: its length is fixed. */
        size_t size = text[0] == '\xFF' && text[1] == '\xFE' ? 6 : strlen(text);
        loaded result = load_with(text, size, NULL);
        assert_int_equal(result.status, TALLY_ERR_PLAN);
        assert_int_equal(tally_ctx_error_count(result.ctx), 1);
        expect_error(&result, 0, TALLY_ERR_PLAN, cases[i].line, cases[i].column, NULL,
                     cases[i].message);
        release(&result);
    }
}

static void
rejects_nul_bytes(void **state)
{
    (void)state;
    static const char text[] = "<plan>\n ab\0cd</plan>";
    loaded result = load_with(text, sizeof(text) - 1, NULL);
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    expect_error(&result, 0, TALLY_ERR_PLAN, 2, 4, NULL,
                 "XML syntax: NUL byte, not allowed in XML text");
    release(&result);
}

/* Plans are UTF-8: another declared encoding is refused rather than decoded. */
static void
rejects_other_declared_encodings(void **state)
{
    (void)state;
    expect_only_error("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" PLAN_OPEN
                      VERSION_WITH_REBATE "</plan>",
                      TALLY_ERR_PLAN, 1, 31, NULL,
                      "XML syntax: the document declares encoding \"ISO-8859-1\": plans must "
                      "be UTF-8 (declare encoding=\"UTF-8\" or leave the encoding out)");
    expect_only_error("<?xml version=\"1.0\"\n      encoding='UTF-16'?>" PLAN_OPEN
                      VERSION_WITH_REBATE "</plan>",
                      TALLY_ERR_PLAN, 2, 17, NULL,
                      "XML syntax: the document declares encoding \"UTF-16\": plans must "
                      "be UTF-8 (declare encoding=\"UTF-8\" or leave the encoding out)");
}

/* ---- DOCTYPE, entities, network ---- */

/* Nested entity definitions would expand to 10^9 "lol"s: refused before any is declared. */
static void
rejects_billion_laughs(void **state)
{
    (void)state;
    expect_only_error("<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE plan [\n"
                      " <!ENTITY lol \"lol\">\n"
                      " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
                      " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
                      " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
                      " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
                      " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
                      " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
                      " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
                      " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
                      " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
                      "]>\n" PLAN_OPEN "<description>&lol9;</description>" VERSION_WITH_REBATE
                      "</plan>",
                      TALLY_ERR_PLAN, 2, 1, NULL,
                      "DOCTYPE declarations are not allowed in plans");
}

/* The error points at "<!DOCTYPE", after the prolog's comments and instructions. */
static void
locates_the_doctype(void **state)
{
    (void)state;
    expect_only_error("<?xml version='1.0'?>\n<!-- <!DOCTYPE in a comment> -->\n"
                      "  <?tool x?> <!DOCTYPE plan\n  SYSTEM \"plan.dtd\">\n" PLAN_OPEN
                      VERSION_WITH_REBATE "</plan>",
                      TALLY_ERR_PLAN, 3, 14, NULL, "DOCTYPE declarations are not allowed in plans");
    /* A DOCTYPE after the root element is a syntax error, not a DOCTYPE. */
    expect_only_error(PLAN_OPEN VERSION_WITH_REBATE "</plan>\n<!DOCTYPE plan>", TALLY_ERR_PLAN,
                      2, 1, NULL, "XML syntax: Extra content at the end of the document");
}

static void
rejects_external_entities(void **state)
{
    (void)state;
    loaded result = load_text("<!DOCTYPE plan [\n"
                              "  <!ENTITY secret SYSTEM \"file:///etc/passwd\">\n"
                              "]>\n" PLAN_OPEN "<description>&secret;</description>"
                              VERSION_WITH_REBATE "</plan>");
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    assert_int_equal(tally_ctx_error_count(result.ctx), 1);
    expect_error(&result, 0, TALLY_ERR_PLAN, 1, 1, NULL,
                 "DOCTYPE declarations are not allowed in plans");
    release(&result);
}

/* A listening socket on the loopback: proves nothing ever connects to it. */
typedef struct listener {
    int fd;
    unsigned port;
} listener;

static int
listen_on_loopback(listener *out)
{
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    out->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (out->fd < 0)
        return 0;
    if (bind(out->fd, (struct sockaddr *)&address, sizeof(address)) != 0 ||
        listen(out->fd, 4) != 0 ||
        getsockname(out->fd, (struct sockaddr *)&address, &length) != 0 ||
        fcntl(out->fd, F_SETFL, O_NONBLOCK) != 0) {
        close(out->fd);
        return 0;
    }
    out->port = ntohs(address.sin_port);
    return 1;
}

/* Copies `template` with "@PORT@" replaced by the port number. */
static void
with_port(char *out, size_t size, const char *template_text, unsigned port)
{
    const char *marker = strstr(template_text, "@PORT@");
    assert_non_null(marker);
    int written = snprintf(out, size, "%.*s%u%s", (int)(marker - template_text), template_text,
                           port, marker + strlen("@PORT@"));
    assert_true(written > 0 && (size_t)written < size);
}

static void
assert_nobody_connected(listener *server)
{
    int client = accept(server->fd, NULL, NULL);
    if (client >= 0)
        close(client);
    assert_int_equal(client, -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    close(server->fd);
}

/* DTDs and parameter entities on the network are never fetched. */
static void
never_fetches_from_the_network(void **state)
{
    (void)state;
    listener server = {-1, 0};
    if (!listen_on_loopback(&server))
        skip();
    static const char *const templates[] = {
        "<!DOCTYPE plan SYSTEM \"http://127.0.0.1:@PORT@/x.dtd\">\n" PLAN_OPEN
        VERSION_WITH_REBATE "</plan>",
        "<!DOCTYPE plan PUBLIC \"-//x//y\" \"http://127.0.0.1:@PORT@/x.dtd\">\n" PLAN_OPEN
        VERSION_WITH_REBATE "</plan>",
        "<!DOCTYPE plan [\n"
        "  <!ENTITY % remote SYSTEM \"http://127.0.0.1:@PORT@/pe.dtd\">\n"
        "  %remote;\n"
        "]>\n" PLAN_OPEN VERSION_WITH_REBATE "</plan>",
    };
    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        char document[1024];
        with_port(document, sizeof(document), templates[i], server.port);
        expect_only_error(document, TALLY_ERR_PLAN, 1, 1, NULL,
                          "DOCTYPE declarations are not allowed in plans");
    }
    /* The issue's address: port 1, where nothing listens. */
    expect_only_error("<!DOCTYPE plan SYSTEM \"http://127.0.0.1:1/x.dtd\"><plan/>", TALLY_ERR_PLAN,
                      1, 1, NULL, "DOCTYPE declarations are not allowed in plans");
    /* A schema location hint in a valid plan is ignored: the embedded schema rules. */
    char hinted[1024];
    with_port(hinted, sizeof(hinted),
              "<plan xmlns=\"urn:tally:plan:1\" "
              "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
              "xsi:schemaLocation=\"urn:tally:plan:1 http://127.0.0.1:@PORT@/plan.xsd\" "
              "format-version=\"1\" id=\"demo\" currency=\"USD\">" VERSION_WITH_REBATE
              "</plan>",
              server.port);
    loaded result = load_text(hinted);
    assert_int_equal(result.status, TALLY_OK);
    release(&result);
    assert_nobody_connected(&server);
}

/* Only the five predefined entities exist. */
static void
rejects_undeclared_entities(void **state)
{
    (void)state;
    expect_only_error(PLAN_OPEN "\n<description>&nbsp;</description>" VERSION_WITH_REBATE
                      "</plan>",
                      TALLY_ERR_PLAN, 2, 20, "/plan/description",
                      "XML syntax: Entity 'nbsp' not defined");
    loaded result = load_text(PLAN_OPEN "<description>&lt;&amp;&gt;&quot;&apos;&#x20AC;"
                                        "</description>" VERSION_WITH_REBATE "</plan>");
    assert_int_equal(result.status, TALLY_OK);
    release(&result);
}

/* ---- nesting depth and attribute length ---- */

static void
rejects_very_deep_nesting(void **state)
{
    (void)state;
    text_buffer deep = {NULL, 0, 0};
    append_text(&deep, PLAN_OPEN);
    append_repeated(&deep, "<a>", 100000);
    append_repeated(&deep, "</a>", 100000);
    append_text(&deep, "</plan>");
    loaded result = load_with(deep.data, deep.size, NULL);
    assert_int_equal(result.status, TALLY_ERR_LIMIT);
    assert_int_equal(tally_ctx_error_count(result.ctx), 1);
    /* The 33rd element (the 32nd <a>) is one too many: located at its "<". */
    char path[200] = "/plan";
    for (int i = 0; i < 32; i++)
        strcat(path, "/a");
    expect_error(&result, 0, TALLY_ERR_LIMIT, 1, strlen(PLAN_OPEN) + 31 * 3 + 1, path,
                 "elements are nested deeper than the limit of 32 levels");
    release(&result);

    /* Past libxml2's own limit of 256 the limit is 256, reported as ours. */
    tally_plan_load_options options = {sizeof(options), 0, 100000};
    loaded capped = load_with(deep.data, deep.size, &options);
    assert_int_equal(capped.status, TALLY_ERR_LIMIT);
    assert_int_equal(tally_ctx_error_count(capped.ctx), 1);
    assert_string_equal(tally_error_message(tally_ctx_error(capped.ctx, 0)),
                        "elements are nested deeper than the limit of 256 levels");
    release(&capped);
    free(deep.data);
}

/* The minimal plan is 4 levels deep: plan, version, rebate, rate. */
static void
depth_limit_is_configurable(void **state)
{
    (void)state;
    tally_plan_load_options options = {sizeof(options), 0, 4};
    loaded fits = load_with(valid_plan, strlen(valid_plan), &options);
    assert_int_equal(fits.status, TALLY_OK);
    release(&fits);

    options.max_depth = 3;
    loaded deeper = load_with(valid_plan, strlen(valid_plan), &options);
    assert_int_equal(deeper.status, TALLY_ERR_LIMIT);
    assert_int_equal(tally_ctx_error_count(deeper.ctx), 1);
    expect_error(&deeper, 0, TALLY_ERR_LIMIT, 5, 7, "/plan/version/rebate/rate",
                 "elements are nested deeper than the limit of 3 levels");
    release(&deeper);
}

/*
 * A 3 MB display name is under the size limit and valid for the schema (any
 * xs:string): the loader's own attribute limit refuses it, quickly and clearly.
 */
static void
rejects_huge_attributes(void **state)
{
    (void)state;
    const size_t huge = 3 * 1024 * 1024;
    text_buffer document = {NULL, 0, 0};
    append_text(&document, "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"demo\"\n"
                           "      currency=\"USD\" name=\"");
    append_repeated(&document, "abcdefghijklmnop", huge / 16);
    append_text(&document, "\">" VERSION_WITH_REBATE "</plan>");
    loaded result = load_with(document.data, document.size, NULL);
    assert_int_equal(result.status, TALLY_ERR_LIMIT);
    assert_int_equal(tally_ctx_error_count(result.ctx), 1);
    /* Located where <plan> starts, not after the 3 MB of the value. */
    expect_error(&result, 0, TALLY_ERR_LIMIT, 1, 1, "/plan",
                 "attribute \"name\" is 3145728 bytes long, over the limit of 4096 bytes");
    release(&result);
    free(document.data);

    /* At the limit it loads. */
    text_buffer fits = {NULL, 0, 0};
    append_text(&fits, "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"demo\" "
                       "currency=\"USD\" name=\"");
    append_repeated(&fits, "x", 4096);
    append_text(&fits, "\">" VERSION_WITH_REBATE "</plan>");
    loaded ok = load_with(fits.data, fits.size, NULL);
    assert_int_equal(ok.status, TALLY_OK);
    assert_int_equal(strlen(tally_plan_name(ok.plan)), 4096);
    release(&ok);
    free(fits.data);
}

/* ---- XInclude, malformed XML ---- */

/* XInclude is never processed: the element is just one the schema does not allow. */
static void
does_not_process_xinclude(void **state)
{
    (void)state;
    loaded result = load_text("<plan xmlns=\"urn:tally:plan:1\" "
                              "xmlns:xi=\"http://www.w3.org/2001/XInclude\" format-version=\"1\" "
                              "id=\"demo\" currency=\"USD\">\n"
                              "  <xi:include href=\"/etc/passwd\" parse=\"text\"/>\n"
                              "  " VERSION_WITH_REBATE "\n"
                              "</plan>");
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    assert_int_equal(tally_ctx_error_count(result.ctx), 1);
    expect_error(&result, 0, TALLY_ERR_PLAN, 2, 3, "/plan/include",
                 "schema: Element '{http://www.w3.org/2001/XInclude}include': This element is "
                 "not expected. Expected is one of ( description, rounding, calendar, "
                 "definitions, version ).");
    release(&result);
}

static void
reports_malformed_xml_with_line_and_column(void **state)
{
    (void)state;
    loaded result = load_text(PLAN_OPEN "\n"
                              "  <version id=\"v1\" effective-from=\"2026-01-01\">\n"
                              "</plan>\n");
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    assert_int_equal(tally_ctx_error_count(result.ctx), 2);
    expect_error(&result, 0, TALLY_ERR_PLAN, 3, 8, "/plan/version",
                 "XML syntax: Opening and ending tag mismatch: version line 2 and plan");
    expect_error(&result, 1, TALLY_ERR_PLAN, 4, 1, "/plan/version",
                 "XML syntax: Premature end of data in tag plan line 1");
    release(&result);

    expect_only_error(PLAN_OPEN "\n<version id=\"a\" id=\"b\"/></plan>", TALLY_ERR_PLAN, 2, 23,
                      "/plan", "XML syntax: Attribute id redefined");
    expect_only_error("<plan xmlns=\"urn:tally:plan:1\">\n  <t:version/>\n</plan>",
                      TALLY_ERR_PLAN, 2, 13, "/plan",
                      "XML namespaces: Namespace prefix t on version is not defined");
}

/* ---- schema errors ---- */

static void
rejects_wrong_root_element(void **state)
{
    (void)state;
    expect_only_error("<plans xmlns=\"urn:tally:plan:1\"/>", TALLY_ERR_PLAN, 1, 1, "/plans",
                      "schema: Element 'plans': No matching global declaration available for "
                      "the validation root.");
}

static void
rejects_wrong_namespace(void **state)
{
    (void)state;
    expect_only_error("<plan xmlns=\"urn:tally:plan:2\" format-version=\"1\" id=\"demo\" "
                      "currency=\"USD\">" VERSION_WITH_REBATE "</plan>",
                      TALLY_ERR_PLAN, 1, 1, "/plan",
                      "schema: Element '{urn:tally:plan:2}plan': No matching global "
                      "declaration available for the validation root.");
    expect_only_error("<plan format-version=\"1\" id=\"demo\" currency=\"USD\"/>", TALLY_ERR_PLAN,
                      1, 1, "/plan",
                      "schema: Element 'plan': No matching global declaration available for "
                      "the validation root.");
}

static void
reports_missing_required_attribute_with_path(void **state)
{
    (void)state;
    expect_only_error(PLAN_OPEN "\n"
                      "  <version id=\"v1\" effective-from=\"2026-01-01\">\n"
                      "    <rebate id=\"base\">\n"
                      "      <rate>0.02</rate>\n"
                      "    </rebate>\n"
                      "  </version>\n"
                      "</plan>\n",
                      TALLY_ERR_PLAN, 3, 5, "/plan/version/rebate",
                      "schema: Element 'rebate': The attribute 'period' is required but "
                      "missing.");
}

/* Every schema error of the document is reported in one pass, in document order. */
static void
reports_several_schema_errors_together(void **state)
{
    (void)state;
    loaded result = load_text("<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" "
                              "currency=\"USD\">\n"
                              "  <version id=\"v1\" effective-from=\"2026-01-01\">\n"
                              "    <rebate id=\"a\" period=\"quarter\"><rate>x</rate></rebate>\n"
                              "    <rebate id=\"b\" period=\"week\"><rate>0.1</rate></rebate>\n"
                              "  </version>\n"
                              "</plan>\n");
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    assert_int_equal(tally_ctx_error_count(result.ctx), 3);
    expect_error(&result, 0, TALLY_ERR_PLAN, 1, 1, "/plan",
                 "schema: Element 'plan': The attribute 'id' is required but missing.");
    expect_error(&result, 1, TALLY_ERR_PLAN, 3, 37, "/plan/version/rebate[1]/rate",
                 "schema: Element 'rate': [facet 'pattern'] The value 'x' is not accepted by "
                 "the pattern '-?[0-9]{1,18}(\\.[0-9]{1,10})?'.");
    expect_error(&result, 2, TALLY_ERR_PLAN, 4, 5, "/plan/version/rebate[2]",
                 "schema: Element 'rebate', attribute 'period': [facet 'enumeration'] The "
                 "value 'week' is not an element of the set {'month', 'quarter', 'half', "
                 "'year', 'fiscal-quarter', 'fiscal-half', 'fiscal-year'}.");
    release(&result);
}

/*
 * Schema errors are located at the "<" of their element: a start tag written over
 * several lines on its first line, columns in characters (each euro sign is one,
 * the byte order mark none), an attribute's error at its element.
 */
static void
locates_schema_errors_where_the_element_starts(void **state)
{
    (void)state;
    loaded result = load_text("\xEF\xBB\xBF" PLAN_OPEN "\n"
                              "  <version id=\"v1\" effective-from=\"2026-01-01\">\n"
                              "    <rebate id=\"a\"\n"
                              "            period=\"week\">\n"
                              "      <rate>0.1</rate>\n"
                              "    </rebate>\n"
                              "    <!-- \xE2\x82\xAC\xE2\x82\xAC --><rebate id=\"b\" "
                              "period=\"month\"><rate>x</rate></rebate>\n"
                              "  </version>\n"
                              "</plan>\n");
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    assert_int_equal(tally_ctx_error_count(result.ctx), 2);
    expect_error(&result, 0, TALLY_ERR_PLAN, 3, 5, "/plan/version/rebate[1]",
                 "schema: Element 'rebate', attribute 'period': [facet 'enumeration'] The "
                 "value 'week' is not an element of the set {'month', 'quarter', 'half', "
                 "'year', 'fiscal-quarter', 'fiscal-half', 'fiscal-year'}.");
    expect_error(&result, 1, TALLY_ERR_PLAN, 7, 46, "/plan/version/rebate[2]/rate",
                 "schema: Element 'rate': [facet 'pattern'] The value 'x' is not accepted by "
                 "the pattern '-?[0-9]{1,18}(\\.[0-9]{1,10})?'.");
    release(&result);
    /* The byte order mark takes no column on the first line. */
    expect_only_error("\xEF\xBB\xBF<plans xmlns=\"urn:tally:plan:1\"/>", TALLY_ERR_PLAN, 1, 1,
                      "/plans",
                      "schema: Element 'plans': No matching global declaration available for "
                      "the validation root.");
}

/*
 * libxml2 stores at most 65535 as an element's line and guesses past it from the
 * neighbours; an element with none (the lone <affiliate>) is still located exactly.
 */
static void
locates_errors_past_line_65535(void **state)
{
    (void)state;
    static const char *const rates[] = {"x", "5"}; /* a schema error, a builder error */
    static const char *const messages[] = {
        "schema: Element 'affiliate', attribute 'rate': [facet 'pattern'] The value 'x' is "
        "not accepted by the pattern '-?[0-9]{1,18}(\\.[0-9]{1,10})?'.",
        "rate 5 is more than 1: rates are fractions of the amount (0.02 is 2 %)"};
    for (int i = 0; i < 2; i++) {
        text_buffer document = {NULL, 0, 0};
        append_text(&document, PLAN_OPEN "\n");
        append_repeated(&document, "\n", 70000);
        append_text(&document, "<version id=\"v1\" effective-from=\"2026-01-01\"\n"
                               "><affiliate id=\"a\" period=\"month\" rate=\"");
        append_text(&document, rates[i]);
        append_text(&document, "\"/></version></plan>");
        loaded result = load_with(document.data, document.size, NULL);
        assert_int_equal(result.status, TALLY_ERR_PLAN);
        assert_int_equal(tally_ctx_error_count(result.ctx), 1);
        expect_error(&result, 0, TALLY_ERR_PLAN, 70003, 2, "/plan/version/affiliate",
                     messages[i]);
        release(&result);
        free(document.data);
    }
}

/*
 * Every element of a large document is located exactly, however its start tag is
 * written: libxml2 discards input it has read as it goes, positions are counted
 * in the document itself.
 */
static void
locates_every_element_of_a_large_document(void **state)
{
    (void)state;
    enum { COUNT = 100 };
    unsigned long lines[COUNT], columns[COUNT], line = 3;
    text_buffer document = {NULL, 0, 0};
    append_text(&document, PLAN_OPEN "\n<version id=\"v1\" effective-from=\"2026-01-01\">\n");
    for (int i = 0; i < COUNT; i++) {
        append_text(&document, "<!--");
        append_repeated(&document, "x", 3000);
        append_text(&document, "-->\n");
        line++;
        unsigned long column = 1 + (unsigned long)(i % 9);
        append_repeated(&document, " ", (size_t)(i % 9));
        if (i % 3 == 0) {
            append_text(&document, "<!-- \xC3\xA9\xE2\x82\xAC -->"); /* 11 characters */
            column += 11;
        }
        char element[128];
        snprintf(element, sizeof(element), "<affiliate id=\"a%d\"%speriod=\"month\" rate=\"5\"/>\n",
                 i, i % 2 ? "\n    " : " ");
        append_text(&document, element);
        lines[i] = line;
        columns[i] = column;
        line += i % 2 ? 2 : 1;
    }
    append_text(&document, "</version></plan>");
    loaded result = load_with(document.data, document.size, NULL);
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    assert_int_equal(tally_ctx_error_count(result.ctx), COUNT);
    for (int i = 0; i < COUNT; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/plan/version/affiliate[%d]", i + 1);
        expect_error(&result, (size_t)i, TALLY_ERR_PLAN, lines[i], columns[i], path,
                     "rate 5 is more than 1: rates are fractions of the amount (0.02 is 2 %)");
    }
    release(&result);
    free(document.data);
}

/*
 * settlement (period-to-date payment with true-up) applies to rebates, growth
 * rebates and commissions; on the other components it would mean nothing.
 */
static void
accepts_settlement_only_where_it_has_a_meaning(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *element;
    } others[] = {
        {"mdf", "<mdf id=\"c\" period=\"year\" settlement=\"month\" accrual-rate=\"0.02\" "
                "expiry-months=\"6\"/>"},
        {"spiff", "<spiff id=\"c\" period=\"year\" settlement=\"month\" "
                  "window-from=\"2026-01-01\" window-to=\"2026-03-31\">"
                  "<product id=\"p\" amount=\"5\"/></spiff>"},
        {"affiliate", "<affiliate id=\"c\" period=\"year\" settlement=\"month\" "
                      "rate=\"0.05\"/>"},
        {"referral", "<referral id=\"c\" period=\"year\" settlement=\"month\" fee=\"100\"/>"},
        {"deal-registration", "<deal-registration id=\"c\" period=\"year\" "
                              "settlement=\"month\" uplift=\"0.01\"/>"},
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char document[1024], path[64], message[200];
        snprintf(document, sizeof(document),
                 PLAN_OPEN "\n  <version id=\"v1\" effective-from=\"2026-01-01\">\n    %s\n"
                           "  </version>\n</plan>\n",
                 others[i].element);
        snprintf(path, sizeof(path), "/plan/version/%s", others[i].kind);
        snprintf(message, sizeof(message),
                 "schema: Element '%s', attribute 'settlement': The attribute 'settlement' is "
                 "not allowed.",
                 others[i].kind);
        expect_only_error(document, TALLY_ERR_PLAN, 3, 5, path, message);
    }
    loaded result = load_text(
        PLAN_OPEN "<version id=\"v1\" effective-from=\"2026-01-01\">"
                  "<rebate id=\"a\" period=\"year\" settlement=\"month\"><rate>0.01</rate></rebate>"
                  "<growth-rebate id=\"b\" period=\"year\" settlement=\"quarter\" "
                  "baseline=\"previous-period\"><rate>0.01</rate></growth-rebate>"
                  "<commission id=\"c\" period=\"year\" settlement=\"half\"><rate>0.01</rate>"
                  "</commission></version></plan>");
    assert_int_equal(result.status, TALLY_OK);
    release(&result);
}

/* The context keeps 100 errors and counts the rest. */
static void
keeps_the_first_hundred_errors(void **state)
{
    (void)state;
    text_buffer document = {NULL, 0, 0};
    append_text(&document, PLAN_OPEN "<version id=\"v1\" effective-from=\"2026-01-01\">\n");
    append_repeated(&document, "<rebate id=\"r\" period=\"quarter\"><rate>x</rate></rebate>\n",
                    150);
    append_text(&document, "</version></plan>");
    loaded result = load_with(document.data, document.size, NULL);
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    assert_int_equal(tally_ctx_error_count(result.ctx), 100);
    assert_int_equal(tally_ctx_errors_dropped(result.ctx), 50);
    assert_int_equal(tally_error_line(tally_ctx_error(result.ctx, 99)), 101);
    release(&result);
    free(document.data);
}

/* Hostile text quoted in a message is cut, on a character boundary. */
static void
cuts_long_messages(void **state)
{
    (void)state;
    text_buffer document = {NULL, 0, 0};
    append_text(&document, PLAN_OPEN "<version id=\"v1\" effective-from=\"2026-01-01\">"
                                     "<rebate id=\"r\" period=\"quarter\"><rate>");
    append_repeated(&document, "\xE2\x82\xAC", 1000);
    append_text(&document, "</rate></rebate></version></plan>");
    loaded result = load_with(document.data, document.size, NULL);
    assert_int_equal(result.status, TALLY_ERR_PLAN);
    const char *message = tally_error_message(tally_ctx_error(result.ctx, 0));
    size_t length = strlen(message);
    assert_true(length < 420);
    assert_string_equal(message + length - 3, "...");
    /* The cut lands after a whole euro sign. */
    assert_memory_equal(message + length - 6, "\xE2\x82\xAC", 3);
    release(&result);
    free(document.data);
}

/* ---- arguments and options ---- */

static void
rejects_null_arguments(void **state)
{
    (void)state;
    tally_ctx *ctx = new_ctx();
    tally_plan *plan = (tally_plan *)ctx;
    assert_int_equal(tally_plan_load_buffer(NULL, &plan, valid_plan, 10, NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_null(plan);
    assert_int_equal(tally_plan_load_buffer(ctx, NULL, valid_plan, 10, NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)),
                        "tally_plan_load_buffer needs an output pointer and data");
    plan = (tally_plan *)ctx;
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, NULL, 10, NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_null(plan);
    plan = (tally_plan *)ctx;
    assert_int_equal(tally_plan_load_file(NULL, &plan, "plan.xml", NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_null(plan);
    assert_int_equal(tally_plan_load_file(ctx, NULL, "plan.xml", NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_plan_load_file(ctx, &plan, NULL, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)),
                        "tally_plan_load_file needs an output pointer and a path");
    tally_ctx_free(ctx);
}

static void
checks_the_options_size(void **state)
{
    (void)state;
    size_t length = strlen(valid_plan);
    tally_ctx *ctx = new_ctx();
    tally_plan *plan = NULL;

    tally_plan_load_options zero = {0, 0, 0};
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, valid_plan, length, NULL, &zero),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)),
                        "tally_plan_load_options.size is 0: set it to "
                        "sizeof(tally_plan_load_options)");
    tally_plan_load_options short_struct = {offsetof(tally_plan_load_options, max_depth), 0, 0};
    assert_int_equal(
        tally_plan_load_buffer(ctx, &plan, valid_plan, length, NULL, &short_struct),
        TALLY_ERR_INVALID_ARGUMENT);

    /* The first version's fields exactly, without the padding: accepted. */
    tally_plan_load_options first = {
        offsetof(tally_plan_load_options, max_depth) + sizeof(unsigned), 0, 0};
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, valid_plan, length, NULL, &first),
                     TALLY_OK);
    tally_plan_unref(plan);

    /* A newer caller's larger struct: accepted when the unknown fields are zero. */
    struct {
        tally_plan_load_options known;
        uint64_t future;
    } newer;
    memset(&newer, 0, sizeof(newer));
    newer.known.size = sizeof(newer);
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, valid_plan, length, NULL, &newer.known),
                     TALLY_OK);
    tally_plan_unref(plan);
    newer.future = 1;
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, valid_plan, length, NULL, &newer.known),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_null(plan);
    char expected[200];
    snprintf(expected, sizeof(expected),
             "tally_plan_load_options has fields this version of tally does not know (size "
             "%zu, known %zu): they must be zero",
             sizeof(newer), sizeof(tally_plan_load_options));
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)), expected);
    tally_ctx_free(ctx);
}

/* ---- files ---- */

static void
loads_plans_from_files(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char *path = write_file(dir, "plan.xml", valid_plan, strlen(valid_plan));
    tally_ctx *ctx = new_ctx();
    tally_plan *plan = NULL;
    assert_int_equal(tally_plan_load_file(ctx, &plan, path, NULL), TALLY_OK);
    assert_string_equal(tally_plan_id(plan), "demo");
    tally_plan_unref(plan);

    /* Errors name the file. */
    char *broken = write_file(dir, "broken.xml", "<plan>\n<", 8);
    assert_int_equal(tally_plan_load_file(ctx, &plan, broken, NULL), TALLY_ERR_PLAN);
    assert_string_equal(tally_error_source(tally_ctx_error(ctx, 0)), broken);
    assert_int_equal(tally_error_line(tally_ctx_error(ctx, 0)), 2);

    /* Size limit: the file is read only up to one byte past it. */
    tally_plan_load_options options = {sizeof(options), strlen(valid_plan), 0};
    assert_int_equal(tally_plan_load_file(ctx, &plan, path, &options), TALLY_OK);
    tally_plan_unref(plan);
    options.max_bytes = 100;
    assert_int_equal(tally_plan_load_file(ctx, &plan, path, &options), TALLY_ERR_LIMIT);
    assert_null(plan);
    assert_string_equal(tally_error_message(tally_ctx_error(ctx, 0)),
                        "document is larger than the limit of 100 bytes");
    assert_string_equal(tally_error_source(tally_ctx_error(ctx, 0)), path);

    /* Bigger than the first read: the buffer grows. */
    text_buffer big = {NULL, 0, 0};
    append_text(&big, PLAN_OPEN "<description>");
    append_repeated(&big, "0123456789", 30000);
    append_text(&big, "</description>" VERSION_WITH_REBATE "</plan>");
    char *big_path = write_file(dir, "big.xml", big.data, big.size);
    assert_int_equal(tally_plan_load_file(ctx, &plan, big_path, NULL), TALLY_OK);
    tally_plan_unref(plan);

    char *empty = write_file(dir, "empty.xml", "", 0);
    assert_int_equal(tally_plan_load_file(ctx, &plan, empty, NULL), TALLY_ERR_PLAN);
    assert_string_equal(tally_error_message(tally_ctx_error(ctx, 0)),
                        "document is empty: a plan needs a <plan> element");

    tally_ctx_free(ctx);
    remove(path);
    remove(broken);
    remove(big_path);
    remove(empty);
    remove(dir);
    free(path);
    free(broken);
    free(big_path);
    free(empty);
    free(big.data);
    free(dir);
}

static void
reports_unreadable_files(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/no-such-plan.xml", dir);
    tally_ctx *ctx = new_ctx();
    tally_plan *plan = (tally_plan *)ctx;
    assert_int_equal(tally_plan_load_file(ctx, &plan, missing, NULL), TALLY_ERR_IO);
    assert_null(plan);
    const tally_error *error = tally_ctx_error(ctx, 0);
    assert_int_equal(tally_error_code(error), TALLY_ERR_IO);
    assert_string_equal(tally_error_message(error),
                        "cannot open the file: No such file or directory");
    assert_string_equal(tally_error_source(error), missing);

    /* A directory opens but cannot be read. */
    assert_int_equal(tally_plan_load_file(ctx, &plan, dir, NULL), TALLY_ERR_IO);
    assert_string_equal(tally_error_message(tally_ctx_error(ctx, 0)),
                        "cannot read the file: Is a directory");
    tally_ctx_free(ctx);
    remove(dir);
    free(dir);
}

/* ---- libxml2's process-wide handlers belong to the host ---- */

static int host_generic_calls;
static int host_structured_calls;
static int host_marker;

static void
host_generic_handler(void *context, const char *format, ...)
{
    (void)context;
    (void)format;
    host_generic_calls++;
}

static void
host_structured_handler(void *context, xmlErrorPtr error)
{
    (void)context;
    (void)error;
    host_structured_calls++;
}

/*
 * The test process plays the host application (lxml, say): it installs its own
 * libxml2 handlers. Loading broken plans of every kind must never call them, and
 * must leave them installed.
 */
static void
leaves_the_hosts_libxml2_handlers_alone(void **state)
{
    (void)state;
    host_generic_calls = 0;
    host_structured_calls = 0;
    xmlSetGenericErrorFunc(&host_marker, host_generic_handler);
    static const char *const broken[] = {
        "<plan>\n  <version>\n</plan>\n",                               /* syntax */
        "<plan xmlns=\"urn:tally:plan:1\"><t:x/></plan>",                 /* namespaces */
        "<plan xmlns:a=\"not/absolute\" xmlns=\"urn:tally:plan:1\"/>",    /* a warning */
        "<!DOCTYPE plan [<!ENTITY x \"y\">]><plan>&x;</plan>",            /* DOCTYPE */
        "<plan xmlns=\"urn:tally:plan:1\" format-version=\"2\"><v/></plan>", /* schema */
        "<plan>&undefined;</plan>",                                      /* entity */
        "<plan>\xC3</plan>",                                             /* bytes */
        "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>"
        "<a><a><a><a><a><a><a><a>",                                      /* depth */
        "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" "
        "currency=\"ZZZ\">" VERSION_WITH_REBATE "</plan>",               /* builder */
    };
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
            loaded result = load_text(broken[i]);
            assert_int_not_equal(result.status, TALLY_OK);
            release(&result);
        }
        loaded valid = load_text(valid_plan);
        assert_int_equal(valid.status, TALLY_OK);
        release(&valid);
        /* Second round: a structured handler too, which libxml2 prefers when set. */
        xmlSetStructuredErrorFunc(&host_marker, host_structured_handler);
    }
    assert_int_equal(host_generic_calls, 0);
    assert_int_equal(host_structured_calls, 0);
    assert_ptr_equal(xmlGenericError, host_generic_handler);
    assert_ptr_equal(xmlGenericErrorContext, &host_marker);
    assert_ptr_equal(xmlStructuredError, host_structured_handler);
    assert_ptr_equal(xmlStructuredErrorContext, &host_marker);

    /* The handlers do work: libxml2 calls them for the host's own parsing. */
    xmlDocPtr doc = xmlReadMemory("<a>", 3, "host.xml", NULL, 0);
    assert_null(doc);
    assert_true(host_structured_calls > 0);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlSetGenericErrorFunc(NULL, NULL);
}

/* ---- out of memory ---- */

static int
load_buffer_step(const tally_allocator *allocator, void *user_data)
{
    (void)user_data;
    tally_ctx *ctx = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK)
        return status;
    tally_plan *plan = NULL;
    status = tally_plan_load_buffer(ctx, &plan, valid_plan, strlen(valid_plan), "oom.xml",
                                    NULL);
    assert_true((status == TALLY_OK) == (plan != NULL));
    if (status == TALLY_OK)
        assert_string_equal(tally_plan_id(plan), "demo");
    else
        assert_int_equal(tally_error_code(tally_ctx_last_error(ctx)), TALLY_ERR_NOMEM);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return status;
}

static int
load_file_step(const tally_allocator *allocator, void *user_data)
{
    tally_ctx *ctx = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK)
        return status;
    tally_plan *plan = NULL;
    status = tally_plan_load_file(ctx, &plan, user_data, NULL);
    assert_true((status == TALLY_OK) == (plan != NULL));
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return status;
}

static void
out_of_memory_loop(void **state)
{
    (void)state;
    assert_true(test_alloc_loop(load_buffer_step, NULL) > 2);
    char *dir = make_temp_dir();
    char *path = write_file(dir, "plan.xml", valid_plan, strlen(valid_plan));
    assert_true(test_alloc_loop(load_file_step, path) > 3);
    remove(path);
    remove(dir);
    free(path);
    free(dir);
}

/* ---- threads ---- */

#define THREADS 4

typedef struct load_job {
    pthread_barrier_t *start;
    int status;
    char digest[TALLY_PLAN_DIGEST_HEX_SIZE];
} load_job;

static void *
load_in_thread(void *argument)
{
    load_job *job = argument;
    tally_ctx *ctx = NULL;
    job->status = tally_ctx_new(&ctx, NULL);
    pthread_barrier_wait(job->start);
    for (int i = 0; i < 5 && job->status == TALLY_OK; i++) {
        tally_plan *plan = NULL;
        job->status = tally_plan_load_buffer(ctx, &plan, valid_plan, strlen(valid_plan),
                                             "thread.xml", NULL);
        if (job->status == TALLY_OK)
            job->status = tally_plan_digest_hex(job->digest, sizeof(job->digest), plan);
        tally_plan_unref(plan);
    }
    tally_ctx_free(ctx);
    return NULL;
}

typedef struct read_job {
    pthread_barrier_t *start;
    tally_plan *plan;
    int mismatches;
} read_job;

/* Readers of one shared plan: accessors and reference counting from every thread. */
static void *
read_in_thread(void *argument)
{
    read_job *job = argument;
    pthread_barrier_wait(job->start);
    for (int i = 0; i < 2000; i++) {
        tally_plan *mine = tally_plan_ref(job->plan);
        char hex[TALLY_PLAN_DIGEST_HEX_SIZE];
        const tally_plan_version *version = tally_plan_version_at(mine, 0);
        const tally_component *component = tally_plan_version_component_at(version, 0);
        if (strcmp(tally_plan_id(mine), "demo") != 0 || tally_plan_version_count(mine) != 1 ||
            strcmp(tally_component_id(component), "base") != 0 ||
            tally_plan_digest_hex(hex, sizeof(hex), mine) != TALLY_OK)
            job->mismatches++;
        tally_plan_unref(mine);
    }
    return NULL;
}

static void
loads_and_shares_plans_across_threads(void **state)
{
    (void)state;
    pthread_barrier_t start;
    pthread_t threads[THREADS];
    load_job loads[THREADS];
    assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++) {
        loads[i].start = &start;
        loads[i].status = -100;
        assert_int_equal(pthread_create(&threads[i], NULL, load_in_thread, &loads[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(loads[i].status, TALLY_OK);
        assert_string_equal(loads[i].digest, loads[0].digest);
    }

    loaded shared = load_text(valid_plan);
    assert_int_equal(shared.status, TALLY_OK);
    read_job reads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        reads[i] = (read_job){&start, shared.plan, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, read_in_thread, &reads[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(reads[i].mismatches, 0);
    }
    char hex[TALLY_PLAN_DIGEST_HEX_SIZE];
    assert_int_equal(tally_plan_digest_hex(hex, sizeof(hex), shared.plan), TALLY_OK);
    assert_string_equal(hex, loads[0].digest);
    release(&shared);
    pthread_barrier_destroy(&start);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        /* First, so that libxml2 is initialized by concurrent first loads. */
        cmocka_unit_test(loads_and_shares_plans_across_threads),
        cmocka_unit_test(loads_a_minimal_plan),
        cmocka_unit_test(accepts_utf8_spellings_and_bom),
        cmocka_unit_test(source_name_defaults_to_memory),
        cmocka_unit_test(reports_builder_errors),
        cmocka_unit_test(rejects_documents_over_the_size_limit),
        cmocka_unit_test(rejects_empty_input),
        cmocka_unit_test(rejects_invalid_utf8_with_its_location),
        cmocka_unit_test(rejects_nul_bytes),
        cmocka_unit_test(rejects_other_declared_encodings),
        cmocka_unit_test(rejects_billion_laughs),
        cmocka_unit_test(locates_the_doctype),
        cmocka_unit_test(rejects_external_entities),
        cmocka_unit_test(never_fetches_from_the_network),
        cmocka_unit_test(rejects_undeclared_entities),
        cmocka_unit_test(rejects_very_deep_nesting),
        cmocka_unit_test(depth_limit_is_configurable),
        cmocka_unit_test(rejects_huge_attributes),
        cmocka_unit_test(does_not_process_xinclude),
        cmocka_unit_test(reports_malformed_xml_with_line_and_column),
        cmocka_unit_test(rejects_wrong_root_element),
        cmocka_unit_test(rejects_wrong_namespace),
        cmocka_unit_test(reports_missing_required_attribute_with_path),
        cmocka_unit_test(reports_several_schema_errors_together),
        cmocka_unit_test(locates_schema_errors_where_the_element_starts),
        cmocka_unit_test(locates_errors_past_line_65535),
        cmocka_unit_test(locates_every_element_of_a_large_document),
        cmocka_unit_test(accepts_settlement_only_where_it_has_a_meaning),
        cmocka_unit_test(keeps_the_first_hundred_errors),
        cmocka_unit_test(cuts_long_messages),
        cmocka_unit_test(rejects_null_arguments),
        cmocka_unit_test(checks_the_options_size),
        cmocka_unit_test(loads_plans_from_files),
        cmocka_unit_test(reports_unreadable_files),
        cmocka_unit_test(leaves_the_hosts_libxml2_handlers_alone),
        cmocka_unit_test(out_of_memory_loop),
    };
    return cmocka_run_group_tests_name("plan-loader", tests, NULL, NULL);
}
