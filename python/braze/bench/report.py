"""What `braze bench` writes: results.json, results.md (tables) and latency.png.

Ratios are latency ratios: a system's median divided by the baseline's
(plain IREE, onnxruntime) at the same thread count, so below 1 is faster.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..profile import TRANSPOSE_LIKE, Profile

FILES = ("results.json", "results.md", "latency.png")

TRANSPOSE_RULE = (
    "a dispatch is *transpose-like* when its executable only moves data: no arith/math op "
    "other than constants and index arithmetic, and no linalg op other than generic, "
    "transpose, copy, broadcast, pack/unpack (classified from iree-compile's "
    "--iree-hal-dump-executable-sources-to, per dispatch site)")


LAYOUT_NOTE = (
    " Layout table: braze's explicit layout transformations (braze.relayout, transpose and "
    "reshape ops) in the imported model and after each optimisation level's passes (relayouts "
    "that stay are where channels-last regions meet logical order or the function boundary), "
    "and the transpose-like dispatches among the dispatches each call runs in what IREE "
    "compiled (then those IREE runs once when the module loads: hoisted constant "
    "expressions, weights packed for data tiling); the last column is their share of "
    "braze (all)'s dispatch time in its 1-thread profile")

PROFILE_NOTE = (
    "Where braze (all) spends its time, per call at 1 thread (IREE host-execution profiling "
    "through iree-benchmark-module; `braze run MODEL.vmfb --profile` prints the same for any "
    "module; the slowest dispatches of each model are in results.md):")


def check_plotting() -> None:
    """matplotlib is a `bench` extra: say how to get it before an hour of measuring."""
    if importlib.util.find_spec("matplotlib") is None:
        from .runner import BenchError

        raise BenchError("the latency plot needs matplotlib: pip install 'braze[bench]'")


# ---------------------------------------------------------------- flags

def flags(result: dict) -> list[str]:
    """Every system that disagrees with onnxruntime, failed, or is missing, one line each."""
    found = []
    for model in result["models"]:
        for entry in model["systems"].values():
            where = f"{model['name']} / {entry['label']}"
            numerics = entry.get("numerics")
            if numerics and not numerics["ok"]:
                found.append(f"{where}: outputs disagree with onnxruntime (max relative error "
                             f"{_sci(numerics.get('max_rel_err'))} > tolerance "
                             f"{_sci(result['settings']['tolerance'])})")
            if entry["status"] != "ok":
                found.append(f"{where}: {entry['status']}: {_one_line(entry.get('error'))}")
    return found


def _one_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else ""


# ---------------------------------------------------------------- JSON

def write_all(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=1, default=_json_default) + "\n")
    (out / "results.md").write_text(markdown(result))
    plot(result, out / "latency.png")


def _json_default(value):
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# ---------------------------------------------------------------- Markdown

def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _sci(value: float | None) -> str:
    return "—" if value is None else f"{value:.1e}"


def _latency(run: dict | None, wrong: bool) -> str:
    if not run or "median_ms" not in run:
        return "—"
    text = f"{_ms(run['median_ms'])} ({_ms(run['min_ms'])}–{_ms(run['max_ms'])})"
    return f"{text} ✗" if wrong else text


def _ratio(run: dict | None, base: dict | None) -> str:
    if not run or not base or "median_ms" not in run or "median_ms" not in base:
        return "—"
    return f"{run['median_ms'] / base['median_ms']:.2f}"


def _pair(values: list[str]) -> str:
    return " / ".join(values) if any(v != "—" for v in values) else "—"


def latency_table(result: dict) -> str:
    threads = [str(t) for t in result["settings"]["threads"]]
    tlabel = " / ".join(f"{t}t" for t in threads)
    head = ["model", "system", *(f"{t} thread{'s' if t != '1' else ''}: ms median (min–max)"
                                 for t in threads),
            f"vs IREE ({tlabel})", f"vs onnxruntime ({tlabel})", "dispatches (transpose-like)",
            f"peak MiB ({tlabel})", "compile s", "numerics (max rel. err)"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for model in result["models"]:
        systems = model["systems"]
        iree, ort = systems.get("iree", {}).get("threads", {}), systems.get("ort", {}).get("threads", {})
        for system_id, entry in systems.items():
            runs = entry.get("threads", {})
            numerics = entry.get("numerics")
            wrong = bool(numerics) and not numerics["ok"]
            if entry["status"] != "ok" and not runs:
                status = "not installed" if entry["status"] == "not installed" else "failed"
                reason = _one_line(entry.get("error"))
                rows.append(f"| {model['name']} | {entry['label']} | {status}: "
                            f"{_escape(reason)[:120]} |" + " |" * (len(head) - 3))
                continue
            dispatches = "—"
            if entry.get("dispatches") is not None:
                moving = entry.get("transpose_like_dispatches")
                dispatches = f"{entry['dispatches']} ({'?' if moving is None else moving})"
            peak = _pair([f"{runs[t]['peak_rss_mib']:.0f}" if "peak_rss_mib" in runs.get(t, {})
                          else "—" for t in threads])
            check = "—" if not numerics else \
                f"{'✓' if numerics['ok'] else '✗ FAIL'} {_sci(numerics.get('max_rel_err'))}"
            compile_s = f"{entry['compile_s']:.1f}" if entry.get("compile_s") is not None else "—"
            rows.append("| " + " | ".join([
                model["name"], entry["label"],
                *(_latency(runs.get(t), wrong) for t in threads),
                _pair([_ratio(runs.get(t), iree.get(t)) for t in threads]),
                _pair([_ratio(runs.get(t), ort.get(t)) for t in threads]),
                dispatches, peak, compile_s, check]) + " |")
    return "\n".join(rows)


def model_table(result: dict) -> str:
    threads = [str(t) for t in result["settings"]["threads"]]
    tlabel = " / ".join(f"{t}t" for t in threads)
    rows = [f"| model | input | GFLOP | roofline lower bound ms ({tlabel}) | fastest ({tlabel}) |",
            "|---|---|---|---|---|"]
    for model in result["models"]:
        shapes = ", ".join(f"{name} {'x'.join(map(str, shape))}"
                           for name, shape in model["inputs"].items())
        gflop = f"{model['flops'] / 1e9:.2f}" if model.get("flops") else "—"
        roofline = _pair([_ms(model.get("roofline_ms", {}).get(t)) for t in threads])
        fastest = []
        for t in threads:
            best = [(entry["threads"][t]["median_ms"], entry["label"])
                    for entry in model["systems"].values()
                    if "median_ms" in entry.get("threads", {}).get(t, {})
                    and (entry.get("numerics") or {}).get("ok")]
            fastest.append(f"{min(best)[1]} {_ms(min(best)[0])}" if best else "—")
        rows.append(f"| {model['name']} | {shapes} | {gflop} | {roofline} | {' / '.join(fastest)} |")
    return "\n".join(rows)


def _layout_counts(counts: dict | None) -> str:
    from ..compiler import LAYOUT_OPS

    return "—" if counts is None else " / ".join(str(counts.get(name, 0)) for name in LAYOUT_OPS)


def layout_table(result: dict) -> str:
    """Layout transformations before and after braze's passes, one row per model: braze's
    explicit layout ops (as imported, then after each braze level) and the transpose-like
    dispatches in IREE's output (plain IREE, each braze level), with the share of braze
    (all)'s time they take in its profile. Empty without IREE-based systems."""
    braze = [s for s in result["systems"] if s.startswith("braze:")]
    compiled = [s for s in ("iree", *braze) if s in result["systems"]]
    if not compiled:
        return ""
    label = {s: result["systems"][s]["label"] for s in compiled}
    profiled = next((m["profile"]["label"] for m in result["models"]
                     if m.get("profile", {}).get("label")), None)
    head = ["model"]
    if braze:
        head += ["braze layout ops as imported (relayout / transpose / reshape)",
                 *(f"after {label[s]}" for s in braze)]
    head += [f"transpose-like dispatches: {label[s]}" for s in compiled]
    if profiled:
        head.append(f"transpose-like time, {profiled}, 1 thread")
    rows = ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
    for model in result["models"]:
        systems = model["systems"]
        cells = [model["name"]]
        if braze:
            imported = next((systems[s]["layout_ops"]["imported"] for s in braze
                             if systems.get(s, {}).get("layout_ops")), None)
            cells += [_layout_counts(imported),
                      *(_layout_counts((systems.get(s, {}).get("layout_ops") or {}).get("optimised"))
                        for s in braze)]
        cells += [_transpose_like(systems.get(system_id, {})) for system_id in compiled]
        if profiled:
            cells.append(_transpose_time(model.get("profile")))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _transpose_like(entry: dict) -> str:
    """`1 of 40`: transpose-like dispatch sites among those that run per call; load-time
    ones (initialisers, weight encodings) after a `+`."""
    if entry.get("dispatches") is None:
        return "—"
    moving = entry.get("transpose_like_dispatches")
    if moving is None:
        return f"? of {entry['dispatches']}"
    at_load, moving_at_load = (entry.get("load_time_dispatches", 0),
                               entry.get("load_time_transpose_like", 0))
    text = f"{moving - moving_at_load} of {entry['dispatches'] - at_load}"
    return text + (f" (+{moving_at_load} of {at_load} at load)" if at_load else "")


