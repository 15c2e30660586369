"""Media files are written whole or not at all.

Django's FileSystemStorage writes straight into the final file, so a disk that fills up (or turns
read-only) half-way leaves a truncated file behind. Here the bytes go to a temporary file in the
same directory, are flushed to disk, and only then linked under the final name (which fails
rather than overwrite an existing file); on any error the temporary file is removed and the
error (ENOSPC, EROFS, ...) propagates, to become a JSON 507/503 (backend/core/outages.py).
"""
from __future__ import annotations

import os
import tempfile

from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            finally:
                os.umask(old_umask)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".incoming-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                out.flush()
                os.fsync(out.fileno())
            while True:
                try:
                    os.link(temporary, full_path)  # never replaces an existing file
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return str(name).replace("\\", "/")
