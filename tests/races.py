"""Run actions at the same instant, each in its own thread and connection."""

import threading

from django.db import connections


def run_together(*actions) -> list:
    """Run actions in threads released by one barrier; return the outcomes.

    An action's exception is returned in its place, for the test to judge.
    Each thread closes its database connections when done.
    """
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = action()
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, action))
        for i, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
