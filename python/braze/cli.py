"""The `braze` command line.

    braze annotate model.mlir            # classify ops; annotated IR on stdout
    braze annotate --example mobilenet_v3_block
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mlir.ir as ir

from . import __version__, examples
from .errors import format_mlir_error
from .pipeline import Pipeline
from .report import classify


class CommandError(Exception):
    """A user-facing failure: printed as `braze <command>: error: ...`."""


def _load_module(args: argparse.Namespace, context: ir.Context) -> tuple[ir.Module, str]:
    if args.example:
        source = examples.path(args.example)
    elif args.input:
        source = Path(args.input)
    else:
        raise CommandError("give an input .mlir file or --example NAME "
                           f"(examples: {', '.join(examples.names())})")
    if not source.is_file():
        raise CommandError(f"cannot read '{source}': no such file")
    try:
        return ir.Module.parseFile(str(source), context), str(source)
    except ir.MLIRError as error:
        raise CommandError(f"'{source}' is not valid braze IR:\n{format_mlir_error(error)}")


def _annotate(args: argparse.Namespace) -> None:
    pipeline = Pipeline().annotate_mapping()
    if args.print_pipeline:
        print(pipeline)
        return
    with ir.Context() as context:
        module, source = _load_module(args, context)
        try:
            pipeline.run(module)
        except ir.MLIRError as error:
            raise CommandError(f"{pipeline} failed on '{source}':\n{format_mlir_error(error)}")
        text = str(module)
        if args.output == "-":
            sys.stdout.write(text)
        else:
            Path(args.output).write_text(text)
        print(f"braze annotate: {source}\n{classify(module).table()}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="braze",
        description="braze: an MLIR compiler for fast DNN inference on mobile CPUs and GPUs.",
    )
    parser.add_argument("--version", action="version", version=f"braze {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    annotate = commands.add_parser(
        "annotate",
        help="classify each op by DNNFusion mapping type and SmartMem layout group",
        description="Runs --braze-annotate-mapping on braze IR, writes the annotated "
                    "IR and prints op counts per mapping type and layout group to stderr.",
    )
    annotate.add_argument("input", nargs="?", help="a .mlir file in the braze dialect")
    annotate.add_argument("--example", choices=examples.names(),
                          help="use a bundled example instead of a file")
    annotate.add_argument("-o", "--output", default="-", metavar="FILE",
                          help="write the annotated IR here (default: stdout)")
    annotate.add_argument("--print-pipeline", action="store_true",
                          help="print the pass pipeline (as braze-opt --pass-pipeline takes it) and exit")
    annotate.set_defaults(run=_annotate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except CommandError as error:
        print(f"braze {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