def _transpose_time(profiled: dict | None) -> str:
    if not profiled or "error" in profiled or not profiled.get("total_ms"):
        return "—"
    ms = profiled["by_kind_ms"].get(TRANSPOSE_LIKE, 0.0)
    return f"{_ms(ms)} ms ({100.0 * ms / profiled['total_ms']:.1f} %)"


PROFILE_TOP = 10


def profile_lines(result: dict) -> list[str]:
    """One line per profiled model: braze (all)'s dispatch time by kind."""
    lines = []
    for model in result["models"]:
        profiled = model.get("profile")
        if not profiled:
            continue
        if "error" in profiled:
            lines.append(f"{model['name']}: not profiled ({_one_line(profiled['error'])})")
            continue
        found = Profile.from_json(profiled)
        lines.append(f"{model['name']}: {_ms(found.total_ms)} ms of dispatches per call: "
                     f"{found.kinds_line()}")
    return lines


def profiles_section(result: dict, top: int = PROFILE_TOP) -> str:
    """results.md's per-dispatch profiles: each model's `top` slowest dispatches."""
    parts = []
    for model in result["models"]:
        profiled = model.get("profile")
        if not profiled:
            continue
        parts.append(f"### {model['name']}: {profiled['label']}, 1 thread")
        if "error" in profiled:
            parts.append(f"Not profiled: {_one_line(profiled['error'])}")
            continue
        found = Profile.from_json(profiled)
        parts += [found.header() + ".", found.table(top=top, markdown=True),
                  f"By kind: {found.kinds_line()}."]
        parts += [f"Note: {note}." for note in found.notes]
    if not parts:
        return ""
    return ("## Per-dispatch profiles\n\n"
            "Time per call of each dispatch (IREE host-execution profiling through "
            "iree-benchmark-module, local-sync, as many calls as timed runs; braze.profile), "
            f"slowest first; the {top} slowest, then the rest in one line. Kinds from IREE's "
            "dispatch names; transpose-like from the executable sources (the rule above).\n\n"
            + "\n\n".join(parts) + "\n")


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def machine_line(result: dict) -> str:
    m, v = result["machine"], result["versions"]
    simd = ", ".join(m.get("simd", []))
    start, others = m.get("load_average_start"), m.get("other_processes_cores")
    load = ""
    if start:
        load = f"; 1-minute load average {start[0]:.2f} at the start"
    if others is not None:
        load += f"; other processes used {others:.2f} of the {m.get('cores')} cores during the run"
    return (f"Machine: {m.get('cpu')} ({m.get('cores')} cores{', ' + simd if simd else ''}), "
            f"{m.get('memory_gib', '?')} GiB, {m.get('os')}, Python {m.get('python')}"
            f"{load}.\n\n"
            f"Versions: braze {v.get('braze')}"
            + (f" ({v['braze_commit']})" if v.get("braze_commit") else "")
            + f", IREE {v.get('iree-base-compiler')} (compiler) / {v.get('iree-base-runtime')} "
            f"(runtime), onnxruntime {v.get('onnxruntime')}, MNN {v.get('mnn')}, "
            f"onnx {v.get('onnx')}, numpy {v.get('numpy')}.")


