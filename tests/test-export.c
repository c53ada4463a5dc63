/* test-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dailies-export.h"
#include "dailies-id-parser.h"
#include "dailies-test-utils.h"

#define ID_SUCCESS "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E"
#define ID_FAILURE "asyntask_Fa1ledM0derat10nAbCdEfGhIjKlMnOpQ"
#define ID_CGT     "cgt-20260427191505-9j2q7"
#define LINK       "https://cdn.example/" ID_SUCCESS ".mp4?X-Tos-Expires=86400&X-Tos-Signature=abc"

static const char * const columns[] = {
  "task_id", "status", "fail_reason", "submit_time", "start_time", "finish_time",
  "model", "resolution", "duration_seconds", "tokens", "local_path",
};

/* ------------------------------------------------------------------ */
/* A small RFC 4180 reader: what a spreadsheet does with the file       */
/* ------------------------------------------------------------------ */

/* Returns records (GPtrArray of GPtrArray of char*). Fails the test on
 * anything RFC 4180 does not allow: a quote inside an unquoted field,
 * text after a closing quote, an unterminated quote, a bare LF. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *record = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          for (p++;; p++)
            {
              g_assert_true (*p != '\0');
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
          g_assert_true (*p == ',' || *p == '\r');
        }
      else
        {
          for (; *p != ',' && *p != '\r'; p++)
            {
              g_assert_true (*p != '\0' && *p != '"' && *p != '\n');
              g_string_append_c (field, *p);
            }
        }

      g_ptr_array_add (record, g_string_free (g_steal_pointer (&field), FALSE));
      field = g_string_new (NULL);
      if (*p == ',')
        {
          p++;
          continue;
        }
      g_assert_true (p[0] == '\r' && p[1] == '\n');
      p += 2;
      g_ptr_array_add (records, record);
      record = g_ptr_array_new_with_free_func (g_free);
    }

  g_assert_cmpuint (record->len, ==, 0);
  g_ptr_array_unref (record);
  g_string_free (field, TRUE);
  return records;
}

static const char *
cell (GPtrArray *records,
      guint      row,
      guint      column)
{
  GPtrArray *record = g_ptr_array_index (records, row);

  return g_ptr_array_index (record, column);
}

/* ------------------------------------------------------------------ */
/* Rows                                                                 */
/* ------------------------------------------------------------------ */

static DailiesExportRow *
make_row (const char        *id,
          DailiesTaskStatus  status,
          const char        *fail_reason,
          const char        *model)
{
  DailiesExportRow *row = dailies_export_row_new ();

  row->task_id = g_strdup (id);
  row->status = status;
  row->fail_reason = g_strdup (fail_reason);
  row->model = g_strdup (model);
  return row;
}

/* The awkward texts a failure reason or a path may hold. */
static GPtrArray *
make_tricky_rows (void)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) dailies_export_row_free);
  g_autofree char *answer = dailies_test_load_fixture_text ("response-success.json");
  DailiesExportRow *row;

  row = make_row (ID_SUCCESS, DAILIES_TASK_STATUS_SUCCESS, NULL, "doubao-seedance-2-0-260128");
  row->submit_time = 1777288506;
  row->start_time = 1777288508;
  row->finish_time = 1777288800;
  row->raw_json = g_steal_pointer (&answer);
  row->local_path = g_strdup ("/videos/Dailies, \"best\"/" ID_SUCCESS ".mp4");
  row->video_link = g_strdup (LINK);
  row->link_expires_at = 1777375200;
  g_ptr_array_add (rows, row);

  row = make_row (ID_FAILURE, DAILIES_TASK_STATUS_FAILURE,
                  "He said \"no\", twice.\r\nThen:\nnothing", "model,with,commas");
  g_ptr_array_add (rows, row);

  row = make_row (ID_CGT, DAILIES_TASK_STATUS_OTHER, "=HYPERLINK(\"http://evil.example\",\"click\")", "@model");
  row->status_text = g_strdup ("PAUSED");
  g_ptr_array_add (rows, row);

  return rows;
}

