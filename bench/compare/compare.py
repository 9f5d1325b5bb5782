"""Prints one table: ai4s (bench.json from `ai4s bench`) next to the peers (JSON lines).

Usage: python compare.py runs/bench/bench.json peers.jsonl [backend]
Speed ratio = how many times faster ai4s is (throughput: ours / theirs; times: theirs / ours);
> 1 means ai4s is faster.
"""
import json
import sys

ours = json.load(open(sys.argv[1]))
peers = [json.loads(l) for l in open(sys.argv[2]) if l.strip().startswith("{")]
backend = sys.argv[3] if len(sys.argv) > 3 else "flex"
by_name = {}
for o in ours:
    if o["backend"] in (backend, "host"):
        by_name.setdefault(o["name"], o)
print(f"| item | ai4s ({backend}) | peer | peer value | speed ratio (>1: ai4s faster) |")
print("|---|---|---|---|---|")
for p in peers:
    name = p["name"]
    o = by_name.get(name) or by_name.get(name.replace("_raw", ""))
    if o is None:
        continue
    if p["unit"] == "s":
        ratio = p["value"] / o["value"]
    else:
        ratio = o["value"] / p["value"]
    print(f"| {name} | {o['value']:.4g} {o['unit']} | {p['peer']} | {p['value']:.4g} {p['unit']} | {ratio:.2f} |")