def settings_line(result: dict) -> str:
    s = result["settings"]
    peaks = result.get("peak_gflops", {})
    peak_text = ", ".join(f"{t} thread{'s' if t != '1' else ''} {p['gflops']:.0f} GFLOP/s"
                          for t, p in peaks.items() if p.get("gflops"))
    library = next((p.get("library") for p in peaks.values() if p.get("library")), "")
    return (f"Median of {s['repeats']} timed runs per system and thread count after "
            f"{s['warmup']} warm-up run{'s' if s['warmup'] != 1 else ''}, systems interleaved in rotating order "
            f"({s['batch']} run{'s' if s['batch'] != 1 else ''} per system per round, "
            f"{s['round_warmup']} untimed run "
            f"at the start of each); 1 thread = IREE local-sync, 2 threads = local-task with 2 "
            f"workers, onnxruntime intra-op threads, MNN numThread. Each system runs in its own "
            f"process; peak MiB is that process's peak resident memory (VmHWM). Compile s: ONNX file to ready to "
            f"run (compile or convert, plus the first load). Numerics: every output within "
            f"{s['tolerance']:g} x the reference's range of onnxruntime (graph optimisations "
            f"off) on the same input; ✗ marks a system that disagrees. Roofline lower bound: "
            f"model FLOPs (braze's cost model, 2 per multiply-add) / measured peak "
            f"({peak_text}{'; ' + library if library else ''}).")