static char *
write_to_string (GPtrArray           *rows,
                 DailiesExportFormat  format,
                 DailiesExportFlags   flags)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint n_done = 0;

  g_assert_true (dailies_export_write (stream, rows, format, flags, 1777300000, NULL, &n_done, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_done, ==, rows->len);
  g_assert_true (g_output_stream_write_all (stream, "", 1, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (stream, NULL, NULL));

  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (stream));
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void
test_csv_field (void)
{
  struct { const char *in, *out; } cases[] = {
    { NULL, "" },
    { "", "" },
    { "plain", "plain" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "cr\rlf", "\"cr\rlf\"" },
    { "=1+1", "\"'=1+1\"" },
    { "+49 30", "\"'+49 30\"" },
    { "-2", "\"'-2\"" },
    { "@SUM(A1)", "\"'@SUM(A1)\"" },
    { "\tx", "\"'\tx\"" },
    { "a=b", "a=b" },
    { "Überlastet", "Überlastet" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *field = dailies_export_csv_field (cases[i].in);

      g_assert_cmpstr (field, ==, cases[i].out);
    }
}

static void
test_csv_round_trip (void)
{
  g_autoptr(GPtrArray) rows = make_tricky_rows ();
  g_autofree char *text = write_to_string (rows, DAILIES_EXPORT_FORMAT_CSV, DAILIES_EXPORT_FLAGS_NONE);
  g_autoptr(GPtrArray) records = parse_csv (text);

  g_assert_cmpuint (records->len, ==, 1 + rows->len);
  for (guint r = 0; r < records->len; r++)
    g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (records, r))->len, ==, G_N_ELEMENTS (columns));
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    g_assert_cmpstr (cell (records, 0, c), ==, columns[c]);

  /* A finished task, details read from its last answer. */
  g_assert_cmpstr (cell (records, 1, 0), ==, ID_SUCCESS);
  g_assert_cmpstr (cell (records, 1, 1), ==, "SUCCESS");
  g_assert_cmpstr (cell (records, 1, 2), ==, "");
  g_assert_cmpstr (cell (records, 1, 3), ==, "2026-04-27T11:15:06Z");
  g_assert_cmpstr (cell (records, 1, 4), ==, "2026-04-27T11:15:08Z");
  g_assert_cmpstr (cell (records, 1, 5), ==, "2026-04-27T11:20:00Z");
  g_assert_cmpstr (cell (records, 1, 6), ==, "doubao-seedance-2-0-260128");
  g_assert_cmpstr (cell (records, 1, 7), ==, "720p");
  g_assert_cmpstr (cell (records, 1, 8), ==, "5");
  g_assert_cmpstr (cell (records, 1, 9), ==, "108900");
  g_assert_cmpstr (cell (records, 1, 10), ==, "/videos/Dailies, \"best\"/" ID_SUCCESS ".mp4");

  /* Quotes, commas and both kinds of line break come back as they were. */
  g_assert_cmpstr (cell (records, 2, 2), ==, "He said \"no\", twice.\r\nThen:\nnothing");
  g_assert_cmpstr (cell (records, 2, 6), ==, "model,with,commas");
  g_assert_cmpstr (cell (records, 2, 3), ==, "");
  g_assert_cmpstr (cell (records, 2, 8), ==, "");

  /* A formula is shown as text, not run. */
  g_assert_cmpstr (cell (records, 3, 1), ==, "PAUSED");
  g_assert_cmpstr (cell (records, 3, 2), ==, "'=HYPERLINK(\"http://evil.example\",\"click\")");
  g_assert_cmpstr (cell (records, 3, 6), ==, "'@model");

  /* No link anywhere unless asked. */
  g_assert_null (strstr (text, "X-Tos-Signature"));
  g_assert_null (strstr (text, "video_link"));
}

