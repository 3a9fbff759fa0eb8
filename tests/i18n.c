/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* i18n.c: the library's messages come out in the process's language —
 * German through the .mo file built from po/de.po, English under "C" */

#include "config.h"

#include "test-util.h"

#include <libintl.h>
#include <locale.h>
#include <glib/gstdio.h>

#define GERMAN_LOCALE "de_DE.UTF-8"

/* Where the German locale comes from; see setup_german_locale(). */
typedef enum
{
  GERMAN_NONE,          /* no way to get one: the German tests skip */
  GERMAN_INSTALLED,     /* de_DE.UTF-8 is installed (or LOCPATH has it) */
  GERMAN_GENERATED,     /* made with localedef into a private LOCPATH */
  GERMAN_LANGUAGE,      /* C.UTF-8 with LANGUAGE=de (no locales package) */
} GermanSource;

static GermanSource german_source = GERMAN_NONE;
static char *german_note;           /* why not de_DE.UTF-8; the skip reason */
static char *generated_locale_dir;  /* the private LOCPATH, removed at exit */

/* The build tree's locale directory (<builddir>/po) and what the library
 * bound its text domain to before the test rebound it there. */
static char *build_locale_dir;
static char *build_mo_file;
static char *library_locale_dir;
static char *library_codeset;

/* ---- locales ------------------------------------------------------------ */

static gboolean
try_german (void)
{
  gboolean ok = setlocale (LC_ALL, GERMAN_LOCALE) != NULL;

  setlocale (LC_ALL, "C");
  return ok;
}

/* A failed assertion aborts the test program before main() can remove
 * the generated locale: a helper removes it once the program is gone,
 * when the write end of its stdin (close-on-exec, so no child holds it)
 * closes. */
static void
start_reaper (const char *dir)
{
  const char *argv[] = {
    "sh", "-c", "cat >/dev/null; exec rm -rf -- \"$1\"", "sh", dir, NULL
  };
  g_autoptr(GError) error = NULL;
  static int stdin_fd = -1;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_SEARCH_PATH |
                                 G_SPAWN_STDOUT_TO_DEV_NULL |
                                 G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, &stdin_fd, NULL, NULL,
                                 &error))
    g_test_message ("%s will not be removed if the test aborts: %s",
                    dir, error->message);
}

/* Runs localedef into a fresh private directory; on success points
 * LOCPATH at it (setlocale() reads LOCPATH on every call, so setting it
 * here, before any thread exists, is enough). Needs no privileges and
 * leaves the system's locales alone. */
static gboolean
generate_german (GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *output = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  dir = g_dir_make_tmp ("spacetest-i18n-XXXXXX", error);
  if (dir == NULL)
    return FALSE;
  generated_locale_dir = g_strdup (dir);
  start_reaper (dir);

  /* An output path with a '/' makes localedef write a locale directory
   * there instead of adding to the system's locale archive. */
  output = g_build_filename (dir, GERMAN_LOCALE, NULL);
  const char *argv[] = {
    "localedef", "-i", "de_DE", "-f", "UTF-8", output, NULL
  };

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                     NULL, NULL, &out, &err, &status, error))
    return FALSE;

  /* Exit status 1 only means warnings were issued; what counts is
   * whether the locale loads. */
  g_setenv ("LOCPATH", dir, TRUE);
  if (try_german ())
    return TRUE;

  g_unsetenv ("LOCPATH");
  g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
               "localedef -i de_DE -f UTF-8 %s (wait status %d) did not "
               "make a usable locale: %s", output, status, g_strstrip (err));
  return FALSE;
}

