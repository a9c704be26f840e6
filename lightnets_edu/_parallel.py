"""Independent jobs side by side on the CPU's cores, each in a forked child process.

Training several seeds, or exporting several networks, are independent jobs:
on a machine with two cores, two of them can run at once. Each job runs in a
child process forked from this one (Linux only: the child starts as a copy of
this process, so a job may be any function, even one defined in a notebook),
runs on one CPU thread, and sends its result back as bytes. Nothing else
changes: a child runs the very code this process would run, so a result is
bitwise the one this process would compute on one thread.
"""

import io
import multiprocessing
import os
import sys
import warnings

import torch


def can_fork():
    """Whether jobs can go to forked children here (Linux; macOS and Windows spawn instead)."""
    return sys.platform.startswith("linux")


def cores():
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def side_by_side(job, items, workers, describe=repr):
    """``[job(item) for item in items]``, computed by up to ``workers`` forked children at once.

    Child ``w`` runs the jobs ``items[w::workers]``, one after another, so a
    one-time cost (the first call of a kernel or an exporter) is paid once per
    child, not once per job. A result must pickle (tensors, numbers, paths,
    plain objects). An exception a job raises is raised here; a child that dies
    without a result (killed, out of memory) raises a RuntimeError that names
    ``describe(item)``. With one worker, or where processes cannot fork, the
    jobs run here, one after another.
    """
    items = list(items)
    workers = max(1, min(workers, len(items)))
    if workers == 1 or not can_fork():
        return [job(item) for item in items]
    context = multiprocessing.get_context("fork")
    results, children = [None] * len(items), []
    try:
        for w in range(workers):
            children.append((w, *_start(context, job, items[w::workers])))
        for w, child, receive in children:
            for i in range(w, len(items), workers):
                results[i] = _receive(child, receive, describe(items[i]))
                if results[i][0] == "error":
                    break  # the child stops at its first error
            child.join()
    finally:  # an error or an interrupt here: stop the jobs still running
        for _, child, _ in children:
            if child.is_alive():
                child.terminate()
                child.join()
    for message in results:
        if message is not None and message[0] == "error":
            raise message[1]
    return [value for _, value in results]


def _start(context, job, items):
    """Fork a child that runs ``job`` on each of ``items``; return it and the end of the pipe its results come on."""
    receive, send = context.Pipe(duplex=False)
    with warnings.catch_warnings():  # Python >= 3.12 warns about forking a process that has threads
        warnings.simplefilter("ignore", DeprecationWarning)
        child = context.Process(target=_run, args=(job, items, send), daemon=True)
        child.start()
    send.close()  # the child holds the writing end now
    return child, receive


def _run(job, items, send):
    """In the child: run the jobs in turn; send back ("ok", result) or ("error", exception) for each, as bytes."""
    # One thread: a forked child must not use the thread pool it inherited from its parent (its
    # threads were not copied, only their locks), which is also why DataLoader workers use one.
    torch.set_num_threads(1)
    try:
        for item in items:
            try:
                message = ("ok", job(item))
            except Exception as err:  # raised again in the parent, with its own message
                message = ("error", err)
            try:
                send.send_bytes(_to_bytes(message))
            except Exception as err:  # a result or an error that does not pickle: say so, in one line
                message = ("error", RuntimeError(f"a job's {'result' if message[0] == 'ok' else 'error'} "
                                                 f"could not be sent back: {err}"))
                send.send_bytes(_to_bytes(message))
            if message[0] == "error":
                return
    finally:
        send.close()


def _receive(child, receive, name):
    try:
        message = torch.load(io.BytesIO(receive.recv_bytes()), weights_only=False)  # from our own child
    except EOFError:  # the child died without a word
        child.join()
        raise RuntimeError(f"{name} ended without a result (its process exited with code {child.exitcode})") from None
    return message


def _to_bytes(message):
    # plain bytes: torch's own pickling for processes would share tensors' memory with a child about to exit
    buffer = io.BytesIO()
    torch.save(message, buffer)
    return buffer.getvalue()