static void
test_csv_links (void)
{
  g_autoptr(GPtrArray) rows = make_tricky_rows ();
  g_autofree char *text = write_to_string (rows, DAILIES_EXPORT_FORMAT_CSV, DAILIES_EXPORT_VIDEO_LINKS);
  g_autoptr(GPtrArray) records = parse_csv (text);

  g_assert_cmpuint (records->len, ==, 1 + rows->len);
  for (guint r = 0; r < records->len; r++)
    g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (records, r))->len, ==, G_N_ELEMENTS (columns) + 2);
  g_assert_cmpstr (cell (records, 0, 11), ==, "video_link");
  g_assert_cmpstr (cell (records, 0, 12), ==, "video_link_expires");
  g_assert_cmpstr (cell (records, 1, 11), ==, LINK);
  g_assert_cmpstr (cell (records, 1, 12), ==, "2026-04-28T11:20:00Z");
  g_assert_cmpstr (cell (records, 2, 11), ==, "");
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
test_json (void)
{
  g_autoptr(GPtrArray) rows = make_tricky_rows ();
  g_autofree char *text = write_to_string (rows, DAILIES_EXPORT_FORMAT_JSON, DAILIES_EXPORT_FLAGS_NONE);
  g_autoptr(JsonNode) root = parse_json (text);
  JsonObject *object = json_node_get_object (root);
  JsonArray *tasks = json_object_get_array_member (object, "tasks");
  JsonObject *task;

  g_assert_cmpstr (json_object_get_string_member (object, "exported_at"), ==, "2026-04-27T14:26:40Z");
  g_assert_false (json_object_has_member (object, "video_links_note"));
  g_assert_cmpuint (json_array_get_length (tasks), ==, rows->len);

  task = json_array_get_object_element (tasks, 0);
  g_assert_cmpstr (json_object_get_string_member (task, "task_id"), ==, ID_SUCCESS);
  g_assert_cmpstr (json_object_get_string_member (task, "status"), ==, "SUCCESS");
  g_assert_true (json_object_get_null_member (task, "fail_reason"));
  g_assert_cmpstr (json_object_get_string_member (task, "finish_time"), ==, "2026-04-27T11:20:00Z");
  g_assert_cmpstr (json_object_get_string_member (task, "resolution"), ==, "720p");
  g_assert_cmpint (json_object_get_int_member (task, "duration_seconds"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (task, "tokens"), ==, 108900);
  g_assert_cmpstr (json_object_get_string_member (task, "local_path"), ==, "/videos/Dailies, \"best\"/" ID_SUCCESS ".mp4");
  g_assert_false (json_object_has_member (task, "video_link"));
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    g_assert_true (json_object_has_member (task, columns[c]));

  task = json_array_get_object_element (tasks, 1);
  g_assert_cmpstr (json_object_get_string_member (task, "fail_reason"), ==, "He said \"no\", twice.\r\nThen:\nnothing");
  g_assert_true (json_object_get_null_member (task, "submit_time"));
  g_assert_true (json_object_get_null_member (task, "tokens"));

  /* JSON runs no formulas: the text stays as it is. */
  task = json_array_get_object_element (tasks, 2);
  g_assert_cmpstr (json_object_get_string_member (task, "fail_reason"), ==, "=HYPERLINK(\"http://evil.example\",\"click\")");
  g_assert_null (strstr (text, "X-Tos-Signature"));
}

static void
test_json_links (void)
{
  g_autoptr(GPtrArray) rows = make_tricky_rows ();
  g_autofree char *text = write_to_string (rows, DAILIES_EXPORT_FORMAT_JSON, DAILIES_EXPORT_VIDEO_LINKS);
  g_autoptr(JsonNode) root = parse_json (text);
  JsonObject *object = json_node_get_object (root);
  JsonArray *tasks = json_object_get_array_member (object, "tasks");
  JsonObject *task = json_array_get_object_element (tasks, 0);

  g_assert_nonnull (strstr (json_object_get_string_member (object, "video_links_note"), "expire"));
  g_assert_cmpstr (json_object_get_string_member (task, "video_link"), ==, LINK);
  g_assert_cmpstr (json_object_get_string_member (task, "video_link_expires"), ==, "2026-04-28T11:20:00Z");
  task = json_array_get_object_element (tasks, 1);
  g_assert_true (json_object_get_null_member (task, "video_link"));
}

static void
test_json_empty (void)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *text = write_to_string (rows, DAILIES_EXPORT_FORMAT_JSON, DAILIES_EXPORT_FLAGS_NONE);
  g_autoptr(JsonNode) root = parse_json (text);

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (root), "tasks")), ==, 0);
}

