"""Summarises `go test -json` output: failures in full, then how many tests
passed, failed and skipped, and why each skipped (its last log line)."""
import json
import sys
from collections import Counter, defaultdict

out = defaultdict(list)  # (package, test) -> output lines
result = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    ev = json.loads(line)
    test = ev.get("Test")
    if not test:
        continue
    key = (ev["Package"], test)
    if ev["Action"] == "output":
        out[key].append(ev["Output"].rstrip("\n"))
    elif ev["Action"] in ("pass", "fail", "skip"):
        result[key] = ev["Action"]

counts = Counter(result.values())
for key, action in sorted(result.items()):
    if action == "fail":
        print("FAIL %s %s" % key)
        for o in out[key]:
            print("    " + o)

reasons = Counter()
for key, action in result.items():
    if action != "skip":
        continue
    msg = [o.strip() for o in out[key] if o.strip() and not o.startswith(("=== ", "--- "))]
    reason = msg[-1] if msg else "(no message)"
    # "file_test.go:12: message" -> "message"
    parts = reason.split(": ", 1)
    if len(parts) == 2 and ".go:" in parts[0]:
        reason = parts[1]
    reasons["%s: %s" % (key[0].rsplit("/", 1)[-1], reason[:160])] += 1

print("fresh clone: %d tests skipped, by package and reason:" % counts["skip"])
for r, n in reasons.most_common():
    print("  %4d  %s" % (n, r))
print("%d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]))
