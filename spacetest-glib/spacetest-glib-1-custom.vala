/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hand-written parts of spacetest-glib-1.vapi that the GIR cannot say. */

namespace Spacetest {
	/* The thread function lives as long as the thread (scope async), as
	 * in GLib.Thread's own constructor: Vala needs an owned delegate and
	 * the thread's result type; GLib.ThreadFunc<void*> as in GLib.Thread. */
	[CCode (cheader_filename = "spacetest-glib/spacetest-glib.h")]
	[Version (since = "0.1")]
	public static GLib.Thread<void*> thread_new (string? name, [CCode (array_length_cname = "n_namespaces", array_length_pos = 2.5, array_length_type = "guint")] Spacetest.Namespace[]? namespaces, owned GLib.ThreadFunc<void*> func) throws GLib.Error;
}