/* Many tasks of every kind, IDs in a known order. */
static GPtrArray *
make_many_rows (guint n)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) dailies_export_row_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = i % 7 == 3 ? g_strdup_printf ("cgt-20260427191505-%05u", i)
                                       : g_strdup_printf ("asyntask_Exp0rt%026u", i);
      DailiesExportRow *row = make_row (id, i % 3 == 0 ? DAILIES_TASK_STATUS_SUCCESS : DAILIES_TASK_STATUS_FAILURE,
                                        i % 5 == 0 ? "quota, \"exceeded\"\nretry" : NULL, "seedance");

      row->finish_time = 1777288800 + i;
      /* The ID again in the path and the link: still found once, in place. */
      if (i % 3 == 0)
        {
          row->local_path = g_strdup_printf ("/v/%s.mp4", id);
          row->video_link = g_strdup_printf ("https://cdn.example/%s.mp4?X-Tos-Signature=s", id);
        }
      g_ptr_array_add (rows, row);
    }

  return rows;
}

static void
assert_reimport (DailiesExportFormat format,
                 DailiesExportFlags  flags)
{
  g_autoptr(GPtrArray) rows = make_many_rows (2000);
  g_autofree char *text = write_to_string (rows, format, flags);
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  g_autoptr(GError) error = NULL;

  /* As Open reads a file. */
  parsed = dailies_id_parser_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->ids->len, ==, rows->len);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpstr (g_ptr_array_index (parsed->ids, i), ==, ((DailiesExportRow *) g_ptr_array_index (rows, i))->task_id);
}

static void
test_reimport_csv (void)
{
  assert_reimport (DAILIES_EXPORT_FORMAT_CSV, DAILIES_EXPORT_FLAGS_NONE);
  assert_reimport (DAILIES_EXPORT_FORMAT_CSV, DAILIES_EXPORT_VIDEO_LINKS);
}

static void
test_reimport_json (void)
{
  assert_reimport (DAILIES_EXPORT_FORMAT_JSON, DAILIES_EXPORT_FLAGS_NONE);
  assert_reimport (DAILIES_EXPORT_FORMAT_JSON, DAILIES_EXPORT_VIDEO_LINKS);
}

static gboolean
job_wrote_something (gpointer user_data)
{
  return dailies_export_job_get_n_written (user_data) > 0;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Finished;

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Finished *finished = user_data;

  finished->ok = dailies_export_job_finish (result, &finished->error);
  finished->done = TRUE;
}

/* Rows of @rows from @start, @n of them, as a chunk of their own. */
static GPtrArray *
copy_chunk (GPtrArray *rows,
            guint      start,
            guint      n)
{
  GPtrArray *chunk = g_ptr_array_new_with_free_func ((GDestroyNotify) dailies_export_row_free);

  for (guint i = start; i < start + n && i < rows->len; i++)
    {
      const DailiesExportRow *row = g_ptr_array_index (rows, i);
      DailiesExportRow *copy = make_row (row->task_id, row->status, row->fail_reason, row->model);

      copy->finish_time = row->finish_time;
      copy->local_path = g_strdup (row->local_path);
      g_ptr_array_add (chunk, copy);
    }

  return chunk;
}

