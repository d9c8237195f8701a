"""The queue's peers, measured the way `imagegen-benchmark queue-throughput` measures the library: a table (or broker)
loaded with JOBS no-op jobs before any consumer starts, then CONSUMERS worker processes that claim and complete them,
timed from the consumers' start until the last job is done. Run by `Benchmarks/run.sh queue`, from a venv it makes:

    python peers.py pgqueuer      --dsn URL   --jobs N --consumers 4 --batch 100
    python peers.py procrastinate --dsn URL   --jobs N --consumers 4 --batch 100
    python peers.py celery        --redis URL --jobs N --consumers 4 --batch 100

Each prints one line: `<peer>: claim+complete <jobs/s> jobs/s (<jobs> jobs, <consumers> consumers, ...)`. The
configurations are each library's documented fast path: PgQueuer's batch dequeue (`batch_size`), procrastinate's
asynchronous worker with `concurrency` (it claims a job per slot), Celery's prefork workers with prefetch and late ack
off (its default), the broker Redis.
"""

import argparse
import asyncio
import logging
import multiprocessing
import sys
import time


# ---- PgQueuer ----------------------------------------------------------------------------------------------------

async def pgqueuer_setup(dsn: str, jobs: int) -> None:
    import asyncpg
    from pgqueuer.db import AsyncpgDriver
    from pgqueuer.queries import Queries

    connection = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(connection))
    await queries.install()
    for start in range(0, jobs, 1000):
        count = min(1000, jobs - start)
        await queries.enqueue(["noop"] * count, [None] * count, [0] * count)
    await connection.close()


def pgqueuer_consume(dsn: str, batch: int) -> None:
    async def run() -> None:
        import asyncpg
        from pgqueuer.db import AsyncpgDriver
        from pgqueuer.qm import QueueManager
        from pgqueuer.queries import Queries
        from pgqueuer.types import QueueExecutionMode

        connection = await asyncpg.connect(dsn)
        manager = QueueManager(Queries(AsyncpgDriver(connection)))

        @manager.entrypoint("noop")
        async def noop(job) -> None:
            return None

        await manager.run(batch_size=batch, mode=QueueExecutionMode.drain)
        await connection.close()

    asyncio.run(run())


# ---- procrastinate -----------------------------------------------------------------------------------------------

def procrastinate_app(dsn: str):
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))

    @app.task(name="noop")
    async def noop() -> None:
        return None

    return app, noop


async def procrastinate_setup(dsn: str, jobs: int) -> None:
    app, noop = procrastinate_app(dsn)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        for start in range(0, jobs, 1000):
            await noop.batch_defer_async(*([{}] * min(1000, jobs - start)))


def procrastinate_consume(dsn: str, batch: int) -> None:
    async def run() -> None:
        app, _ = procrastinate_app(dsn)
        async with app.open_async():
            await app.run_worker_async(concurrency=batch, wait=False, install_signal_handlers=False)

    asyncio.run(run())


# ---- Celery with Redis -------------------------------------------------------------------------------------------

def celery_app(broker: str):
    from celery import Celery

    app = Celery("peers", broker=broker)
    app.conf.update(worker_prefetch_multiplier=100, task_ignore_result=True, worker_hijack_root_logger=False,
                    broker_connection_retry_on_startup=True, worker_send_task_events=False)

    @app.task(name="noop")
    def noop() -> None:
        _redis(broker).incr("peers:done")

    return app, noop


_redis_client = None


def _redis(url: str):
    global _redis_client
    if _redis_client is None:
        import redis
        _redis_client = redis.Redis.from_url(url)
    return _redis_client


def celery_setup(broker: str, jobs: int) -> None:
    app, noop = celery_app(broker)
    _redis(broker).flushdb()
    with app.producer_or_acquire() as producer:
        for _ in range(jobs):
            noop.apply_async(producer=producer)


def celery_consume(broker: str, batch: int, jobs: int) -> None:
    app, _ = celery_app(broker)
    worker = app.Worker(concurrency=batch, pool="prefork", loglevel="WARNING", quiet=True, without_heartbeat=True,
                        without_mingle=True, without_gossip=True)
    import os
    import signal
    import threading

    def stop_when_done() -> None:
        while int(_redis(broker).get("peers:done") or 0) < jobs:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)  # Celery's warm shutdown

    threading.Thread(target=stop_when_done, daemon=True).start()
    try:
        worker.start()
    except SystemExit:
        pass


async def unfinished(args) -> int:
    """Jobs the consumers left: PgQueuer deletes a finished job from its queue table, procrastinate marks it."""
    import asyncpg

    connection = await asyncpg.connect(args.dsn)
    sql = ("SELECT count(*) FROM pgqueuer" if args.peer == "pgqueuer"
           else "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'")
    left = await connection.fetchval(sql)
    await connection.close()
    return left


# ---- the measurement ---------------------------------------------------------------------------------------------

def main() -> None:
    logging.getLogger("procrastinate").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("peer", choices=["pgqueuer", "procrastinate", "celery"])
    parser.add_argument("--dsn")
    parser.add_argument("--redis")
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    if args.peer == "pgqueuer":
        asyncio.run(pgqueuer_setup(args.dsn, args.jobs))
        target, target_args, how = pgqueuer_consume, (args.dsn, args.batch), f"batch_size {args.batch}"
    elif args.peer == "procrastinate":
        asyncio.run(procrastinate_setup(args.dsn, args.jobs))
        target, target_args, how = procrastinate_consume, (args.dsn, args.batch), f"concurrency {args.batch} each"
    else:
        celery_setup(args.redis, args.jobs)
        # One Celery worker process runs `consumers` prefork children.
        target, target_args, how = celery_consume, (args.redis, args.consumers, args.jobs), f"prefork, prefetch 100"

    processes = [multiprocessing.Process(target=target, args=target_args)
                 for _ in range(1 if args.peer == "celery" else args.consumers)]
    start = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - start
    if any(process.exitcode != 0 for process in processes):
        sys.exit(f"{args.peer}: a consumer failed")
    left = asyncio.run(unfinished(args)) if args.peer != "celery" else args.jobs - int(_redis(args.redis).get("peers:done") or 0)
    if left:
        sys.exit(f"{args.peer}: {left} jobs left unfinished")
    print(f"{args.peer}: claim+complete {args.jobs / elapsed:.0f} jobs/s "
          f"({args.jobs} jobs, {args.consumers} consumers, {how}, {elapsed:.2f} s)")


if __name__ == "__main__":
    main()
