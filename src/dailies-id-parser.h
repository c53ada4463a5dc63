/* dailies-id-parser.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Files larger than this are refused by dailies_id_parser_parse_bytes(). */
#define DAILIES_ID_PARSER_MAX_BYTES (64 * 1024 * 1024)

/* How many rejected lines (and IDs read from comments) a result keeps,
 * and how long each line may be. */
#define DAILIES_ID_PARSER_MAX_REJECTED 50
#define DAILIES_ID_PARSER_REJECTED_CHARS 80

#define DAILIES_ID_PARSER_ERROR (dailies_id_parser_error_quark ())

typedef enum
{
  DAILIES_ID_PARSER_ERROR_NOT_TEXT,   /* NUL bytes or invalid UTF-8: not a text file */
  DAILIES_ID_PARSER_ERROR_TOO_LARGE,  /* over DAILIES_ID_PARSER_MAX_BYTES */
} DailiesIdParserError;

/* What was found in a piece of text. */
typedef struct
{
  GPtrArray *ids;           /* char*, unique, in first-seen order */
  GPtrArray *rejected;      /* char*, non-empty lines/tokens that held no ID, trimmed,
                             * each cut to 80 chars, at most 50 kept */
  guint      n_rejected;    /* total count, even beyond the 50 kept */
  guint      n_duplicates;  /* IDs seen again after their first time */
  guint      n_in_comments; /* of the IDs, those first seen in a comment (# or //) */
  GPtrArray *in_comments;   /* char*, the first 50 of those, in order */
} DailiesIdParseResult;

GQuark                dailies_id_parser_error_quark (void);
/* Finds task IDs in pasted or dropped text: one per line, separated by
 * commas, blanks or semicolons, CSV, JSON, JSON Lines, URLs. @length -1
 * means NUL-terminated. Never fails. */
DailiesIdParseResult *dailies_id_parser_parse_text  (const char  *text,
                                                     gssize       length);
/* The same for the contents of a file, which must be text (UTF-8, or
 * UTF-16 with a byte order mark). */
DailiesIdParseResult *dailies_id_parser_parse_bytes (GBytes      *bytes,
                                                     GError     **error);
void                  dailies_id_parse_result_free  (DailiesIdParseResult *result);

/* The same, piece by piece, for text that comes in chunks (a file, standard
 * input): memory stays bounded by the longest line and the IDs found, not
 * by the size of the input. Chunks may be cut anywhere, even inside a
 * character. Not thread-safe; one thread at a time may use a stream. */
typedef struct _DailiesIdStream DailiesIdStream;

/* @check_text: refuse what is not text, as dailies_id_parser_parse_bytes()
 * does (a file); FALSE for pasted text, which never fails. */
DailiesIdStream      *dailies_id_stream_new         (gboolean          check_text);
/* FALSE once the input is known not to be text or is too large. */
gboolean              dailies_id_stream_feed        (DailiesIdStream  *self,
                                                     const char       *data,
                                                     gsize             length,
                                                     GError          **error);
gboolean              dailies_id_stream_finish      (DailiesIdStream  *self,
                                                     GError          **error);
/* The IDs found since the last call that are certain, in order (char*);
 * NULL when there are none. A JSON document's IDs come as far as its two
 * readings (as JSON and as lines) agree, the rest after finish(), once it
 * has proved to be JSON or not. They are handed over: the ids of
 * steal_result() are only those not taken. */
GPtrArray            *dailies_id_stream_take_ids    (DailiesIdStream  *self);
/* Lines read so far, for progress. */
guint64               dailies_id_stream_get_n_lines (DailiesIdStream  *self);
/* The repeats and the IDs from comments among the IDs taken so far (a
 * document's only once finished). */
void                  dailies_id_stream_get_counts  (DailiesIdStream  *self,
                                                     guint            *n_duplicates,
                                                     guint            *n_in_comments);
/* After finish(): every ID found, the counts and the rejected lines. */
DailiesIdParseResult *dailies_id_stream_steal_result (DailiesIdStream *self);
void                  dailies_id_stream_free        (DailiesIdStream  *self);
/* What to ask of a file before reading it, and whether that answer allows
 * reading it: a regular file of at most DAILIES_ID_PARSER_MAX_BYTES, not a
 * device or a disk image that would be read into memory whole. */
#define DAILIES_ID_PARSER_FILE_ATTRIBUTES G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE
gboolean              dailies_id_parser_check_file_info (GFileInfo *info,
                                                         GError   **error);
/* Whether @id is exactly one task ID ("asyntask_…" or "cgt-…"). Guards the
 * URL path: nothing else passes. NULL is not valid. */
gboolean              dailies_task_id_is_valid      (const char  *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesIdParseResult, dailies_id_parse_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesIdStream, dailies_id_stream_free)

G_END_DECLS