static void
setup_german_locale (void)
{
  g_autoptr(GError) error = NULL;

  if (try_german ())
    {
      german_source = GERMAN_INSTALLED;
      return;
    }

  /* A g_test_trap_subprocess() child inherits LOCPATH (or LANGUAGE)
   * from its parent and must not generate a locale of its own. */
  if (!g_test_subprocess ())
    {
      if (generate_german (&error))
        {
          german_source = GERMAN_GENERATED;
          return;
        }
    }

  /* Without the locales package (no /usr/share/i18n/locales/de_DE)
   * localedef cannot work; gettext still picks German for LANGUAGE=de
   * in any locale but "C", and C.UTF-8 comes with libc-bin. */
  german_note = g_strdup_printf ("no %s locale: %s", GERMAN_LOCALE,
                                 error ? error->message : "not installed");
  if (setlocale (LC_ALL, "C.UTF-8") != NULL)
    {
      setlocale (LC_ALL, "C");
      german_source = GERMAN_LANGUAGE;
    }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
            !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

/* Switches the whole process to German; FALSE (and the test skipped)
 * when there is no German locale. */
static gboolean
use_german (void)
{
  if (german_source == GERMAN_NONE)
    {
      g_test_skip (german_note);
      return FALSE;
    }

  if (german_source == GERMAN_LANGUAGE)
    {
      g_setenv ("LANGUAGE", "de", TRUE);
      g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
    }
  else
    {
      g_unsetenv ("LANGUAGE");
      g_assert_cmpstr (setlocale (LC_ALL, GERMAN_LOCALE), ==, GERMAN_LOCALE);
    }

  return TRUE;
}

static void
use_c (void)
{
  /* gettext ignores LANGUAGE in the "C" locale; drop it all the same. */
  g_unsetenv ("LANGUAGE");
  g_assert_cmpstr (setlocale (LC_ALL, "C"), ==, "C");
}

/* ---- the text domain ---------------------------------------------------- */

/* The library binds its domain to the installed LOCALEDIR the first time
 * it translates a message. Let that happen, note what it bound, then
 * rebind to the build tree (gettext uses the last binding), so that the
 * uninstalled .mo files are the ones tested. */
static void
bind_build_tree (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;

  if (build_locale_dir != NULL)
    return;

  ns = spacetest_namespace_new_for_fd (-1, &error);
  g_assert_null (ns);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);

  library_locale_dir = g_strdup (bindtextdomain (GETTEXT_PACKAGE, NULL));
  library_codeset = g_strdup (bind_textdomain_codeset (GETTEXT_PACKAGE, NULL));

  build_locale_dir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_assert_cmpstr (bindtextdomain (GETTEXT_PACKAGE, build_locale_dir), ==,
                   build_locale_dir);

  build_mo_file = g_build_filename (build_locale_dir, "de", "LC_MESSAGES",
                                    GETTEXT_PACKAGE ".mo", NULL);
}

/* FALSE (and the test failed) when po/de.po was not compiled: 'meson
 * test' rebuilds only what tests depend on, not the .mo files. */
static gboolean
check_mo_built (void)
{
  if (g_file_test (build_mo_file, G_FILE_TEST_IS_REGULAR))
    return TRUE;

  g_test_fail_printf ("%s is missing: build the whole tree "
                      "(ninja -C <builddir>) before running this test",
                      build_mo_file);
  return FALSE;
}

/* The message of the error spacetest_namespace_new_for_fd (-1) sets. */
static char *
bad_fd_message (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;

  ns = spacetest_namespace_new_for_fd (-1, &error);
  g_assert_null (ns);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  return g_strdup (error->message);
}

/* A message with a translated piece inside: the namespace type. */
static char *
bad_pid_message (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;

  ns = spacetest_namespace_new_for_pid (-5, SPACETEST_NAMESPACE_TYPE_NET,
                                        &error);
  g_assert_null (ns);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  return g_strdup (error->message);
}

#define ENGLISH_BAD_FD  "Invalid file descriptor -1 for a namespace"
#define GERMAN_BAD_FD   "Ungültiger Dateideskriptor -1 für einen Namensraum"
#define ENGLISH_BAD_PID "Invalid process id -5 for a network namespace"
#define GERMAN_BAD_PID  "Ungültige Prozesskennung -5 für einen Netzwerk-Namensraum"

/* ---- tests -------------------------------------------------------------- */

/* The library binds its domain to the installed LOCALEDIR, with UTF-8
 * output whatever the locale's charset. */
