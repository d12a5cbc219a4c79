import math

from benchmarks.wrk import parse

REPORT = """Running 3s test @ http://127.0.0.1:41000
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.20ms    2.10ms  31.02ms   90.00%
    Req/Sec     1.30k   100.00     1.50k    80.00%
  Latency Distribution
     50%  812.00us
     75%    6.46ms
     90%   10.87ms
     99%    1.20s
  3901 requests in 3.00s, 61.20MB read
  Socket errors: connect 0, read 4, write 1, timeout 2
  Non-2xx or 3xx responses: 5
Requests/sec:   1300.33
Transfer/sec:     20.40MB
Runs: 420
"""


def test_parse_reads_throughput_latencies_in_ms_and_runs():
    load = parse(REPORT)
    assert (load.requests, load.seconds, load.requests_per_second) == (3901, 3.0, 1300.33)
    assert math.isclose(load.p50_ms, 0.812) and math.isclose(load.p99_ms, 1200.0)
    assert load.runs == 420 and math.isclose(load.runs_per_second, 140.0)


def test_parse_counts_failed_answers_and_connections_as_errors_but_not_closed_reads():
    # Sync workers close every connection: wrk may count those as read errors; they lose nothing.
    assert parse(REPORT).errors == 5 + 0 + 1 + 2


def test_parse_of_a_clean_run_has_no_errors_and_no_runs():
    clean = REPORT.replace("  Socket errors: connect 0, read 4, write 1, timeout 2\n", "")
    clean = clean.replace("  Non-2xx or 3xx responses: 5\n", "").replace("Runs: 420\n", "")
    load = parse(clean)
    assert load.errors == 0 and load.runs is None and load.runs_per_second is None
