/* dailies-test-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "dailies-test-utils.h"

static gboolean
deadline_passed_cb (gpointer user_data)
{
  gboolean *passed = user_data;

  *passed = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
dailies_test_wait_until (DailiesTestCondition condition,
                         gpointer             user_data,
                         guint                timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean passed = FALSE;
  GSource *deadline;

  if (context == NULL)
    context = g_main_context_default ();

  /* Sanitizer builds run several times slower: a deadline is a limit,
   * not a pause, so stretching it costs nothing when things go right. */
  deadline = g_timeout_source_new ((guint) (timeout_ms * dailies_test_time_scale ()));
  g_source_set_callback (deadline, deadline_passed_cb, &passed, NULL);
  g_source_attach (deadline, context);

  while (!condition (user_data) && !passed)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (deadline);
  g_source_unref (deadline);

  return condition (user_data);
}

static gboolean
flag_is_set (gpointer user_data)
{
  const gboolean *flag = user_data;

  return *flag;
}

gboolean
dailies_test_wait_for_flag (const gboolean *flag,
                            guint           timeout_ms)
{
  return dailies_test_wait_until (flag_is_set, (gpointer) flag, timeout_ms);
}

static gboolean
pointer_is_set (gpointer user_data)
{
  gpointer const *pointer = user_data;

  return *pointer != NULL;
}

gboolean
dailies_test_wait_for_pointer (gpointer const *pointer,
                               guint           timeout_ms)
{
  return dailies_test_wait_until (pointer_is_set, (gpointer) pointer, timeout_ms);
}

double
dailies_test_time_scale (void)
{
  const char *text = g_getenv ("DAILIES_TEST_TIME_SCALE");
  double scale = text != NULL ? g_ascii_strtod (text, NULL) : 0;

  return scale >= 1 ? scale : 1;
}

char *
dailies_test_make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("dailies-test-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

void
dailies_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      dailies_test_rm_rf (child);
    }
  g_rmdir (path);
}

GBytes *
dailies_test_load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

char *
dailies_test_load_fixture_text (const char *name)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* ------------------------------------------------------------------ */
/* A notification server                                               */
/* ------------------------------------------------------------------ */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "  </interface>"
  "</node>";

struct _DailiesTestNotifications
{
  GDBusConnection *connection;
  guint            owner_id;
  guint            registration_id;
  gboolean         owned;
  guint            n_sent;
  guint            n_closed;
  guint            last_id;
  guint            last_sent_id;
  char            *last_summary;
  char            *last_body;
  char           **last_actions;
  GPtrArray       *summaries;   /* of every notification sent, in order */
};

static void
notifications_method_cb (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *object_path,
                         const char            *interface_name,
                         const char            *method_name,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  DailiesTestNotifications *self = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary, *body;
      guint replaces_id;

      g_strfreev (self->last_actions);
      g_variant_get (parameters, "(&su&s&s&s^as@a{sv}i)", NULL, &replaces_id, NULL, &summary, &body,
                     &self->last_actions, NULL, NULL);
      g_free (self->last_summary);
      g_free (self->last_body);
      self->last_summary = g_strdup (summary);
      self->last_body = g_strdup (body);
      g_ptr_array_add (self->summaries, g_strdup (summary));
      self->n_sent++;
      if (replaces_id == 0)
        replaces_id = ++self->last_id;
      self->last_sent_id = replaces_id;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", replaces_id));
    }
  else if (g_str_equal (method_name, "CloseNotification"))
    {
      self->n_closed++;
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *capabilities[] = { "body", "actions", NULL };
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", capabilities));
    }
  else
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "dailies-test", "Dailies", "1", "1.2"));
    }
}

static void
notifications_name_acquired_cb (GDBusConnection *connection,
                                const char      *name,
                                gpointer         user_data)
{
  DailiesTestNotifications *self = user_data;

  self->owned = TRUE;
}

DailiesTestNotifications *
dailies_test_notifications_start (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_method_cb, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  DailiesTestNotifications *self = g_new0 (DailiesTestNotifications, 1);
  g_autoptr(GError) error = NULL;

  self->summaries = g_ptr_array_new_with_free_func (g_free);
  self->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  self->registration_id = g_dbus_connection_register_object (self->connection, "/org/freedesktop/Notifications",
                                                             info->interfaces[0], &vtable, self, NULL, &error);
  g_assert_no_error (error);
  self->owner_id = g_bus_own_name_on_connection (self->connection, "org.freedesktop.Notifications",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 notifications_name_acquired_cb, NULL, self, NULL);
  g_assert_true (dailies_test_wait_for_flag (&self->owned, 5000));

  return self;
}

guint
dailies_test_notifications_get_n_sent (DailiesTestNotifications *self)
{
  return self->n_sent;
}

guint
dailies_test_notifications_get_n_closed (DailiesTestNotifications *self)
{
  return self->n_closed;
}

const char *
dailies_test_notifications_get_summary (DailiesTestNotifications *self)
{
  return self->last_summary;
}

gboolean
dailies_test_notifications_was_sent (DailiesTestNotifications *self,
                                     const char               *summary)
{
  for (guint i = 0; i < self->summaries->len; i++)
    if (g_str_equal (g_ptr_array_index (self->summaries, i), summary))
      return TRUE;

  return FALSE;
}

const char *
dailies_test_notifications_get_body (DailiesTestNotifications *self)
{
  return self->last_body;
}

