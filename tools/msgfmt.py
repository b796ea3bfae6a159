#!/usr/bin/env python3
"""Compile a .po file with msgfmt --check into the locale tree, and also to
the path Meson expects as the target's output (Meson wants outputs inside the
current build subdirectory; the server wants <build>/locale/<lang>/...)."""
import os
import shutil
import subprocess
import sys

msgfmt, src, dest, out = sys.argv[1:5]
os.makedirs(os.path.dirname(dest), exist_ok=True)
subprocess.run([msgfmt, "--check", "-o", dest, src], check=True)
shutil.copyfile(dest, out)