def performance_section(result: dict) -> str:
    """The README's "Performance" section body."""
    quick = " (`--quick` smoke run: timings not meaningful)" if result.get("quick") else ""
    lines = [
        f"Measured with `braze bench`{quick} on {result['created'][:10]} "
        f"({result['wall_s'] / 60:.1f} min for everything below; run it yourself with "
        "`pip install '.[bench]' && braze bench`, or `braze bench --quick` for a smoke run).",
        "",
        machine_line(result),
        "",
        latency_table(result),
        "",
        model_table(result),
        "",
    ]
    layouts = layout_table(result)
    if layouts:
        lines += [layouts, ""]
    lines.append(
        settings_line(result) + " Ratios: this system's median ÷ the baseline's at the same "
        "thread count (below 1 is faster). Dispatches: " + TRANSPOSE_RULE + "." + LAYOUT_NOTE)
    profiles = profile_lines(result)
    if profiles:
        lines += ["", PROFILE_NOTE, "", *(f"- {line}" for line in profiles)]
    notes = model_notes(result)
    if notes or result.get("flags"):
        lines += ["", *(f"- {note}" for note in notes),
                  *(f"- flagged: {flag}" for flag in result.get("flags", []))]
    return "\n".join(lines) + "\n"


def model_notes(result: dict) -> list[str]:
    notes = []
    for model in result["models"]:
        for entry in model["systems"].values():
            notes += [f"{model['name']}: {note}" for note in entry.get("notes", [])]
    return notes


def markdown(result: dict) -> str:
    profiles = profiles_section(result)
    return (f"# braze bench results\n\n{performance_section(result)}"
            + (f"\n{profiles}" if profiles else ""))


def update_readme(readme: Path, result: dict) -> None:
    """Replaces (or appends) the README's `## Performance` section."""
    text = readme.read_text()
    section = "## Performance\n\n" + performance_section(result)
    marker = "\n## Performance\n"
    if marker in text:
        before, after = text.split(marker, 1)
        rest = after.split("\n## ", 1)
        tail = "\n## " + rest[1] if len(rest) == 2 else ""
        text = before + "\n" + section + tail
    elif "\n## Developing\n" in text:  # before the contributors' part
        before, after = text.split("\n## Developing\n", 1)
        text = before + "\n" + section + "\n## Developing\n" + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)


