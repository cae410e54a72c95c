"""moto_server, with one cost of the emulator's own removed: the burst benchmark's SQS.

moto 5.x asks every queued message whether it is visible and whether it is delayed
each time a message is sent (SendMessage computes all the queue's attributes, counts
included), and each check builds two datetimes: a SendMessageBatch then costs time in
proportion to the queue's depth (5 ms with an empty queue, 23 ms with 450 messages
waiting, measured on the benchmark machine). Amazon SQS has no such cost. Here the
same two checks read the same clock (milliseconds since the epoch) with `time.time()`;
every answer of the emulator stays the same.

Usage: python bench/moto_sqs_clock.py [moto_server options]
"""

import sys
import time

from moto.server import main
from moto.sqs import models


def _visible(message):
    return time.time() * 1000.0 > message.visible_at


def _delayed(message):
    return time.time() * 1000.0 < message.delayed_until


models.Message.visible = property(_visible)
models.Message.delayed = property(_delayed)

if __name__ == "__main__":
    sys.exit(main())
