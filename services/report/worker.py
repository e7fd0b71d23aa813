"""The worker: an asyncio task in the service's lifespan that makes queued documents.

It claims jobs from the database (so jobs left queued or running by a stopped process are
picked up), reads the data through the scoring and survey clients, and renders in a thread
pool so that the event loop keeps answering requests.
"""

import asyncio
import contextlib
import hashlib
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from services.kit.identity import acting_as
from services.kit.problems import Problem
from services.report import clients, content, errors, jobs, render
from services.report.models import DocumentRecord, JobRecord, TemplateRecord
from services.report.settings import ReportSettings

logger = logging.getLogger("jixiao.report")


class Worker:
    """Claims and makes documents, up to `render_threads` at a time."""

    def __init__(
        self,
        sessions: jobs.Sessions,
        settings: ReportSettings,
        scoring: httpx.AsyncClient,
        survey: httpx.AsyncClient,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.scoring = scoring
        self.survey = survey
        self.executor = ThreadPoolExecutor(settings.render_threads, thread_name_prefix="render")
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Look for work now (a job was just queued in this process)."""
        self.wake.set()

    def start(self) -> None:
        """Start the claim loop."""
        self.task = asyncio.create_task(self.run(), name="report-worker")

    async def stop(self) -> None:
        """Stop claiming; jobs being made go back to the queue for the next start."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def run(self) -> None:
        """Claim and make jobs until cancelled, never dying on an error."""
        slots = asyncio.Semaphore(self.settings.render_threads)
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                await slots.acquire()
                self.wake.clear()
                try:
                    claimed = await jobs.claim(self.sessions, self.settings.lease_s)
                except Exception:
                    logger.exception("claiming a job failed")
                    claimed = None
                if claimed is None:
                    slots.release()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), self.settings.poll_interval_s)
                    continue
                task = asyncio.create_task(self.process(*claimed))
                running.add(task)

                def finished(done: asyncio.Task[None]) -> None:
                    running.discard(done)
                    slots.release()

                task.add_done_callback(finished)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def process(self, job_id: uuid.UUID, token: uuid.UUID) -> None:
        """Make one claimed job's document, or record why it could not be made."""
        keeper = asyncio.create_task(self.keep(job_id, token))
        try:
            async with self.sessions() as session:
                job = await session.get(JobRecord, job_id)
                assert job is not None
                template = None
                if job.template_id is not None:
                    template = await session.get(TemplateRecord, job.template_id)
            if job.attempts > self.settings.max_attempts:
                stopped = f"gave up: the process making it stopped {job.attempts - 1} times"
                await jobs.fail(self.sessions, job_id, token, stopped)
                return
            with acting_as(jobs.caller_of(job.caller)):  # read only what the asker may read
                document = await self.make(job, template)
            await jobs.finish(self.sessions, job_id, token, document)
        except asyncio.CancelledError:  # shutting down: the next start makes it at once
            await jobs.release(self.sessions, job_id, token)
            raise
        except errors.UpstreamUnavailable as exc:
            logger.warning("job %s waits for an upstream: %s", job_id, exc.detail)
            await jobs.retry(self.sessions, job_id, token, 2.0)
        except Exception as exc:
            logger.exception("job %s failed", job_id)
            reason = (exc.detail or exc.title) if isinstance(exc, Problem) else repr(exc)
            await jobs.fail(self.sessions, job_id, token, reason)
        finally:
            keeper.cancel()

    async def keep(self, job_id: uuid.UUID, token: uuid.UUID) -> None:
        """Extend the lease of a job being made, so that no other worker takes it over."""
        while True:
            await asyncio.sleep(self.settings.lease_s / 3)
            with contextlib.suppress(Exception):
                await jobs.extend(self.sessions, job_id, token, self.settings.lease_s)

    async def make(self, job: JobRecord, template: TemplateRecord | None) -> DocumentRecord:
        """Read the data, reuse a stored document made from it, or render a new one."""
        evaluation = await clients.evaluation(self.scoring, job.evaluation_id)
        if evaluation.result is None or not evaluation.result.complete:
            raise errors.EvaluationIncomplete("The evaluation is no longer completely scored")
        layout = jobs.template_sha256(template)
        key = jobs.cache_key(
            job.org_id, job.evaluation_id, evaluation.revision, job.kind, job.format, layout
        )
        async with self.sessions() as session:
            stored = await jobs.find_document(session, key)
        if stored is not None:
            return stored
        data = content.report_data(await clients.sources(self.scoring, self.survey, evaluation))
        made = await asyncio.get_running_loop().run_in_executor(
            self.executor,
            render.make,
            job.kind,
            job.format,
            data,
            template.content if template else None,
        )
        fmt = job.format
        return await jobs.store(
            self.sessions,
            DocumentRecord(
                org_id=job.org_id,
                cache_key=key,
                evaluation_id=job.evaluation_id,
                revision=evaluation.revision,
                kind=job.kind,
                format=fmt,
                template_id=job.template_id,
                media_type=render.MEDIA_TYPES[fmt],
                filename=render.filename(data.project_name, job.kind, fmt),
                size_bytes=len(made),
                sha256=hashlib.sha256(made).hexdigest(),
                data_sha256=data.sha256(),
                template_sha256=layout,
                content=made,
            ),
        )
