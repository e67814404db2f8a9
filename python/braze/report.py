"""Reports on braze IR: what a user reads after a braze command."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import mlir.ir as ir

from .dialects import braze as _braze

MAPPING_ATTR = "braze.mapping"
LAYOUT_GROUP_ATTR = "braze.layout_group"

# "#braze.mapping<one_to_one>" -> "one_to_one"
_ENUM_ATTR = re.compile(r"#braze\.\w+<(\w+)>")


def _enum_case(attr: ir.Attribute) -> str:
    match = _ENUM_ATTR.fullmatch(str(attr))
    if not match:
        raise ValueError(f"not a braze enum attribute: {attr}")
    return match.group(1)


@dataclass
class Classification:
    """Counts of braze ops by mapping type and layout group, read from the
    attributes that --braze-annotate-mapping writes."""

    mapping_types: Counter = field(default_factory=Counter)
    layout_groups: Counter = field(default_factory=Counter)
    ops: Counter = field(default_factory=Counter)

    def table(self) -> str:
        """The counts as an aligned two-part table, every enum case listed."""
        rows = [("mapping type", "ops", "layout group", "ops")]
        mappings = [case.name for case in _braze.MappingType]
        groups = [case.name for case in _braze.LayoutGroup]
        for index in range(max(len(mappings), len(groups))):
            mapping = mappings[index] if index < len(mappings) else ""
            group = groups[index] if index < len(groups) else ""
            rows.append((
                mapping, str(self.mapping_types[mapping]) if mapping else "",
                group, str(self.layout_groups[group]) if group else "",
            ))
        widths = [max(len(row[col]) for row in rows) for col in range(4)]
        return "\n".join(
            f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}    "
            f"{row[2]:<{widths[2]}}  {row[3]:>{widths[3]}}".rstrip()
            for row in rows
        )


def classify(module: ir.Module) -> Classification:
    """Counts the annotated ops of `module` (run --braze-annotate-mapping first)."""
    result = Classification()

    def visit(op: ir.Operation) -> ir.WalkResult:
        attributes = op.attributes
        if MAPPING_ATTR in attributes:
            result.mapping_types[_enum_case(attributes[MAPPING_ATTR])] += 1
            result.ops[op.name] += 1
        if LAYOUT_GROUP_ATTR in attributes:
            result.layout_groups[_enum_case(attributes[LAYOUT_GROUP_ATTR])] += 1
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return result