/* Fed in chunks as the window feeds it, the file holds every row once, in
 * order, and replaces the file that was there. */
static void
test_job_in_chunks (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "tasks.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) rows = make_many_rows (20000);
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(JsonNode) root = NULL;
  Finished finished = { 0 };
  DailiesExportJob *job;

  g_assert_true (g_file_set_contents (path, "old", -1, NULL));

  job = dailies_export_job_start (file, DAILIES_EXPORT_FORMAT_JSON, DAILIES_EXPORT_FLAGS_NONE, NULL,
                                  exported_cb, &finished);
  for (guint start = 0; start < rows->len; start += 1000)
    dailies_export_job_push (job, copy_chunk (rows, start, 1000));
  dailies_export_job_push (job, g_ptr_array_new ());
  dailies_export_job_close (job);
  g_assert_true (dailies_test_wait_for_flag (&finished.done, 30000));
  g_assert_no_error (finished.error);
  g_assert_true (finished.ok);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  root = parse_json (contents);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (root), "tasks")), ==, rows->len);
  parsed = dailies_id_parser_parse_text (contents, -1);
  g_assert_cmpuint (parsed->ids->len, ==, rows->len);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpstr (g_ptr_array_index (parsed->ids, i), ==, ((DailiesExportRow *) g_ptr_array_index (rows, i))->task_id);

  dailies_test_rm_rf (dir);
}

/* A cancelled export leaves the file that was there as it was, also when
 * rows were already written. */
static void
test_job_cancelled (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "tasks.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) rows = make_many_rows (3000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *contents = NULL;
  Finished finished = { 0 };
  DailiesExportJob *job;

  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  job = dailies_export_job_start (file, DAILIES_EXPORT_FORMAT_CSV, DAILIES_EXPORT_FLAGS_NONE, cancellable,
                                  exported_cb, &finished);
  dailies_export_job_push (job, copy_chunk (rows, 0, 1000));
  g_assert_true (dailies_test_wait_until (job_wrote_something, job, 10000));
  g_cancellable_cancel (cancellable);
  dailies_export_job_push (job, copy_chunk (rows, 1000, 2000));
  dailies_export_job_close (job);
  g_assert_true (dailies_test_wait_for_flag (&finished.done, 10000));
  g_assert_false (finished.ok);
  g_assert_error (finished.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&finished.error);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");

  dailies_test_rm_rf (dir);
}

/* A folder that cannot be written to: said, not crashed or hung. */
static void
test_job_fails (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "missing", "tasks.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) rows = make_many_rows (10);
  Finished finished = { 0 };
  DailiesExportJob *job;

  job = dailies_export_job_start (file, DAILIES_EXPORT_FORMAT_CSV, DAILIES_EXPORT_FLAGS_NONE, NULL,
                                  exported_cb, &finished);
  dailies_export_job_push (job, copy_chunk (rows, 0, 10));
  dailies_export_job_close (job);
  g_assert_true (dailies_test_wait_for_flag (&finished.done, 10000));
  g_assert_false (finished.ok);
  g_assert_error (finished.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&finished.error);

  dailies_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/export/csv-field", test_csv_field);
  g_test_add_func ("/export/csv-round-trip", test_csv_round_trip);
  g_test_add_func ("/export/csv-links", test_csv_links);
  g_test_add_func ("/export/json", test_json);
  g_test_add_func ("/export/json-links", test_json_links);
  g_test_add_func ("/export/json-empty", test_json_empty);
  g_test_add_func ("/export/reimport-csv", test_reimport_csv);
  g_test_add_func ("/export/reimport-json", test_reimport_json);
  g_test_add_func ("/export/job-in-chunks", test_job_in_chunks);
  g_test_add_func ("/export/job-cancelled", test_job_cancelled);
  g_test_add_func ("/export/job-fails", test_job_fails);

  return g_test_run ();
}