# ---------------------------------------------------------------- plot

_COLOURS = {"iree": "#e08214", "ort": "#1b9e77", "mnn": "#7570b3"}
_BRAZE_COLOURS = ["#2166ac", "#4393c3", "#92c5de", "#053061"]


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    threads = [str(t) for t in result["settings"]["threads"]]
    models = result["models"]
    system_ids = list(result["systems"])
    colours, braze_index = {}, 0
    for system_id in system_ids:
        if system_id.startswith("braze:"):
            colours[system_id] = _BRAZE_COLOURS[braze_index % len(_BRAZE_COLOURS)]
            braze_index += 1
        else:
            colours[system_id] = _COLOURS.get(system_id, "#666666")

    figure, axes = plt.subplots(1, len(threads), figsize=(6.5 * len(threads), 5.2), sharey=True,
                                squeeze=False)
    width = 0.8 / max(1, len(system_ids))
    for axis, t in zip(axes[0], threads):
        for s_index, system_id in enumerate(system_ids):
            xs, medians, low, high, hatches = [], [], [], [], []
            for m_index, model in enumerate(models):
                entry = model["systems"].get(system_id, {})
                run = entry.get("threads", {}).get(t, {})
                x = m_index - 0.4 + width * (s_index + 0.5)
                if "median_ms" not in run:
                    axis.text(x, 0.02, "n/a", transform=axis.get_xaxis_transform(),
                              ha="center", va="bottom", fontsize=7, rotation=90, color="#999999")
                    continue
                xs.append(x)
                medians.append(run["median_ms"])
                low.append(run["median_ms"] - run["min_ms"])
                high.append(run["max_ms"] - run["median_ms"])
                wrong = not (entry.get("numerics") or {}).get("ok", False)
                hatches.append("xx" if wrong else "")
                if wrong:
                    axis.annotate("✗ numerics", (x, run["median_ms"]), ha="center", va="bottom",
                                  fontsize=7, color="#b2182b", rotation=90,
                                  textcoords="offset points", xytext=(0, 4))
            if xs:
                bars = axis.bar(xs, medians, width, yerr=[low, high], capsize=2,
                                color=colours[system_id], edgecolor="white", linewidth=0.5,
                                error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
                for bar, hatch in zip(bars, hatches):
                    bar.set_hatch(hatch)
        for m_index, model in enumerate(models):
            bound = model.get("roofline_ms", {}).get(t)
            if bound:
                axis.hlines(bound, m_index - 0.45, m_index + 0.45, colors="black",
                            linestyles="dashed", linewidth=1)
        axis.set_yscale("log")
        axis.set_xticks(range(len(models)), [m["name"] for m in models], rotation=15)
        title = f"{t} thread" + ("" if t == "1" else "s")
        axis.set_title(title + (" (IREE local-sync)" if t == "1" else " (IREE local-task)"))
        axis.grid(axis="y", which="both", alpha=0.3)
        axis.set_axisbelow(True)
    axes[0][0].set_ylabel("latency, ms (median, bars: min–max; log scale)")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colours[s], label=result["systems"][s]["label"]) for s in system_ids]
    handles.append(Line2D([], [], color="black", linestyle="dashed", linewidth=1,
                          label="roofline lower bound"))
    if any(not (entry.get("numerics") or {}).get("ok", True)
           for model in models for entry in model["systems"].values()):
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="xx",
                             label="outputs disagree with onnxruntime"))
    figure.legend(handles=handles, loc="upper center", ncol=min(7, len(handles)), frameon=False)
    machine = result["machine"]
    quick = "  [--quick smoke run: timings not meaningful]" if result.get("quick") else ""
    figure.text(0.5, 0.005, f"{machine.get('cpu')}, {machine.get('cores')} cores — "
                f"braze bench {result['created'][:10]}{quick}", ha="center", fontsize=8,
                color="#555555")
    figure.tight_layout(rect=(0, 0.03, 1, 0.92))
    figure.savefig(path, dpi=110)
    plt.close(figure)
