"""gunicorn's settings for `make run` (gunicorn -c archive/gunicorn.conf.py); the command line
adds the address and the number of workers."""

import math
import os

# A worker silent for `timeout` seconds is killed and its request answered with an error. The
# slowest requests are admin uploads, which read their files within ARCHIVE_UPLOAD_SECONDS (20 s
# by default, archive/settings.py), then parse and check them: the timeout stays well above that
# (three times, at least 60 s), so that a slow PDF is a refused file, never a killed worker.
timeout = max(60, 3 * math.ceil(float(os.environ.get("ARCHIVE_UPLOAD_SECONDS", 20))))
