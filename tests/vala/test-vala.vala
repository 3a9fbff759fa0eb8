/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-vala.vala: spacetest-glib-1.vapi used from Vala
 *
 * Transient namespaces and guards, a thread made in them, a spacer with a subspace and its rooms,
 * a veth pair, and errors caught by their Spacetest.Error code. As root or,
 * through Spacetest.init_user_namespace(), as any other user.
 */

using Spacetest;

/* Why unprivileged mode could not be set up, for skip messages. */
static string? userns_failure = null;

/* The calling thread's namespace of type @name, as "net:[INODE]". */
static string thread_ns (string name) {
    try {
        return FileUtils.read_link ("/proc/thread-self/ns/" + name);
    } catch (FileError e) {
        error ("%s", e.message);
    }
}

/* Skips the test unless this process can create namespaces of @types, or
 * fails it with SPACETEST_REQUIRE=1 (spacetest_test_require() in Vala). */
static bool require (NamespaceType types) {
    try {
        Spacetest.check_can_create (types);
        return true;
    } catch (GLib.Error e) {
        var reason = e.message;
        if (userns_failure != null)
            reason += " (unprivileged mode failed: %s)".printf (userns_failure);
        if (Environment.get_variable ("SPACETEST_REQUIRE") == "1") {
            Test.message ("%s", reason);
            Test.fail ();
        } else {
            Test.skip (reason);
        }
        return false;
    }
}

static void test_enter_transient () {
    if (!require (NamespaceType.NET))
        return;

    var before = thread_ns ("net");
    try {
        Guard guard = Spacetest.enter_transient (NamespaceType.NET,
                                                 TransientFlags.LOOPBACK_UP);
        assert (thread_ns ("net") != before);
        assert (!guard.is_restored ());
        assert (guard.get_namespace_types () == NamespaceType.NET);
        var netns = guard.get_namespace (NamespaceType.NET);
        assert (netns != null && netns.is_current ());
        assert (thread_ns ("net") == "net:[%llu]".printf (netns.get_inode ()));

        assert (guard.restore ());
        assert (guard.is_restored ());
    } catch (GLib.Error e) {
        error ("%s", e.message);
    }
    assert (thread_ns ("net") == before);
}

static void test_thread () {
    if (!require (NamespaceType.NET))
        return;

    try {
        var netns = new Namespace.transient (NamespaceType.NET,
                                             TransientFlags.LOOPBACK_UP);
        Namespace[] namespaces = { netns };
        /* An owned delegate (scope async) with a captured local. */
        string inside = "";
        var thread = Spacetest.thread_new ("vala", namespaces, () => {
            inside = thread_ns ("net");
            return null;
        });
        thread.join ();
        assert (inside == "net:[%llu]".printf (netns.get_inode ()));
        assert (inside != thread_ns ("net"));
    } catch (GLib.Error e) {
        error ("%s", e.message);
    }
}

static void test_spacer () {
    /* The spacer makes the user and PID namespaces; here: the rooms. */
    if (!require (NamespaceType.NET))
        return;

    try {
        var spacer = new Spacer ();
        assert (spacer.get_pid () > 0);

        var sub = spacer.subspace (NamespaceType.USER | NamespaceType.PID);
        assert (sub.user_namespace != null);
        assert (sub.pid_namespace != null);

        GenericArray<weak Namespace> rooms = sub.rooms (NamespaceType.NET);
        assert (rooms.length == 1);
        Namespace room = rooms[0];
        assert (room.get_namespace_type () == NamespaceType.NET);
        assert (!room.is_current ());

        /* A delegate that runs inside the room, with a captured local. */
        string inside = "";
        room.execute (() => { inside = thread_ns ("net"); });
        assert (inside == "net:[%llu]".printf (room.get_inode ()));
        assert (inside != thread_ns ("net"));

        assert (sub.close ());
        assert (spacer.close ());
    } catch (GLib.Error e) {
        error ("%s", e.message);
    }
}

static void test_link () {
    if (!require (NamespaceType.NET))
        return;

    var before = thread_ns ("net");
    try {
        var a = new Namespace.transient (NamespaceType.NET, TransientFlags.NONE);
        var b = new Namespace.transient (NamespaceType.NET, TransientFlags.NONE);
        Link peer;
        var link = new Link.veth (a, "vala0", b, null, out peer);
        assert (link.get_name () == "vala0");
        assert (link.get_namespace ().equal (a));
        assert (peer.get_namespace ().equal (b));

        assert (link.add_address ("192.0.2.1/24"));
        assert (peer.add_address ("2001:db8::2/64"));
        string[] addresses = link.dup_addresses ();
        assert ("192.0.2.1/24" in addresses);
        assert ("2001:db8::2/64" in peer.dup_addresses ());
    } catch (GLib.Error e) {
        error ("%s", e.message);
    }
    assert (thread_ns ("net") == before);
}

static void test_errors () {
    /* Not a namespace: no privileges needed. */
    try {
        new Namespace.for_path ("/dev/null");
        assert_not_reached ();
    } catch (Spacetest.Error.NOT_A_NAMESPACE e) {
        assert (e.domain == Spacetest.Error.quark ());
        assert (e.matches (Spacetest.Error.quark (),
                           Spacetest.Error.NOT_A_NAMESPACE));
    } catch (GLib.Error e) {
        error ("unexpected error: %s", e.message);
    }

    if (!require (NamespaceType.NET | NamespaceType.UTS))
        return;

    /* A veth end in a UTS namespace. */
    try {
        var net = new Namespace.transient (NamespaceType.NET, TransientFlags.NONE);
        var uts = new Namespace.transient (NamespaceType.UTS, TransientFlags.NONE);
        Link peer;
        new Link.veth (net, null, uts, null, out peer);
        assert_not_reached ();
    } catch (GLib.Error e) {
        assert (e is Spacetest.Error);
        assert (e.code == Spacetest.Error.INVALID_ARGUMENT);
    }
}

int main (string[] args) {
    /* First thing, while the process has one thread: without privileges,
     * spacetest's unprivileged mode (as spacetest_test_init() does);
     * a no-op as root. SPACETEST_USERNS=0 turns it off. */
    if (Environment.get_variable ("SPACETEST_USERNS") != "0") {
        try {
            Spacetest.init_user_namespace ();
        } catch (GLib.Error e) {
            userns_failure = e.message;
        }
    }

    Test.init (ref args);
    Test.add_func ("/spacetest/vala/enter-transient", test_enter_transient);
    Test.add_func ("/spacetest/vala/thread", test_thread);
    Test.add_func ("/spacetest/vala/spacer", test_spacer);
    Test.add_func ("/spacetest/vala/link", test_link);
    Test.add_func ("/spacetest/vala/errors", test_errors);
    return Test.run ();
}