void
dailies_test_notifications_reset (DailiesTestNotifications *self)
{
  self->n_sent = self->n_closed = 0;
  g_ptr_array_set_size (self->summaries, 0);
  g_clear_pointer (&self->last_summary, g_free);
  g_clear_pointer (&self->last_body, g_free);
  g_clear_pointer (&self->last_actions, g_strfreev);
}

const char *
dailies_test_notifications_find_action (DailiesTestNotifications *self,
                                        const char               *label)
{
  /* Pairs of action key and label */
  for (guint i = 0; self->last_actions != NULL && self->last_actions[i] != NULL &&
                    self->last_actions[i + 1] != NULL; i += 2)
    if (g_str_equal (self->last_actions[i + 1], label))
      return self->last_actions[i];

  return NULL;
}

guint
dailies_test_notifications_get_n_buttons (DailiesTestNotifications *self)
{
  guint n = 0;

  for (guint i = 0; self->last_actions != NULL && self->last_actions[i] != NULL; i += 2)
    if (!g_str_equal (self->last_actions[i], "default"))
      n++;

  return n;
}

void
dailies_test_notifications_invoke (DailiesTestNotifications *self,
                                   const char               *action_key)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_emit_signal (self->connection, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", self->last_sent_id, action_key), &error);
  g_assert_no_error (error);
}

static void
round_trip_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, NULL);

  *(gboolean *) user_data = TRUE;
}

/* Messages on a connection arrive in order: once a call made now has its
 * answer, whatever was sent to the server before has been handled. */
void
dailies_test_notifications_sync (DailiesTestNotifications *self)
{
  gboolean done = FALSE;

  g_dbus_connection_call (self->connection, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                          "org.freedesktop.Notifications", "GetServerInformation", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, NULL, round_trip_cb, &done);
  g_assert_true (dailies_test_wait_for_flag (&done, 5000));
}

void
dailies_test_notifications_stop (DailiesTestNotifications *self)
{
  g_bus_unown_name (self->owner_id);
  g_dbus_connection_unregister_object (self->connection, self->registration_id);
  g_object_unref (self->connection);
  g_free (self->last_summary);
  g_free (self->last_body);
  g_strfreev (self->last_actions);
  g_ptr_array_unref (self->summaries);
  g_free (self);
}

/* ------------------------------------------------------------------ */
/* A network monitor whose answer the test decides                     */
/* ------------------------------------------------------------------ */

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject  parent_instance;
  gboolean available;
};

static void test_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_iface_init))

static gboolean
test_monitor_initable_init (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init;
}

enum { MONITOR_PROP_0, MONITOR_PROP_AVAILABLE, MONITOR_PROP_METERED, MONITOR_PROP_CONNECTIVITY };

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestMonitor *self = TEST_MONITOR (object);

  switch (prop_id)
    {
    case MONITOR_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case MONITOR_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case MONITOR_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
test_monitor_can_reach (GNetworkMonitor     *monitor,
                        GSocketConnectable  *connectable,
                        GCancellable        *cancellable,
                        GError             **error)
{
  return TEST_MONITOR (monitor)->available;
}

static void
test_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_monitor_can_reach;
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, MONITOR_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MONITOR_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MONITOR_PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
}

GNetworkMonitor *
dailies_test_monitor_new (gboolean available)
{
  TestMonitor *self = g_object_new (TEST_TYPE_MONITOR, NULL);

  self->available = available;

  return G_NETWORK_MONITOR (self);
}

void
dailies_test_monitor_set_available (GNetworkMonitor *monitor,
                                    gboolean         available)
{
  TestMonitor *self = TEST_MONITOR (monitor);

  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
}

static void
communicated_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  DailiesTestRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err, &error));
  g_assert_no_error (error);
  run->ok = g_subprocess_get_successful (G_SUBPROCESS (object));
  run->status = g_subprocess_get_if_exited (G_SUBPROCESS (object)) ? g_subprocess_get_exit_status (G_SUBPROCESS (object))
                                                                   : -1;
  run->done = TRUE;
}

GSubprocess *
dailies_test_spawn (GSubprocessLauncher *launcher,
                    const char * const  *argv,
                    const char          *input,
                    DailiesTestRun      *run)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_launcher_spawnv (launcher, argv, &error);

  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, input, NULL, communicated_cb, run);

  return process;
}

void
dailies_test_run_clear (DailiesTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
  run->done = FALSE;
  run->ok = FALSE;
  run->status = 0;
}

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);

  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

void
dailies_test_call_application_async (GDBusConnection *bus,
                                     const char      *method,
                                     GVariant        *parameters,
                                     gboolean        *done)
{
  g_dbus_connection_call (bus, APP_ID, "/io/github/dailies/Dailies", "org.freedesktop.Application",
                          method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          call_done_cb, done);
}

void
dailies_test_call_application (GDBusConnection *bus,
                               const char      *method,
                               GVariant        *parameters,
                               guint            timeout_ms)
{
  gboolean done = FALSE;

  g_dbus_connection_call (bus, APP_ID, "/io/github/dailies/Dailies", "org.freedesktop.Application",
                          method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL,
                          call_done_cb, &done);
  g_assert_true (dailies_test_wait_for_flag (&done, timeout_ms));
}

void
dailies_test_name_appeared_cb (GDBusConnection *connection,
                               const char      *name,
                               const char      *owner,
                               gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

char *
dailies_test_log_message (const GLogField *fields,
                          gsize            n_fields)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].value != NULL)
      return fields[i].length < 0 ? g_strdup (fields[i].value) : g_strndup (fields[i].value, fields[i].length);

  return NULL;
}
