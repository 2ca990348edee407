"""The per-suite summary table both conformance reports start with."""


def suite_table(results, suites, statuses, unit):
    """Markdown rows: one per suite and one for all, with the count of each
    status (`statuses[0]` is the passing one). `unit` names a case ("Tests")."""
    lines = [f"| Suite | {unit} | Pass | % | " + " | ".join(statuses[1:]) + " |",
             "|---|---|---|---|" + "---|" * (len(statuses) - 1)]
    for suite in list(suites) + ["all"]:
        rows = [r for r in results if suite == "all" or r["suite"] == suite]
        if not rows:
            continue
        counts = {s: sum(r["status"] == s for r in rows) for s in statuses}
        share = 100.0 * counts[statuses[0]] / len(rows)
        lines.append(f"| {suite} | {len(rows)} | {counts[statuses[0]]} | {share:.1f} | " +
                     " | ".join(str(counts[s]) for s in statuses[1:]) + " |")
    return lines
