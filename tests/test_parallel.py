"""lightnets_edu._parallel: jobs in forked children give what the loop here gives, in order, errors included."""

import os
import sys
import threading

import pytest
import torch

from lightnets_edu import _parallel

pytestmark = pytest.mark.skipif(not _parallel.can_fork(), reason="jobs go to forked children only on Linux")


def test_results_come_back_in_order_with_more_jobs_than_children():
    def job(n):
        return n, os.getpid(), torch.arange(n).sum()  # a tensor travels back too
    results = _parallel.side_by_side(job, range(7), workers=3)
    assert [n for n, _, _ in results] == list(range(7))
    assert [int(total) for _, _, total in results] == [sum(range(n)) for n in range(7)]
    pids = {pid for _, pid, _ in results}
    assert len(pids) == 3 and os.getpid() not in pids  # three children, none of them this process


def test_a_child_computes_bitwise_what_one_thread_here_computes():
    x = torch.randn(64, 256, generator=torch.Generator().manual_seed(0))
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        here = (x @ x.T).softmax(dim=1)
    finally:
        torch.set_num_threads(old)
    there, _ = _parallel.side_by_side(lambda _: (x @ x.T).softmax(dim=1), [None, None], workers=2)  # in children
    assert torch.equal(here, there)


def test_the_error_of_a_job_is_raised_here():
    def job(n):
        if n == 4:
            raise ValueError(f"n={n} is not allowed")
        return n
    with pytest.raises(ValueError, match="n=4 is not allowed"):
        _parallel.side_by_side(job, range(6), workers=2)


def test_a_result_that_does_not_pickle_is_named():
    with pytest.raises(RuntimeError, match="result could not be sent back"):
        _parallel.side_by_side(lambda _: threading.Lock(), [1, 2], workers=2)


def test_a_child_that_dies_is_named():
    with pytest.raises(RuntimeError, match=r"job 2 ended without a result \(its process exited with code 5\)"):
        _parallel.side_by_side(lambda n: os._exit(5) if n == 2 else n, range(3), workers=3,
                               describe=lambda n: f"job {n}")


def test_one_worker_runs_the_jobs_here():
    assert _parallel.side_by_side(lambda _: os.getpid(), range(3), workers=1) == [os.getpid()] * 3


def test_cores_counts_what_this_process_may_use():
    assert 1 <= _parallel.cores() <= (os.cpu_count() or 1)
    assert _parallel.can_fork() == sys.platform.startswith("linux")
