#!/usr/bin/env python3
"""The dashboard check of tests/ReMiT.Cluster.Tests/Metrics/DashboardMetricsTests.cs, run on what a real
cluster served: every remit_* series that a query of the Grafana dashboard names (every "expr", "query"
and "definition" string, wherever nested, as the test collects them) must appear in the Prometheus text
scraped from the nodes' /metrics during the run (pod_runner.py writes one file per node, port and
container start; a series counts when any of them served it).

Usage: dashboard_series.py DASHBOARD.json SCRAPE_DIR   (prints a summary; exit 1 naming what is missing)
"""
import glob
import json
import os
import re
import sys

METRIC_NAME = re.compile(r"remit_[a-z0-9_]+")
EXPORTED = re.compile(r"^(remit_[a-z0-9_]+)[{ ]", re.M)


def expressions(node, into):
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and k in ("expr", "query", "definition"):
                into.append(v)
            else:
                expressions(v, into)
    elif isinstance(node, list):
        for item in node:
            expressions(item, into)
    return into


def main():
    dashboard, scrape_dir = sys.argv[1], sys.argv[2]
    referenced = {m for e in expressions(json.load(open(dashboard)), []) for m in METRIC_NAME.findall(e)}
    files = sorted(glob.glob(os.path.join(scrape_dir, "*.prom")))
    if not files:
        print(f"no scrape in {scrape_dir}")
        sys.exit(1)
    served = set()
    for f in files:
        served |= set(EXPORTED.findall(open(f).read()))
    missing = sorted(referenced - served)
    if missing:
        print(f"the dashboard queries {len(missing)} series no node served: {', '.join(missing)} "
              f"({len(files)} scrapes in {scrape_dir})")
        sys.exit(1)
    print(f"the dashboard's {len(referenced)} series were all served ({len(files)} scrapes, one per node and container start; {len(served)} remit_* series)")


if __name__ == "__main__":
    main()
