"""Fusion plans: what --braze-fuse decided, as a report, a picture, and
measured timings for its profile oracle.

`--braze-fuse plan-file=F` writes the plan as JSON: every op (with its
mapping type and group), the data edges, the groups, and the decision on
every edge the planner considered, with its reason. `FusionPlan` reads it;
`FusionPlan.html()` draws it (ops as boxes coloured by group, edges between
them, then the groups and the profile-cell decisions as tables).

`profile_fusion` fills the profile database of `--braze-fuse oracle=profile`:
the pass writes each profile-cell candidate it has no timing for as a
pending fused and unfused program; they are lowered, compiled through IREE
for the host and timed with iree-benchmark-module (one thread), and the
medians replace the pending entry.
"""

from __future__ import annotations

import colorsys
import dataclasses
import html
import json
import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import mlir.ir as ir

from .backend import BackendError, compile_to_vmfb, flow_dispatches_by_function, tool_path
from .pipeline import Pipeline, lowering
from .targets import Target, get_target

# The plan's group number on each braze.fused op (--braze-fuse).
GROUP_ATTR = "braze.fusion_group"


@dataclass
class FusionPlan:
    """The plan of one function (the model's main)."""

    nodes: list[dict]
    edges: list[dict]
    groups: list[dict]
    decisions: list[dict]
    # Group number -> the dispatches IREE makes of it (group_dispatches),
    # once counted.
    dispatches: dict[int, int] | None = None
    # Groups whose dispatch region IREE could not compile, left to its own
    # dispatch formation.
    left_to_iree: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> FusionPlan:
        functions = json.loads(Path(path).read_text())["functions"]
        if not functions:
            return cls([], [], [], [])
        plan = functions[0]
        return cls(plan["nodes"], plan["edges"], plan["groups"], plan["decisions"])

    def summary(self) -> str:
        """One line: groups by mapping type, ops fused, profile-cell verdicts."""
        if not self.groups:
            return "fusion: no groups"
        types = Counter(group["mapping"] for group in self.groups)
        fused_ops = sum(len(group["members"]) for group in self.groups)
        profile = Counter(decision["fused"] for decision in self.decisions
                          if decision["cell"] == "profile")
        kinds = ", ".join(f"{name} {count}" for name, count in sorted(types.items()))
        text = (f"fusion: {len(self.groups)} groups ({kinds}) holding {fused_ops} of "
                f"{len(self.nodes)} ops; profile cells fused {profile[True]}, "
                f"not fused {profile[False]}")
        if self.left_to_iree:
            text += ("; IREE could not compile the dispatch region of group"
                     f"{'s' if len(self.left_to_iree) > 1 else ''} "
                     + ", ".join(f"{gid} ({self._ops_of(gid)})" for gid in self.left_to_iree)
                     + ", left to its own dispatch formation")
        if self.dispatches is not None:
            split = self.split_groups()
            text += (f"; IREE keeps {len(self.groups) - len(split)} groups as one dispatch"
                     + (f", splits {len(split)}: " + ", ".join(
                         f"group {gid} ({self._ops_of(gid)}) into {self.dispatches[gid]}"
                         for gid in split) if split else ""))
        return text

    def split_groups(self) -> list[int]:
        """The groups IREE did not keep as one dispatch."""
        return [gid for gid, count in (self.dispatches or {}).items() if count != 1]

    def _ops_of(self, group_id: int) -> str:
        group = next(group for group in self.groups if group["id"] == group_id)
        by_id = self._nodes_by_id()
        return " ".join(by_id[m]["op"].removeprefix("braze.") for m in sorted(group["members"]))

    def _label(self, node_id: int) -> str:
        node = self._nodes_by_id()[node_id]
        name = f" {node['name']}" if node["name"] else ""
        return f"{node['op'].removeprefix('braze.')}#{node_id}{name}"

    def _nodes_by_id(self) -> dict[int, dict]:
        return {node["id"]: node for node in self.nodes}

    def html(self, title: str) -> str:
        """A standalone page: the graph with groups coloured, then tables."""
        by_id = self._nodes_by_id()
        # Longest-path layers from the inputs: a node sits one row below its
        # deepest producer.
        layer: dict[int, int] = {}
        producers: dict[int, list[int]] = {node_id: [] for node_id in by_id}
        for edge in self.edges:
            producers[edge["to"]].append(edge["from"])
        for node_id in sorted(by_id):
            layer[node_id] = 1 + max((layer[p] for p in producers[node_id]), default=-1)
        rows: dict[int, list[int]] = {}
        for node_id in sorted(by_id):
            rows.setdefault(layer[node_id], []).append(node_id)
        box_w, box_h, gap_x, gap_y = 150, 26, 16, 22
        position = {node_id: (20 + column * (box_w + gap_x), 20 + row * (box_h + gap_y))
                    for row, members in rows.items() for column, node_id in enumerate(members)}
        width = 40 + max(len(members) for members in rows.values()) * (box_w + gap_x) if rows else 40
        height = 40 + len(rows) * (box_h + gap_y)

        group_ids = [group["id"] for group in self.groups]
        colour = {gid: _colour(index, len(group_ids)) for index, gid in enumerate(group_ids)}
        svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               'font-family="monospace" font-size="11">']
        for edge in self.edges:
            (x1, y1), (x2, y2) = position[edge["from"]], position[edge["to"]]
            svg.append(f'<line x1="{x1 + box_w / 2}" y1="{y1 + box_h}" x2="{x2 + box_w / 2}" '
                       f'y2="{y2}" stroke="#888" stroke-width="1"/>')
        for node_id, (x, y) in position.items():
            node = by_id[node_id]
            fill = colour.get(node["group"], "#eeeeee")
            tip = html.escape(f"{self._label(node_id)}: {node['mapping']}, group "
                              f"{node['group'] if node['group'] is not None else '-'}, "
                              f"{node['result_bytes']} result bytes")
            stroke = "#000" if node["mapping"] == "many_to_many" else "#666"
            svg.append(f'<g><title>{tip}</title><rect x="{x}" y="{y}" width="{box_w}" '
                       f'height="{box_h}" rx="4" fill="{fill}" stroke="{stroke}"/>'
                       f'<text x="{x + 5}" y="{y + 17}">'
                       f'{html.escape(self._label(node_id)[:22])}</text></g>')
        svg.append("</svg>")

        group_rows = "".join(
            f'<tr><td style="background:{colour[group["id"]]}">{group["id"]}</td>'
            f'<td>{group["mapping"]}</td><td>{html.escape(self._label(group["seed"]))}</td>'
            f'<td>{html.escape(", ".join(self._label(m) for m in sorted(group["members"])))}</td></tr>'
            for group in self.groups)
        decision_rows = "".join(
            f'<tr><td>{html.escape(self._label(d["producer"]))}</td>'
            f'<td>{html.escape(self._label(d["consumer"]))}</td>'
            f'<td>{d["row"]} &rarr; {d["column"]}</td><td>{d["cell"]}</td>'
            f'<td>{"fused" if d["fused"] else "not fused"}</td><td>{html.escape(d["reason"])}</td></tr>'
            for d in self.decisions if d["cell"] != "fuse" or not d["fused"])
        return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif}} td,th{{border:1px solid #ccc;padding:2px 6px;font-size:12px}}
table{{border-collapse:collapse;margin:12px 0}}</style></head><body>
<h2>{html.escape(title)}</h2><p>{html.escape(self.summary())}. Boxes are ops in
dependence order, coloured by fusion group (grey: in no group; black border:
Many-to-Many). Hover for details.</p>
{''.join(svg)}
<h3>Groups</h3><table><tr><th>group</th><th>mapping type</th><th>seed</th><th>members</th></tr>
{group_rows}</table>
<h3>Edges not fused, and profile-cell edges</h3>
<table><tr><th>producer</th><th>consumer</th><th>cell</th><th>table</th><th>decision</th><th>why</th></tr>
{decision_rows}</table></body></html>
"""


def _colour(index: int, count: int) -> str:
    red, green, blue = colorsys.hsv_to_rgb(index / max(count, 1), 0.35, 0.97)
    return f"#{int(red * 255):02x}{int(green * 255):02x}{int(blue * 255):02x}"


# -- one dispatch per group ---------------------------------------------------------

def group_dispatches(braze_text: str, target: str = "host") -> dict[int, int]:
    """How many dispatches IREE makes of each fused group in `braze_text`
    (braze IR after --braze-fuse): every group outlined into a function of
    its own (--braze-outline-fused-groups), lowered, and compiled to IREE's
    flow level, where dispatches are counted per function. One per group
    means every group stayed one kernel. Keyed by the plan's group number."""
    with ir.Context() as context:
        context.allow_unregistered_dialects = True
        module = ir.Module.parse(braze_text)
        Pipeline().outline_fused_groups().lower_to_linalg().canonicalize().cse().run(module)
        functions = [str(ir.StringAttr(op.attributes["sym_name"]).value)
                     for op in module.body.operations if op.operation.name == "func.func"]
        linalg = str(module)
    # An outlined group pads its input argument itself; in the model the
    # producer writes into the padded buffer, so here the padding is fused
    # into the group rather than counted as a dispatch of its own.
    counts = flow_dispatches_by_function(
        linalg, target, ["--iree-dispatch-creation-enable-fuse-padding-into-linalg-consumer-ops"])
    return {int(function.rsplit("_group", 1)[1]): counts.get(function, 0)
            for function in functions}


_ERROR_LINE = re.compile(r"\.mlir:(\d+):\d+: error")
_OUTLINED = re.compile(r"func\.func @\w+_group(\d+)\(")


def leave_failing_regions_to_iree(module: ir.Module, target: Target | str = "host") -> list[int]:
    """Marks backend_formed, in `module` (braze IR after --braze-fuse),
    every group whose dispatch region IREE cannot generate code for, and
    returns their numbers. The groups that get regions are outlined into
    functions of their own and compiled for `target` until none fails; each
    failure is traced to its function, hence its group."""
    target = target if isinstance(target, Target) else get_target(target)
    # Errors must point into the compiled text, not into dumped executables.
    target = dataclasses.replace(target, flags=tuple(
        flag for flag in target.flags if not flag.startswith("--iree-hal-dump-")))
    failing: list[int] = []
    groups = [line for line in str(module).splitlines() if "braze.fused <" in line]
    if all("backend_formed" in line for line in groups):
        return failing  # no dispatch regions
    while True:
        outlined = ir.Module.parse(str(module), context=module.context)
        Pipeline().outline_fused_groups().run(outlined)
        for function in list(outlined.body.operations):
            if "backend_formed" in _fused_op(function).attributes:
                function.operation.erase()
        if not outlined.body.operations:
            return failing
        lowering(target.codegen).run(outlined)
        text = str(outlined)
        try:
            compile_to_vmfb(text, target)
            return failing
        except BackendError as error:
            group = _failing_group(str(error), text)
            if group is None or group in failing:
                raise
        failing.append(group)
        _mark_backend_formed(module, group)


def _fused_op(function: ir.OpView) -> ir.Operation:
    """The braze.fused op of an outlined group's function."""
    return next(op for op in function.regions[0].blocks[0].operations
                if op.operation.name == "braze.fused").operation


def _failing_group(message: str, text: str) -> int | None:
    """The group whose outlined function holds iree-compile's first error."""
    match = _ERROR_LINE.search(message)
    if match is None:
        return None
    lines = text.splitlines()[:int(match.group(1))]
    groups = [int(found.group(1)) for line in lines if (found := _OUTLINED.search(line))]
    return groups[-1] if groups else None


def _mark_backend_formed(module: ir.Module, group: int) -> None:
    def mark(op: ir.Operation) -> ir.WalkResult:
        attributes = op.attributes
        if (op.name == "braze.fused" and GROUP_ATTR in attributes
                and ir.IntegerAttr(attributes[GROUP_ATTR]).value == group):
            attributes["backend_formed"] = ir.UnitAttr.get()
        return ir.WalkResult.ADVANCE

    module.operation.walk(mark)


# -- the profile oracle's measurements -------------------------------------------

_CANDIDATE_ARGS = re.compile(r"func\.func @candidate\(([^)]*)\)")
_TENSOR = re.compile(r"tensor<([0-9x]+)x(f32|f16|i32|i64|i8|i1)>")


def _benchmark_inputs(program: str) -> list[str]:
    """iree-benchmark-module --input flags (zero-filled) for @candidate's arguments."""
    match = _CANDIDATE_ARGS.search(program)
    if match is None:
        raise ValueError("a pending candidate has no func.func @candidate")
    return [f"--input={shape}x{dtype}" for shape, dtype in _TENSOR.findall(match.group(1))]


def time_program(braze_text: str, repetitions: int = 5) -> float:
    """Median milliseconds of @candidate in `braze_text` (braze dialect),
    lowered, compiled for the host and run on one thread."""
    with ir.Context() as context:
        context.allow_unregistered_dialects = True
        module = ir.Module.parse(braze_text)
        lowering().run(module)
        linalg = str(module)
    with tempfile.TemporaryDirectory(prefix="braze-fusion-profile-") as scratch:
        vmfb = Path(scratch, "candidate.vmfb")
        compile_to_vmfb(linalg, "host", output=vmfb)
        result = subprocess.run(
            [str(tool_path("iree-benchmark-module")), f"--module={vmfb}", "--function=candidate",
             "--device=local-sync", *_benchmark_inputs(braze_text),
             f"--benchmark_repetitions={repetitions}", "--benchmark_format=json"],
            capture_output=True, text=True)
    if result.returncode != 0:
        raise BackendError("iree-benchmark-module failed: "
                           + (result.stderr.strip().splitlines() or ["no output"])[-1])
    runs = json.loads(result.stdout)["benchmarks"]
    median = next(run for run in runs if run.get("aggregate_name") == "median")
    return median["real_time"] / 1e6 if median["time_unit"] == "ns" else median["real_time"]


def measure_pending(database: str | Path, progress: Callable[[str], None] | None = None) -> int:
    """Times every pending candidate of the profile database, fused and
    unfused, and records the medians (or why the fused one cannot compile).
    Returns how many were measured."""
    path = Path(database)
    data = json.loads(path.read_text())
    pending = data.get("pending", {})
    for index, (key, programs) in enumerate(pending.items(), 1):
        if progress:
            progress(f"candidate {index}/{len(pending)}: {key[:100]}")
        entry: dict[str, object] = {"unfused_ms": time_program(programs["unfused"])}
        try:
            entry["fused_ms"] = time_program(programs["fused"])
        except BackendError as error:
            entry["error"] = str(error).splitlines()[0]
        data["measurements"][key] = entry
    data["pending"] = {}
    path.write_text(json.dumps(data, indent=2) + "\n")
    return len(pending)
