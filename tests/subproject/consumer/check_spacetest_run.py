# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The dependency variable spacetest_run is the path of spacetest-run."""

import os
import sys

path = sys.argv[1]
if not (os.path.isabs(path) and os.path.basename(path) == 'spacetest-run'):
    sys.exit('spacetest_run is not a path to spacetest-run: %r' % path)
print('spacetest_run =', path)
