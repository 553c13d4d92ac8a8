"""
Durability: the append-only file and its rewrite, RDB snapshots, the save
rules, loading at start-up and the final save at shutdown.

L{Persistence} is a service: C{startService} loads the data (the AOF when
C{appendonly} is on and the file exists, else C{dump.rdb}), opens the log
and starts the periodic work; C{stopService} does the final save.

Nothing here is on a write's path while persistence is off: the factory's
C{propagate} and C{durable} hooks are None then.

Usage::

    factory = MiniRedisFactory(appendonly=True, dir="/var/lib/miniredis")
    Persistence(factory).setServiceParent(application)
"""

import contextlib
import os
import signal
import time

from twisted.application import service
from twisted.internet import defer, task, threads

from miniredis.logging import logger
from miniredis.persistence import aof, files, rdb
from miniredis.persistence.rewrite import Rewrite
from miniredis.resp import ReplyError

log = logger("miniredis.persistence")

BGSAVE_RETRY_DELAY = 5
REWRITE_RETRY_DELAY = 5


class LoadError(Exception):
    """The data files cannot be loaded; the server must not start."""


def thread_runner(clock):
    """
    @return: C{f(callable, *args)} that runs the call in C{clock}'s thread
        pool (a Deferred of its result), or at once for a clock without one
        (C{task.Clock} in tests).
    """
    get_pool = getattr(clock, "getThreadPool", None)
    if get_pool is None:
        return defer.maybeDeferred
    return lambda f, *args: threads.deferToThreadPool(clock, get_pool(), f, *args)