static void
test_binding (void)
{
  bind_build_tree ();

  g_assert_cmpstr (library_locale_dir, ==, LOCALEDIR);
  g_assert_cmpstr (library_codeset, ==, "UTF-8");
  g_assert_cmpstr (bindtextdomain (GETTEXT_PACKAGE, NULL), ==,
                   build_locale_dir);
}

static void
test_english (void)
{
  g_autofree char *fd_message = NULL;
  g_autofree char *pid_message = NULL;

  bind_build_tree ();
  use_c ();

  fd_message = bad_fd_message ();
  pid_message = bad_pid_message ();
  g_assert_cmpstr (fd_message, ==, ENGLISH_BAD_FD);
  g_assert_cmpstr (pid_message, ==, ENGLISH_BAD_PID);
}

static void
test_german (void)
{
  g_autofree char *fd_message = NULL;
  g_autofree char *pid_message = NULL;

  bind_build_tree ();
  if (!check_mo_built () || !use_german ())
    return;

  fd_message = bad_fd_message ();
  pid_message = bad_pid_message ();
  use_c ();

  g_assert_cmpstr (fd_message, ==, GERMAN_BAD_FD);
  g_assert_cmpstr (pid_message, ==, GERMAN_BAD_PID);
  /* Bound with codeset UTF-8: "ü" arrives as UTF-8 in any locale. */
  g_assert_true (g_utf8_validate (fd_message, -1, NULL));
}

/* Switching the locale back and forth in one process switches the
 * messages too (gettext's caches follow setlocale()). */
static void
test_switch (void)
{
  bind_build_tree ();
  if (!check_mo_built ())
    return;
  if (german_source == GERMAN_NONE)
    {
      g_test_skip (german_note);
      return;
    }

  for (int round = 0; round < 2; round++)
    {
      g_autofree char *english = NULL;
      g_autofree char *german = NULL;

      use_c ();
      english = bad_fd_message ();
      g_assert_true (use_german ());
      german = bad_fd_message ();
      use_c ();

      g_assert_cmpstr (english, ==, ENGLISH_BAD_FD);
      g_assert_cmpstr (german, ==, GERMAN_BAD_FD);
    }
}

/* The GTest layer's failure report carries the translated message. */
static void
test_test_layer (void)
{
  bind_build_tree ();
  if (g_test_subprocess ())
    {
      g_assert_true (use_german ());
      spacetest_test_current (SPACETEST_NAMESPACE_TYPE_NONE);
      g_assert_not_reached ();
    }

  if (!check_mo_built ())
    return;
  if (german_source == GERMAN_NONE)
    {
      g_test_skip (german_note);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*i18n.c:*spacetest_namespace_new_current() "
                             "braucht genau einen Namensraumtyp aus *, nicht none*");
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* LANGUAGE would override the locale's language for gettext. */
  g_unsetenv ("LANGUAGE");
  setup_german_locale ();
  if (!g_test_subprocess ())
    {
      static const char * const sources[] = {
        "none", "installed", "generated with localedef in ",
        "C.UTF-8 with LANGUAGE=de"
      };
      g_test_message ("German locale: %s%s%s%s", sources[german_source],
                      german_source == GERMAN_GENERATED ? generated_locale_dir
                                                        : "",
                      german_note ? "; " : "",
                      german_note ? german_note : "");
    }

  g_test_add_func ("/spacetest/i18n/binding", test_binding);
  g_test_add_func ("/spacetest/i18n/english", test_english);
  g_test_add_func ("/spacetest/i18n/german", test_german);
  g_test_add_func ("/spacetest/i18n/switch", test_switch);
  g_test_add_func ("/spacetest/i18n/test-layer", test_test_layer);

  ret = g_test_run ();

  setlocale (LC_ALL, "C");
  if (generated_locale_dir != NULL && !g_test_subprocess ())
    remove_tree (generated_locale_dir);
  g_free (generated_locale_dir);
  g_free (german_note);
  g_free (build_locale_dir);
  g_free (build_mo_file);
  g_free (library_locale_dir);
  g_free (library_codeset);

  return ret;
}
