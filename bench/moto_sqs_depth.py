"""What a SendMessageBatch of 3 entries costs an SQS emulator as its queue fills.

Starts the server given on the command line on a free port, fills one queue to 0, 150,
450 and 900 messages, and prints the mean of 20 calls at each depth (BENCHMARKS.md,
"Bursts"). Needs boto3 (the venv of scripts/tools.sh has it):

    ~/.cache/booxi-notify/venv/bin/python bench/moto_sqs_depth.py ~/.cache/booxi-notify/venv/bin/moto_server
    ~/.cache/booxi-notify/venv/bin/python bench/moto_sqs_depth.py ~/.cache/booxi-notify/venv/bin/python bench/moto_sqs_clock.py
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    server = subprocess.Popen(
        sys.argv[1:] + ["-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        os.environ.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
        queue = sqs.create_queue(QueueName="depth")["QueueUrl"]
        entries = [{"Id": str(i), "MessageBody": "x" * 1500} for i in range(3)]
        depth = 0
        for target in (0, 150, 450, 900):
            while depth < target:
                sqs.send_message_batch(QueueUrl=queue, Entries=entries)
                depth += 3
            started = time.perf_counter()
            for _ in range(20):
                sqs.send_message_batch(QueueUrl=queue, Entries=entries)
            depth += 60
            mean = (time.perf_counter() - started) / 20 * 1000
            print(f"{target:4} messages waiting: SendMessageBatch of 3, {mean:.1f} ms")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