class Persistence(service.Service):
    """
    Durability for one server.

    @ivar factory: the L{miniredis.protocol.MiniRedisFactory}.
    @ivar log: the open L{aof.AppendOnlyFile}, or None.
    @ivar rewrite: the L{Rewrite} in progress, or None.
    @ivar child: C{(pid, started, dirty)} of the BGSAVE child, or None.
    @ivar lastsave: when the last successful save finished (clock seconds).
    @ivar dirty_at_save: C{store.dirty} as of the data of the last save.
    """

    name = "persistence"
    interval = 0.1

    def __init__(self, factory, run_in_thread=None):
        self.factory = factory
        self.config = factory.config
        self.store = factory.store
        self.clock = factory.clock
        self.run_in_thread = run_in_thread or thread_runner(self.clock)
        self.log = None
        self.rewrite = None
        self.rewrite_scheduled = False
        self.child = None
        self.lastsave = self.clock.seconds()
        self.dirty_at_save = self.store.dirty
        self.finished = False
        self.loading = False
        self.stats = {
            "rdb_saves": 0,
            "rdb_last_bgsave_ok": True,
            "rdb_last_bgsave_time_sec": -1,
            "rdb_last_bgsave_try": 0,
            "rdb_last_load_keys_loaded": 0,
            "rdb_last_load_keys_expired": 0,
            "aof_rewrites": 0,
            "aof_last_bgrewrite_ok": True,
            "aof_last_rewrite_time_sec": -1,
            "aof_rewrite_failures": 0,
        }
        self._waiting_bgsave = []
        self._hooked = []
        self._watch = None
        self._last_fsync = 0
        self._last_rewrite_end = 0
        self._cron = task.LoopingCall(self._tick)
        self._cron.clock = self.clock
        factory.persistence = self
        listeners = self.config.listeners
        listeners.setdefault("appendonly", []).append(self._appendonly_changed)
        listeners.setdefault("appendfsync", []).append(self._appendfsync_changed)

    @classmethod
    def of(cls, factory):
        """@return: the L{Persistence} of C{factory}, made if it has none."""
        existing = getattr(factory, "persistence", None)
        return existing if existing is not None else cls(factory)

    # -- paths

    def rdb_path(self):
        return os.path.join(self.config["dir"], self.config["dbfilename"])

    def aof_path(self):
        return os.path.join(self.config["dir"], self.config["appendfilename"])

    # -- the service

    def startService(self):
        service.Service.startService(self)
        try:
            self.load()
            if self.config["appendonly"]:
                self._open_log()
        except (LoadError, OSError) as e:
            log.critical("{error}", error=e)
            raise SystemExit("miniredis: %s" % (e,))
        self._cron.start(self.interval, now=False)

    def stopService(self):
        service.Service.stopService(self)
        if self._cron.running:
            self._cron.stop()
        if not self.finished:
            try:
                self.shutdown(save=bool(self.config["save"]))
            except Exception:
                log.failure("the final save failed")

    # -- loading

    def load(self):
        """
        Load the data files into the (empty) store: the AOF when
        C{appendonly} is on and it exists, else the RDB file if it exists.

        @raise LoadError: when a file cannot be loaded.
        """
        started = time.monotonic()
        path = self.aof_path()
        self.loading = True
        try:
            if self.config["appendonly"] and os.path.exists(path):
                self.load_aof(path)
                source = "append only file"
            elif os.path.exists(self.rdb_path()):
                self.load_rdb(self.rdb_path())
                source = "disk"
            else:
                return
        finally:
            self.loading = False
        self.dirty_at_save = self.store.dirty
        log.info(
            "DB loaded from {source}: {seconds:.3f} seconds, {keys} keys",
            source=source,
            seconds=time.monotonic() - started,
            keys=sum(len(db) for db in self.store.databases),
        )

    def load_rdb(self, path):
        """Load the RDB file at C{path}; @raise LoadError: if it is bad."""
        with open(path, "rb") as f:
            data = f.read()
        try:
            result = rdb.load_rdb(data, self.store, verify=self.config["rdbchecksum"])
        except rdb.RDBError as e:
            raise LoadError("Bad RDB file %s: %s" % (path, e))
        self._loaded(result)
        return result

    def _loaded(self, result):
        """
        Count what a load found, and load its function libraries.

        @raise LoadError: for a library that does not load.
        """
        self.factory.replication.restore(result.aux)
        self.stats["rdb_last_load_keys_loaded"] = result.keys
        self.stats["rdb_last_load_keys_expired"] = result.expired
        if result.functions:
            from miniredis.functions import registry

            try:
                registry(self.factory).load_codes(result.functions)
            except ReplyError as e:
                raise LoadError("Failed loading library, %s" % (e.message,))

    def load_aof(self, path):
        """
        Load the AOF at C{path}. An incomplete command at the end is dropped
        (and cut from the file) when C{aof-load-truncated} is on.

        @raise LoadError: for a bad file, or a truncated one otherwise.
        """
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        if data.startswith(b"REDIS"):
            try:
                # keys past their deadline stay: the commands may use them
                result = rdb.load_rdb(data, self.store, now_ms=0)
            except rdb.RDBError as e:
                raise LoadError("Bad RDB preamble in the AOF %s: %s" % (path, e))
            self._loaded(result)
            start = result.end
        name = os.path.basename(path)
        try:
            with self._quiet():
                result = aof.replay(self.factory, data, start, name)
        except aof.AOFError as e:
            raise LoadError(
                "%s. Make a backup of your AOF file, then use "
                "miniredis-check-aof --fix %s" % (e, path)
            )
        if result.truncated:
            if not self.config["aof-load-truncated"]:
                raise LoadError(
                    "Unexpected end of file reading the append only file %s at "
                    "offset %d. You can: 1) Make a backup of your AOF file, then "
                    "use miniredis-check-aof --fix %s. 2) Alternatively you can "
                    "set the 'aof-load-truncated' configuration option to yes "
                    "and restart the server." % (name, result.end, path)
                )
            log.warn(
                "!!! Warning: short read while loading the AOF file {path}!!! "
                "AOF loaded anyway because aof-load-truncated is enabled: the "
                "incomplete last command ({dropped} bytes from offset {offset}) "
                "was dropped and cut from the file",
                path=path,
                dropped=len(data) - result.end,
                offset=result.end,
            )
            files.truncate(path, result.end)
        if result.errors:
            log.warn(
                "{errors} commands of the AOF answered with an error",
                errors=result.errors,
            )
        return result

    @contextlib.contextmanager
    def _quiet(self):
        """Log nothing while commands of the log itself are replayed."""
        with self.factory.writes.paused():
            yield

    def reload_aof(self):
        """DEBUG LOADAOF: write out the log, empty the store, load the log."""
        path = self.aof_path()
        if self.log is not None:
            self.log.flush()
        elif not os.path.exists(path):
            raise LoadError("no append only file at %s" % (path,))
        self.store.flushall()
        self._flush_libraries()
        self.load_aof(path)

    # -- the log

    def _open_log(self):
        """Open the AOF for appending, writing it from the data if absent."""
        path = self.aof_path()
        if not os.path.exists(path):
            Rewrite(
                self.store,
                path,
                self.clock,
                self.run_in_thread,
                _ignore,
                self._libraries,
            ).run_to_completion()
        self.log = aof.AppendOnlyFile(
            path, self.clock, self.config["appendfsync"], self.run_in_thread
        )
        self._update_hooks()

    def _update_hooks(self):
        """
        Hang the open log and the rewrite in progress, and nothing else, on
        the server's write stream.
        """
        factory = self.factory
        wanted = [job.feed for job in (self.log, self.rewrite) if job is not None]
        for listener in self._hooked:
            if listener not in wanted:
                factory.writes.unlisten(listener)
        for listener in wanted:
            factory.writes.listen(listener)
        self._hooked = wanted
        always = self.log is not None and self.log.policy == "always"
        factory.durable = self.log.durable if always else None

    def _appendonly_changed(self, enabled):
        """
        On: write the current data as a new log (a rewrite), whose end opens
        it. Off: close the log; a rewrite in progress only writes its file.
        """
        if enabled:
            if self.log is None and self.rewrite is None and not self.rewrite_scheduled:
                self.start_rewrite()
        elif self.log is not None:
            self.log.close()
            self.log = None
            self._update_hooks()

    def _appendfsync_changed(self, policy):
        if self.log is not None:
            self.log.policy = policy
            self.log.sync()
            self._update_hooks()

    # -- rewrite

    def start_rewrite(self):
        """
        Start an AOF rewrite at the next reactor turn.

        @raise ReplyError: when one is already in progress.
        """
        if self.rewrite is not None or self.rewrite_scheduled:
            raise ReplyError(
                "ERR Background append only file rewriting already in progress"
            )
        self.rewrite_scheduled = True
        self.clock.callLater(0, self._begin_rewrite)

    def _begin_rewrite(self):
        self.rewrite_scheduled = False
        if self.finished:
            return
        job = Rewrite(
            self.store,
            self.aof_path(),
            self.clock,
            self.run_in_thread,
            self._rewritten,
            self._libraries,
        )
        job.before_slice = self.factory.outbox.flush
        try:
            job.start()
        except OSError as e:
            self._rewritten(job, e)
            return
        self.rewrite = job
        self._update_hooks()
        log.info("Background append only file rewriting started")

    def _rewritten(self, job, error):
        self.rewrite = None
        self._last_rewrite_end = self.clock.seconds()
        seconds = int(self.clock.seconds() - job.started)
        self.stats["aof_last_rewrite_time_sec"] = seconds
        if error is not None:
            self.stats["aof_last_bgrewrite_ok"] = False
            self.stats["aof_rewrite_failures"] += 1
            log.error("Background AOF rewrite failed: {error}", error=error)
        else:
            self.stats["aof_last_bgrewrite_ok"] = True
            self.stats["aof_rewrite_failures"] = 0
            self.stats["aof_rewrites"] += 1
            if self.log is None and self.config["appendonly"]:
                self.log = aof.AppendOnlyFile(
                    job.path, self.clock, self.config["appendfsync"], self.run_in_thread
                )
                self.log.selected = job.selected
            elif self.log is not None:
                self.log.reopen(job.path, job.selected)
            log.info(
                "Background AOF rewrite finished successfully ({size} bytes)",
                size=job.size,
            )
        self._update_hooks()

    def _auto_rewrite_due(self):
        log_ = self.log
        percentage = self.config["auto-aof-rewrite-percentage"]
        if log_ is None or self.rewrite is not None or self.rewrite_scheduled:
            return False
        if not percentage or log_.size <= self.config["auto-aof-rewrite-min-size"]:
            return False
        base = log_.base_size or 1
        return log_.size * 100 // base - 100 >= percentage

    def _enabling_due(self):
        """Whether to try again to write the log C{appendonly} asks for."""
        return (
            self.config["appendonly"]
            and not self.finished
            and self.log is None
            and self.rewrite is None
            and not self.rewrite_scheduled
            and self.clock.seconds() - self._last_rewrite_end >= REWRITE_RETRY_DELAY
        )

    # -- snapshots

    def save(self):
        """
        SAVE: write the RDB file now, on this thread.

        @raise ReplyError: when a BGSAVE is in progress or the write fails.
        """
        if self.child is not None:
            raise ReplyError("ERR Background save already in progress")
        dirty = self.store.dirty
        try:
            self._write_rdb(self.rdb_path())
        except (OSError, rdb.RDBError) as e:
            log.error("Failed saving the DB: {error}", error=e)
            raise ReplyError("ERR")
        self._saved(dirty)
        log.info("DB saved on disk")

    def _write_rdb(self, path):
        checksum = self.config["rdbchecksum"]
        aux = self.factory.replication.save_info()
        files.write_atomically(
            path,
            lambda write: rdb.write_rdb(
                write,
                self.store,
                checksum=checksum,
                aux=aux,
                functions=self._libraries(),
            ),
            "rdb",
        )

    def _libraries(self):
        """@return: the code of each function library."""
        from miniredis.functions import library_codes

        return library_codes(self.factory)

    def _flush_libraries(self):
        """Forget the function libraries, before loading the data files again."""
        libraries = getattr(self.factory, "functions", None)
        if libraries is not None:
            libraries.flush()

    def _saved(self, dirty):
        self.lastsave = self.clock.seconds()
        self.dirty_at_save = dirty
        self.stats["rdb_saves"] += 1

    def bgsave(self):
        """
        BGSAVE: a forked child writes the RDB file from its copy-on-write
        image of the data; a watcher notices when it exits.

        @raise ReplyError: when one is already in progress.
        """
        if self.child is not None:
            raise ReplyError("ERR Background save already in progress")
        path = self.rdb_path()
        dirty = self.store.dirty
        self.stats["rdb_last_bgsave_try"] = self.clock.seconds()
        try:
            pid = os.fork()
        except OSError as e:
            log.error("Can't save in background: fork: {error}", error=e)
            self.stats["rdb_last_bgsave_ok"] = False
            raise ReplyError("ERR Can't save in background: fork: %s" % (e.strerror,))
        if pid == 0:
            self._child_save(path)
        self.child = (pid, self.clock.seconds(), dirty)
        self._watch = task.LoopingCall(self._reap_child)
        self._watch.clock = self.clock
        self._watch.start(self.interval, now=False)
        log.info("Background saving started by pid {pid}", pid=pid)

    def _child_save(self, path):
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            self._write_rdb(path)
            code = 0
        except BaseException as e:
            os.write(2, b"miniredis: background save failed: %r\n" % (e,))
        finally:
            os._exit(code)

    def bgsave_done(self):
        """@return: a Deferred that fires when no BGSAVE is running."""
        if self.child is None:
            return defer.succeed(None)
        d = defer.Deferred()
        self._waiting_bgsave.append(d)
        return d

    def _reap_child(self, block=False):
        """See whether the BGSAVE child is done (wait for it if C{block})."""
        pid, started, dirty = self.child
        try:
            done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done, status = pid, -1
        if done == 0:
            return
        self.child = None
        if self._watch.running:
            self._watch.stop()
        self.stats["rdb_last_bgsave_time_sec"] = int(self.clock.seconds() - started)
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        self.stats["rdb_last_bgsave_ok"] = ok
        if ok:
            self._saved(dirty)
            log.info("Background saving terminated with success")
        else:
            log.error("Background saving error (child status {status})", status=status)
            temp = files.temporary_path(self.rdb_path(), "rdb", pid)
            if os.path.exists(temp):
                os.unlink(temp)
        waiting, self._waiting_bgsave = self._waiting_bgsave, []
        for d in waiting:
            d.callback(None)

    def _kill_child(self):
        os.kill(self.child[0], signal.SIGKILL)
        self._reap_child(block=True)

    def _save_rule_due(self):
        changes = self.store.dirty - self.dirty_at_save
        now = self.clock.seconds()
        if not self.stats["rdb_last_bgsave_ok"]:
            if now - self.stats["rdb_last_bgsave_try"] <= BGSAVE_RETRY_DELAY:
                return False
        for seconds, needed in self.config["save"]:
            if changes >= needed and now - self.lastsave >= seconds:
                return True
        return False

    # -- periodic work

    def _tick(self):
        try:
            if self.child is None and self.config["save"] and self._save_rule_due():
                self.bgsave()
            if self._auto_rewrite_due() or self._enabling_due():
                self.start_rewrite()
            log_ = self.log
            now = self.clock.seconds()
            if log_ is not None and log_.policy == "everysec":
                if now - self._last_fsync >= 1:
                    self._last_fsync = now
                    log_.sync()
        except Exception:
            log.failure("persistence cron failed")

    # -- shutdown

    def shutdown(self, save):
        """
        The last work before the process stops: stop a rewrite or BGSAVE,
        save the RDB file if C{save}, write and fsync the AOF.

        @raise ReplyError: when the save fails (the server keeps running).
        """
        if self.rewrite is not None:
            self.rewrite.abort()
            self.rewrite = None
        if self.child is not None:
            self._kill_child()
        if save:
            log.info("Saving the final RDB snapshot before exiting", event="save")
            self.save()
        if self.log is not None:
            log.info("Writing and fsyncing the append only file", event="aof")
            self.log.close()
            self.log = None
        self._update_hooks()
        self.finished = True

    def reload(self, save=True, flush=True):
        """DEBUG RELOAD: save the RDB file, empty the store, load the file."""
        if save:
            self.save()
        if flush:
            self.store.flushall()
            self._flush_libraries()
        try:
            self.load_rdb(self.rdb_path())
        except (LoadError, OSError) as e:
            log.error("DEBUG RELOAD failed: {error}", error=e)
            raise ReplyError(
                "ERR Error trying to load the RDB dump, check server logs."
            )

    # -- INFO

    def info(self):
        """@return: the fields of INFO's persistence section, in order."""
        stats = self.stats
        now = self.clock.seconds()
        rewrite = self.rewrite
        fields = [
            ("loading", int(self.loading)),
            ("async_loading", 0),
            ("current_cow_peak", 0),
            ("current_cow_size", 0),
            ("current_cow_size_age", 0),
            ("current_fork_perc", "0.00"),
            ("current_save_keys_processed", 0),
            ("current_save_keys_total", 0),
            ("rdb_changes_since_last_save", self.store.dirty - self.dirty_at_save),
            ("rdb_bgsave_in_progress", int(self.child is not None)),
            ("rdb_last_save_time", int(self.lastsave)),
            ("rdb_last_bgsave_status", "ok" if stats["rdb_last_bgsave_ok"] else "err"),
            ("rdb_last_bgsave_time_sec", stats["rdb_last_bgsave_time_sec"]),
            (
                "rdb_current_bgsave_time_sec",
                int(now - self.child[1]) if self.child else -1,
            ),
            ("rdb_saves", stats["rdb_saves"]),
            ("rdb_last_cow_size", 0),
            ("rdb_last_load_keys_expired", stats["rdb_last_load_keys_expired"]),
            ("rdb_last_load_keys_loaded", stats["rdb_last_load_keys_loaded"]),
            ("aof_enabled", int(self.config["appendonly"])),
            ("aof_rewrite_in_progress", int(rewrite is not None)),
            ("aof_rewrite_scheduled", int(self.rewrite_scheduled)),
            ("aof_last_rewrite_time_sec", stats["aof_last_rewrite_time_sec"]),
            (
                "aof_current_rewrite_time_sec",
                int(now - rewrite.started) if rewrite else -1,
            ),
            (
                "aof_last_bgrewrite_status",
                "ok" if stats["aof_last_bgrewrite_ok"] else "err",
            ),
            ("aof_rewrites", stats["aof_rewrites"]),
            ("aof_rewrites_consecutive_failures", stats["aof_rewrite_failures"]),
            (
                "aof_last_write_status",
                "ok" if self.log is None or self.log.last_write_ok else "err",
            ),
            ("aof_last_cow_size", 0),
            ("module_fork_in_progress", 0),
            ("module_fork_last_cow_size", 0),
        ]
        if self.log is not None:
            fields += [
                ("aof_current_size", self.log.size),
                ("aof_base_size", self.log.base_size),
                ("aof_pending_rewrite", int(self.rewrite_scheduled)),
                ("aof_buffer_length", sum(len(b) for b in self.log.buffer)),
                ("aof_pending_bio_fsync", int(self.log.syncing)),
                ("aof_delayed_fsync", 0),
            ]
        return fields


def _ignore(*args):
    pass
