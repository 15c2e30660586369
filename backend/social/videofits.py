"""Auto-fit jobs: a video re-encoded for one platform by a Celery worker, never in a request.

`video_fit_request` checks that a fit can remove every problem of the video on the platform (a
400 saying why not otherwise) and queues a job; `video_fit_run` (the task) claims it with a status
compare-and-swap, re-encodes (backend/social/videofit.py) while recording its progress, and adds
the rendition to the organization's media library (source `fitted`), which is then probed like
any upload. A worker that died mid-job leaves it `running`: it is taken again by a redelivered
message once VIDEO_FIT_TIME_LIMIT_SECONDS (the task's time limit) has passed since it started.
"""
from __future__ import annotations

import logging
import os
import tempfile
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.assets.models import MediaAsset
from backend.assets.services import video_asset_create
from backend.core import task_names
from backend.core.exceptions import ValidationFailed
from backend.core.queue import task_enqueue
from backend.core.videos import VideoRejected, video_probe

from .checks import video_info_of
from .models import VideoFitJob
from .platforms.registry import get_service
from .preflight import video_check
from .videofit import VideoFitError, fit_plan, video_fit

logger = logging.getLogger(__name__)

PROGRESS_STEP = 0.05  # the job row is updated at most every 5 %


@transaction.atomic
def video_fit_request(*, asset: MediaAsset, platform: str, mode: str, trim: bool, by: User) -> VideoFitJob:
    """Queue an auto-fit of a video asset for `platform`; ValidationFailed when none would help."""
    service = get_service(platform)
    if not asset.is_video:
        raise ValidationFailed({"asset_id": ["This asset is an image: images are fitted by POST /api/social/preflight/."]})
    problems, fit = video_check(service.requirements, video_info_of(asset))
    if not problems:
        raise ValidationFailed({"asset_id": [f"The video already meets {service.name}'s rules: there is nothing to fit."]})
    if not fit:
        raise ValidationFailed({"asset_id": [problem.message for problem in problems]})
    if fit == "fit_with_trim" and not trim:
        too_long = next(problem.message for problem in problems if problem.code == "video_too_long")
        raise ValidationFailed({"trim": [f"{too_long} Send trim: true to cut it to that length."]})
    job = VideoFitJob.objects.create(
        organization=asset.organization, source=asset, platform=platform, mode=mode, trim=trim, requested_by=by
    )
    task_enqueue(task_names.RUN_VIDEO_FIT, job.pk)
    return job


def video_fit_claim(*, job_id: int) -> bool:
    """Take a queued job (or one whose worker died: running for longer than the task time limit)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.VIDEO_FIT_TIME_LIMIT_SECONDS)
    queued = VideoFitJob.objects.filter(pk=job_id, status=VideoFitJob.Status.QUEUED)
    abandoned = VideoFitJob.objects.filter(pk=job_id, status=VideoFitJob.Status.RUNNING, started_at__lt=stale)
    update = {"status": VideoFitJob.Status.RUNNING, "started_at": now, "progress": 0.0}
    return bool(queued.update(**update) or abandoned.update(**update))


def video_fit_run(*, job_id: int) -> VideoFitJob | None:
    """Run a job; None when it was not ours to run (done, or running elsewhere)."""
    if not video_fit_claim(job_id=job_id):
        return None
    job = VideoFitJob.objects.select_related("source", "requested_by").get(pk=job_id)
    rules = get_service(job.platform).requirements.video
    reported = {"at": 0.0}

    def progress(fraction: float) -> None:
        if fraction - reported["at"] >= PROGRESS_STEP:
            reported["at"] = fraction
            VideoFitJob.objects.filter(pk=job_id, status=VideoFitJob.Status.RUNNING).update(progress=round(fraction, 3))

    fd, output = tempfile.mkstemp(prefix="postloom-fit-", suffix=".mp4")
    os.close(fd)
    try:
        source = job.source.file.path
        info = video_probe(source, poster=False)
        plan = fit_plan(rules, info, mode=job.mode, trim=job.trim)
        video_fit(source=source, destination=output, info=info, plan=plan, progress=progress)
        result = video_asset_create(
            organization=job.organization,
            path=output,
            uploaded_by=job.requested_by,
            original_name=f"{job.platform}-fit.mp4",
            source=MediaAsset.Source.FITTED,
        )
    except (VideoFitError, VideoRejected) as exc:
        return _finish(job, error={"detail": exc.message, "code": "fit_failed"})
    except ValidationFailed as exc:
        messages = [message for values in exc.errors.values() for message in values]
        return _finish(job, error={"detail": " ".join(map(str, messages)), "code": "fit_failed"})
    except Exception:
        logger.exception("Video fit job %s failed", job_id)
        return _finish(job, error={"detail": "The video could not be fitted.", "code": "fit_failed"})
    finally:
        try:
            os.unlink(output)
        except FileNotFoundError:
            pass
    return _finish(job, result=result)


def _finish(job: VideoFitJob, *, result: MediaAsset | None = None, error: dict | None = None) -> VideoFitJob:
    job.status = VideoFitJob.Status.SUCCEEDED if result is not None else VideoFitJob.Status.FAILED
    job.result, job.error, job.finished_at = result, error, timezone.now()
    if result is not None:
        job.progress = 1.0
    job.save(update_fields=["status", "result", "error", "finished_at", "progress"])
    return job
